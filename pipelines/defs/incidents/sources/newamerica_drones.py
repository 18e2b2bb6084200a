"""New America "Counterterrorism Wars: Pakistan" drone-strike sheet (one row per US strike, 2004-2018).

The sheet has no id column; sql/staging/newamerica_drones.sql builds ``source_event_id`` from the strike
date and the row's ordinal among that date's strikes in file order ("20090805-1"). Its seven source
columns are all headed ``Source``: DuckDB names them Source, Source_1 ... and staging keeps them all as
the list ``sources``. Leaders killed (``leader_names``) feed core.leaders / core.leadership_events.
"""

from pipelines.defs.incidents.sources.base import SourceAdapter, SourceFileError

KNOWN_COLUMNS = (
    "strikes",
    "date",
    "village",
    "region",
    "year",
    "leaders_killed",
    "leader_names",
    "leader_description",
    "militants_low",
    "militants_high",
    "militants_avg",
    "unknown_low",
    "unknown_high",
    "unknown_avg",
    "civilians_low",
    "civilians_high",
    "civilians_avg",
    "total_low",
    "total_high",
    "total_avg",
    "president_name",
    "president_number",
    "target_type",
    "target_description",
    "target_organization_name",
    "target_group",
    "geo_lat",
    "geo_lon",
    "province",
    "strike_type",
    "Source",
)

ADAPTER = SourceAdapter(
    name="newamerica_drones",
    description="New America drone-strike sheet (Pakistan)",
    source_system="newamerica",
    required_columns=(
        "date",
        "village",
        "region",
        "total_low",
        "total_high",
        "total_avg",
        "leaders_killed",
        "leader_names",
    ),
    known_columns=KNOWN_COLUMNS,
    known_column_pattern=r"Source_[0-9]+",  # the repeated Source columns, read by pattern in staging
)

__all__ = ["ADAPTER", "SourceFileError"]
