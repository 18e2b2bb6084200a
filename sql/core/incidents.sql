-- core.incidents: one row per source event, every incident source conformed. The rows of each source are its
-- part, sql/core/incidents/<source>.sql; pipelines/defs/incidents/conform.py makes the temp view
-- incidents_parts of them (union all by name, each row with the alias system that resolves its names:
-- the adapter's source_system; 'mapped:<source_name>' for a mapped dataset; 'curated' for our own incidents).
-- Only the files the variable core_incidents_files lists (NULL: every file): the table is kept file by file
-- (pipelines/engine/file_rows.py), and a part may read other files of its source (the latest release of an event).
-- group_id: the group the source names itself (curated incidents) or else the group of the raw name
-- (sql/macros/group_of.sql), resolved once per distinct (system, name) and joined back. violence_class from
-- raw/curated/violence_classes.csv by the source's folder and its own category; admin1_harmonized one unit for
-- the whole series.
with parts as not materialized (
    select * from incidents_parts
    where
        getvariable('core_incidents_files') is null
        or list_contains(getvariable('core_incidents_files'), source_file)
),

names as (
    select
        perpetrator_system,
        perpetrator_raw,
        group_of(perpetrator_system, normalize_group_name(perpetrator_raw)) as resolved_group_id
    from (select distinct perpetrator_system, perpetrator_raw from parts where perpetrator_raw is not null)
)

select
    p.* exclude (perpetrator_system, group_id),
    coalesce(p.group_id, n.resolved_group_id) as group_id,
    current_timestamp at time zone 'UTC' as loaded_at,  -- UTC, as every timestamp the pipeline writes
    harmonize_admin1(p.country, p.admin1) as admin1_harmonized,
    vc.violence_class
from parts p
left join names n on p.perpetrator_system = n.perpetrator_system and p.perpetrator_raw = n.perpetrator_raw
left join staging.curated_violence_classes vc
    on split_part(p.source_file, '/', 1) = vc.incident_source and p.source_category = vc.source_category
