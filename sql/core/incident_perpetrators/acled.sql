-- core.incident_perpetrators from staging.acled, for the version of each event that core.incidents keeps
-- (the current one of core.incident_versions: greatest timestamp, ties: the later file name; none for a
-- deleted event): actor1 as 'primary', each actor of assoc_actor_1
-- (ACLED separates them with ';') as 'associated'.
with latest as (
    select a.*
    from staging.acled a
    semi join core.incident_versions v
        on v.source = 'acled' and v.is_current and v.source_event_id = a.event_id_cnty and v.source_file = a.source_file
)
select distinct 'acled:' || event_id_cnty as incident_id, perpetrator_raw, role, source_file
from (
    select event_id_cnty, actor1 as perpetrator_raw, 'primary' as role, source_file from latest
    union all
    select event_id_cnty, nullif(trim(unnest(string_split(assoc_actor_1, ';'))), ''), 'associated', source_file
    from latest
)
where perpetrator_raw is not null
