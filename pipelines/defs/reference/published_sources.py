"""Published aggregates read from raw files (not curated by us): ACLED's country-month counts by event type.

raw/acled_aggregates/*.csv -> staging.acled_aggregates -> core.published_aggregates (sql/core/published_aggregates.sql)

ACLED publishes two files of the same shape, one of events and one of fatalities per (Country, Event month,
Event Type). They are read with the one-table CSV reader of the lineage sources (pipelines/defs/lineage/sources/
base.py: every row loaded or quarantined, dq.file_loads / dq.quarantine), not a reader of their own. A file
is an events file or a fatalities file by its value column; a file with neither is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.defs.lineage.sources.base import LineageTable

VALUE_COLUMNS = {"Events": "events", "Fatalities": "killed"}  # ACLED column -> core.published_aggregates measure


@dataclass(frozen=True)
class AcledAggregatesTable(LineageTable):
    def detect(self, header: list[str]) -> str | None:
        problem = super().detect(header)
        if problem:
            return problem
        values = [c for c in VALUE_COLUMNS if c in header]
        if len(values) != 1:
            return "needs exactly one value column, Events or Fatalities"
        return None


# The value column is read through the row as JSON because an events file has no Fatalities column and the other
# way round; a blank count is unknown (quarantined with that reason), never 0.
_value_column = "case when json_exists(to_json(r), '$.Events') then 'Events' else 'Fatalities' end"
_value = "to_json(r) ->> " + _value_column
TYPING_SQL = f"""
select
    _row_number,
    nullif(trim("Country"), '') as country,
    try_strptime("Event month", '%Y-%m-%d')::date as period_start,
    nullif(trim("Event Type"), '') as event_type,
    case {_value_column} when 'Events' then 'events' else 'killed' end as measure,
    case when regexp_full_match(trim({_value}), '[0-9]+') then trim({_value})::bigint end as value,
    case when nullif(trim("Country"), '') is null then 'Country'
         when try_strptime("Event month", '%Y-%m-%d') is null
           or day(try_strptime("Event month", '%Y-%m-%d')) <> 1 then 'Event month'
         when nullif(trim("Event Type"), '') is null then 'Event Type'
         when not coalesce(regexp_full_match(trim({_value}), '[0-9]+'), false) then {_value_column} end as _reject_column,
    case when nullif(trim("Country"), '') is null then 'Country is blank'
         when try_strptime("Event month", '%Y-%m-%d') is null
           or day(try_strptime("Event month", '%Y-%m-%d')) <> 1
              then 'Event month ' || coalesce('''' || "Event month" || '''', 'blank') || ' is not the first day of a month (YYYY-MM-01)'
         when nullif(trim("Event Type"), '') is null then 'Event Type is blank'
         when nullif(trim({_value}), '') is null then {_value_column} || ' is blank (unknown, not 0)'
         when not regexp_full_match(trim({_value}), '[0-9]+')
              then {_value_column} || ' ''' || ({_value}) || ''' is not a whole number' end as _reject_reason
from raw_rows r
"""

ACLED_AGGREGATES = AcledAggregatesTable(
    source="acled_aggregates",
    dataset="country_month",
    table="acled_aggregates",
    pattern="*.csv",
    required_columns=("Country", "Event month", "Event Type"),
    typing_sql=TYPING_SQL,
)
TABLES = (ACLED_AGGREGATES,)
