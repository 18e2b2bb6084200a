-- severity: ERROR
-- description: incident_id is unique and not null (a duplicated source id would count an event twice)
select coalesce(incident_id, '<null>') || ' x' || count(*) as id
from core.incidents
group by incident_id
having count(*) > 1 or incident_id is null
