-- severity: WARN
-- description: no single event has more than 5,000 deaths (the deadliest event in any shared source has
-- about 1,400): a larger figure is a typo, a total pasted into an event row or a unit error
select incident_id || ' (' || coalesce(fatalities_high, fatalities_best) || ')' as id
from core.incidents
where greatest(fatalities_low, fatalities_best, fatalities_high) > 5000
