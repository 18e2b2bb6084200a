-- A scalar macro, not a model: the one statement of how a perpetrator name resolves to a group, used by the models
-- sql/core/incidents.sql, sql/core/incident_perpetrators.sql and sql/core/incident_versions.sql on the distinct
-- (system, name) pairs of the rows they write (never per row: the regular expressions of normalize_group_name
-- then run once per name). group_of(system, spelling): the group of the normalised ``spelling`` in source system
-- ``system``: the system's own alias first, then the curated names, unless the system classes the spelling as
-- "not a group" (New America's "Taliban" is a generic label there). It reads the temp tables alias_lookup (one
-- group per system and spelling) and not_groups, made here from core.group_aliases and
-- staging.curated_non_group_perpetrators: DuckDB binds them when the macro is created, so this file is run
-- (create_macros, pipelines/engine/warehouse.py) right before a model that calls group_of.
-- A mapped dataset resolves through its own virtual system 'mapped:<source_name>': its source_name's aliases,
-- then those of its mapping's alias_system (e.g. gtd), then those of system 'mapped', then the curated names.

-- one group per (system, spelling); the check group_aliases__one_group_per_spelling guards that
create or replace temp table alias_lookup as
with own as (
    select source_system, alias_normalized, min(group_id) as group_id
    from core.group_aliases
    group by all
),
mapped_systems as (
    select distinct source_name, alias_system from staging.mapped
)
select * from own
union all
select
    'mapped:' || m.source_name as source_system,
    a.alias_normalized,
    arg_min(a.group_id, case a.source_system when m.source_name then 1 when m.alias_system then 2 else 3 end)
        as group_id
from mapped_systems m
inner join own a on a.source_system in (m.source_name, m.alias_system, 'mapped')
group by all;

create or replace temp table not_groups as
with own as (
    select distinct
        source_system,
        normalize_group_name(perpetrator_raw) as alias_normalized
    from staging.curated_non_group_perpetrators
)
select * from own
union
select distinct
    'mapped:' || m.source_name as source_system,
    n.alias_normalized
from (select distinct source_name, alias_system from staging.mapped) m
inner join own n on n.source_system in (m.source_name, m.alias_system, 'mapped');

create or replace temp macro group_of(system, spelling) as coalesce(
    (
        select own.group_id from alias_lookup own
        where own.source_system = system and own.alias_normalized = spelling
    ),
    (
        select cur.group_id from alias_lookup cur
        where
            cur.source_system = 'curated' and cur.alias_normalized = spelling
            and not exists (
                select 1 from not_groups ng
                where ng.source_system = system and ng.alias_normalized = spelling
            )
    )
);
