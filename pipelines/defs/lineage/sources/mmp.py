"""Stanford Mapping Militant Organizations: raw/mmp/links.csv (+ map tables) -> staging.mmp_*.

links.csv: one row per relationship link, ``type`` all / riv / aff / spl / mer, two MMP group ids (the
order carries no direction: a split is listed parent first in some links and splinter first in others),
a date with ``00`` for an unknown month or day and ``0000-00-00`` when unknown, and the group names only
inside ``description``. map_groups.csv says which groups each map shows; maps.csv names the maps (the
Pakistan maps are the ones whose name starts with "Pakistan").
"""

from __future__ import annotations

from pipelines.defs.lineage.sources.base import LineageTable

SOURCE = "mmp"
LINK_TYPES = ("all", "riv", "aff", "spl", "mer")

LINKS_SQL = f"""
with parts as (
    select *, regexp_extract(trim("date"), '^(\\d{{4}})-(\\d{{2}})-(\\d{{2}})$', ['y', 'm', 'd']) as p
    from raw_rows
),
dated as (
    select *,
        case when p.y = '' or p.y = '0000' then null
             when p.m = '00' then make_date(p.y::int, 1, 1)
             when p.d = '00' then try_cast(p.y || '-' || p.m || '-01' as date)
             else try_cast(trim("date") as date) end as start_date,
        case when p.y = '' or p.y = '0000' then null when p.m = '00' then 'year' when p.d = '00' then 'month'
             else 'day' end as start_precision
    from parts
)
select
    _row_number,
    code_int("id") as link_id, trim("type") as link_type,
    code_int("group1") as group1_id, code_int("group2") as group2_id,
    trim("date") as date_raw, start_date, start_precision, "description" as description,
    case when code_int("id") is null then 'id'
         when trim("type") not in {LINK_TYPES} or "type" is null then 'type'
         when code_int("group1") is null then 'group1' when code_int("group2") is null then 'group2'
         when p.y = '' or (p.y <> '0000' and start_date is null) then 'date' end as _reject_column,
    case when code_int("id") is null then 'id is not a whole number'
         when trim("type") not in {LINK_TYPES} or "type" is null
              then 'type ' || coalesce('''' || "type" || '''', 'blank') || ' is not one of all, riv, aff, spl, mer'
         when code_int("group1") is null then 'group1 is not a group id'
         when code_int("group2") is null then 'group2 is not a group id'
         when p.y = '' or (p.y <> '0000' and start_date is null)
              then 'date ' || coalesce('''' || "date" || '''', 'blank') || ' is not YYYY-MM-DD (00 for unknown parts)'
    end as _reject_reason
from dated
"""

MAP_GROUPS_SQL = """
select _row_number, code_int("id") as map_group_id, code_int("map_id") as map_id, code_int("group_id") as group_id,
    case when code_int("id") is null then 'id' when code_int("map_id") is null then 'map_id'
         when code_int("group_id") is null then 'group_id' end as _reject_column,
    case when code_int("id") is null or code_int("map_id") is null or code_int("group_id") is null
         then 'not a whole number' end as _reject_reason
from raw_rows
"""

MAPS_SQL = """
select _row_number, code_int("id") as map_id, nullif(trim("url"), '') as url, trim("name") as name,
    code_int("startyear") as start_year, code_int("endyear") as end_year,
    code_int("published") = 1 as published,
    case when code_int("id") is null then 'id' when nullif(trim("name"), '') is null then 'name' end as _reject_column,
    case when code_int("id") is null then 'id is not a whole number'
         when nullif(trim("name"), '') is null then 'name is blank' end as _reject_reason
from raw_rows
"""

LINKS = LineageTable(
    SOURCE, "links", "mmp_links", "links.csv", ("id", "type", "group1", "group2", "date", "description"), LINKS_SQL
)
MAP_GROUPS = LineageTable(
    SOURCE, "map_groups", "mmp_map_groups", "map_groups.csv", ("id", "map_id", "group_id"), MAP_GROUPS_SQL
)
MAPS = LineageTable(SOURCE, "maps", "mmp_maps", "maps.csv", ("id", "name"), MAPS_SQL)
TABLES = (LINKS, MAP_GROUPS, MAPS)
