-- severity: ERROR
-- description: event_date is not in the future and not before the source's coverage starts
-- Coverage starts: GTD 1970, UCDP GED 1989, ACLED 1997 (Pakistan from 2010), New America 2004 (the first US
-- strike in Pakistan); curated and mapped datasets are only held to "not in the future".
with coverage(source, starts_on) as (values
    ('gtd', DATE '1970-01-01'), ('ucdp_ged', DATE '1989-01-01'), ('acled', DATE '1997-01-01'),
    ('newamerica_drones', DATE '2004-01-01')
)
select i.incident_id || ' (' || i.event_date || ')' as id
from core.incidents i
left join coverage c using (source)
where i.event_date is null
   or i.event_date > current_date
   or i.event_date < c.starts_on
