-- core.incident_versions: every version of every event of the sources that publish revisions (ACLED, UCDP GED),
-- with when it was known; core.incidents holds the current ones. The rows of each such source are its part,
-- sql/core/incident_versions/<source>.sql, in the temp view incident_versions_parts
-- (pipelines/defs/incidents/conform.py), for the files the variable core_incident_versions_files lists (NULL:
-- every file; a source is always recomputed whole, its deletions files counting as its files). Names resolve,
-- and rows are classed and harmonized, as in core.incidents, so that core.incidents_as_of(d) and an as-of
-- build agree.
with parts as not materialized (
    select * from incident_versions_parts
    where
        getvariable('core_incident_versions_files') is null
        or list_contains(getvariable('core_incident_versions_files'), source_file)
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
    n.group_id,
    current_timestamp at time zone 'UTC' as loaded_at,  -- UTC, as every timestamp the pipeline writes
    harmonize_admin1(p.country, p.admin1) as admin1_harmonized,
    vc.violence_class
from parts p
left join names n on p.perpetrator_system = n.perpetrator_system and p.perpetrator_raw = n.perpetrator_raw
left join staging.curated_violence_classes vc
    on split_part(p.source_file, '/', 1) = vc.incident_source and p.source_category = vc.source_category
