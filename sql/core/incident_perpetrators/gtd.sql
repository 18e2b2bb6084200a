-- core.incident_perpetrators from staging.gtd: up to three groups per attack (gname, gname2, gname3).
select 'gtd:' || eventid as incident_id, perpetrator_raw, role, source_file
from (
    select eventid, gname as perpetrator_raw, 'primary' as role, source_file from staging.gtd
    union all
    select eventid, gname2, 'secondary', source_file from staging.gtd
    union all
    select eventid, gname3, 'tertiary', source_file from staging.gtd
)
where perpetrator_raw is not null
