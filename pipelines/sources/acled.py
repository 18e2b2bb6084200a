"""ACLED event export (CSV, columns per ACLED's codebook). ACLED is a living dataset: a newer export
carries events again under the same ``event_id_cnty`` with a newer ``timestamp`` when ACLED edited them."""

from pipelines.sources.base import SourceAdapter, SourceFileError

# Columns the staging model uses (ACLED codebook, 2023 layout); older exports lack some of them.
KNOWN_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
    "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
    "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)

ADAPTER = SourceAdapter(
    name="acled",
    description="ACLED export",
    source_system="acled",
    required_columns=("event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
                      "country", "fatalities", "timestamp"),
    known_columns=KNOWN_COLUMNS,
    # A newer export replaces events of older ones: sql/core/incidents/acled.sql keeps the latest version.
    conform_whole_source=True,
)

__all__ = ["ADAPTER", "SourceFileError"]
