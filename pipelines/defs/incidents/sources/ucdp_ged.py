"""UCDP Georeferenced Event Dataset (GED): CSV of any release, with or without the HDX hashtag row."""

import duckdb

from pipelines.defs.incidents.sources.base import SourceAdapter, SourceFileError, quote

# Columns the staging model uses; releases differ (the Candidate release lacks iso3, older ones the
# *_dset_id columns), so a file may hold any superset of the required ones.
KNOWN_COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_new_id",
    "conflict_name",
    "dyad_new_id",
    "dyad_name",
    "side_a_new_id",
    "side_a",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_office",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
)


class UcdpGedAdapter(SourceAdapter):
    def prepare(self, con: duckdb.DuckDBPyConnection) -> None:
        # The Humanitarian Data Exchange export puts an HXL hashtag row (#date+year, ...) under the header:
        # it labels the columns and is not an event. A row is that row when every cell it fills starts with '#'.
        columns = [r[0] for r in con.execute("select column_name from (describe raw_rows)").fetchall()]
        filled = " + ".join(f"(nullif(trim({quote(c)}), '') is not null)::int" for c in columns)
        tagged = " + ".join(f"coalesce(starts_with(trim({quote(c)}), '#'), false)::int" for c in columns)
        con.execute(f"delete from raw_rows where ({tagged}) > 0 and ({tagged}) = ({filled})")


ADAPTER = UcdpGedAdapter(
    name="ucdp_ged",
    description="UCDP GED",
    source_system="ucdp",
    required_columns=(
        "id",
        "type_of_violence",
        "side_a",
        "side_b",
        "best",
        "low",
        "high",
        "date_start",
        "date_end",
        "country",
    ),
    known_columns=KNOWN_COLUMNS,
    # Releases repeat events under the same id: sql/core/incidents/ucdp_ged.sql keeps the newest release's.
    conform_whole_source=True,
)

__all__ = ["ADAPTER", "SourceFileError"]
