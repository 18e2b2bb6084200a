-- core.incident_perpetrators from staging.acled, for the version of each event that core.incidents keeps
-- (greatest timestamp, ties: the later file name): actor1 as 'primary', each actor of assoc_actor_1
-- (ACLED separates them with ';') as 'associated'.
with latest as (
    select *
    from staging.acled
    qualify row_number() over (partition by event_id_cnty
                               order by "timestamp" desc nulls last, source_file desc) = 1
)
select distinct 'acled:' || event_id_cnty as incident_id, perpetrator_raw, role, source_file
from (
    select event_id_cnty, actor1 as perpetrator_raw, 'primary' as role, source_file from latest
    union all
    select event_id_cnty, nullif(trim(unnest(string_split(assoc_actor_1, ';'))), ''), 'associated', source_file
    from latest
)
where perpetrator_raw is not null
