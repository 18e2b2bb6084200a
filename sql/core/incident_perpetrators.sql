-- core.incident_perpetrators: every perpetrator of every incident. The rows of each source are its part,
-- sql/core/incident_perpetrators/<source>.sql, in the temp view incident_perpetrators_parts
-- (pipelines/defs/incidents/conform.py: union all by name, each row with the alias system of its source), for
-- the files the variable core_incident_perpetrators_files lists (NULL: every file). group_id: the group of the
-- raw name (sql/macros/group_of.sql), resolved once per distinct (system, name) and joined back.
with parts as not materialized (
    select * from incident_perpetrators_parts
    where
        getvariable('core_incident_perpetrators_files') is null
        or list_contains(getvariable('core_incident_perpetrators_files'), source_file)
),

names as (
    select
        perpetrator_system,
        perpetrator_raw,
        group_of(perpetrator_system, normalize_group_name(perpetrator_raw)) as group_id
    from (select distinct perpetrator_system, perpetrator_raw from parts where perpetrator_raw is not null)
)

select
    p.* exclude (perpetrator_system),
    n.group_id
from parts p
left join names n on p.perpetrator_system = n.perpetrator_system and p.perpetrator_raw = n.perpetrator_raw
