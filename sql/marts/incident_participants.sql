-- marts.incident_participants: every group that took part in an incident, one row per (incident, group), with
-- the group's family as of the incident's date (the rule of marts.incident_facts: the furthest ancestor in
-- marts.group_lineage whose link was in force). Participants are the incident's perpetrator
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
    select p.incident_id, p.group_id, list(distinct p.role order by p.role) as roles, any_value(i.event_date) as event_date
    from parts p
    join core.incidents i using (incident_id)
    group by p.incident_id, p.group_id
)
select d.incident_id, d.group_id, d.roles,
       arg_max(l.ancestor_group_id, [lpad(l.depth::varchar, 3, '0'), l.ancestor_group_id]) as group_family_id
from dated d
join marts.group_lineage l
  on l.descendant_group_id = d.group_id and (l.since_date is null or l.since_date <= d.event_date)
group by d.incident_id, d.group_id, d.roles
order by d.incident_id, d.group_id
