-- marts.incident_participants: every group that took part in an incident, one row per (incident, group), with
-- the group's family as of the incident's date (the rule of marts.incident_facts: the family
-- marts.group_family_membership gives the group on that date, else the group itself). Participants are the incident's perpetrator
-- (core.incidents.group_id) and every perpetrator of core.incident_perpetrators except a strike's target: both
-- sides of a UCDP non-state clash (UCDP's side order says nothing about who attacked, so TTP as side_b took
-- part as much as TTP as side_a), GTD's gname2/gname3, ACLED's associated actors. Group-family counts of the
-- event studies count the incidents a family took part in; attack_trends keeps one family per incident (its
-- perpetrator), so that its rows add up to incidents.
with parts as (
    select incident_id, group_id, role from core.incident_perpetrators where group_id is not null and role <> 'target'
    union
    select incident_id, group_id, 'perpetrator' from core.incidents where group_id is not null
),
dated as (
    select p.incident_id, p.group_id, list(distinct p.role order by p.role) as roles,
           any_value(i.event_date) as event_date
    from parts p
    join core.incidents i using (incident_id)
    group by p.incident_id, p.group_id
)
select d.incident_id, d.group_id, d.roles, coalesce(m.family_id, d.group_id) as group_family_id
from dated d
left join marts.group_family_membership m
  on m.group_id = d.group_id
 and d.event_date >= coalesce(m.valid_from, '-infinity'::date)
 and d.event_date < coalesce(m.valid_to, 'infinity'::date)
order by d.incident_id, d.group_id
