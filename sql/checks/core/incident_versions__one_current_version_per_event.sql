-- severity: ERROR
-- description: at most one current version per event, and core.incidents holds exactly the current versions
-- of the versioned sources (ACLED, UCDP GED)
select incident_id || ' (' || n || ' current versions)' as id
from (select incident_id, count(*) as n from core.incident_versions where is_current group by all)
where n > 1
union all
select coalesce(v.incident_id, i.incident_id) || ' (' || case when v.incident_id is null then 'in core.incidents only'
       else 'current version missing from core.incidents' end || ')'
from (select incident_id from core.incident_versions where is_current) v
full join (select incident_id from core.incidents
           where source in (select distinct source from core.incident_versions)) i using (incident_id)
where v.incident_id is null or i.incident_id is null
