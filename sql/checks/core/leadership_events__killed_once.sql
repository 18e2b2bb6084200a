-- severity: ERROR
-- description: a killed leader has no later killed event (a later report must be a false_report or a claim)
select b.leadership_event_id as id
from core.leadership_events a
join core.leadership_events b
  on a.leader_id = b.leader_id and a.event_type in ('killed', 'died') and b.event_type in ('killed', 'died')
 and b.event_date > a.event_date
