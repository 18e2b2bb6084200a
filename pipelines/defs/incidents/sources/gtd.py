"""Global Terrorism Database (START): CSV or XLSX, any subset of the codebook's columns."""

from pipelines.defs.incidents.sources.base import SourceAdapter, SourceFileError

# Columns the staging model uses; a file may hold any subset as long as the required ones are there.
KNOWN_COLUMNS = (
    "eventid",
    "iyear",
    "imonth",
    "iday",
    "approxdate",
    "extended",
    "country",
    "country_txt",
    "region_txt",
    "provstate",
    "city",
    "latitude",
    "longitude",
    "specificity",
    "crit1",
    "crit2",
    "crit3",
    "doubtterr",
    "multiple",
    "success",
    "suicide",
    "attacktype1",
    "attacktype1_txt",
    "targtype1",
    "targtype1_txt",
    "gname",
    "gsubname",
    "gname2",
    "gname3",
    "guncertain1",
    "nkill",
    "nkillter",
    "nwound",
)


class GtdAdapter(SourceAdapter):
    def detect(self, header: list[str]) -> str | None:
        problem = super().detect(header)
        if problem is None and "country_txt" not in header and "country" not in header:
            problem = "missing column country_txt (or its code column country) for a GTD file"
        return problem


ADAPTER = GtdAdapter(
    name="gtd",
    description="GTD",
    source_system="gtd",
    required_columns=("eventid", "iyear", "imonth", "iday", "gname"),
    known_columns=KNOWN_COLUMNS,
    patterns=("*.csv", "*.xlsx"),
)

__all__ = ["ADAPTER", "SourceFileError"]
