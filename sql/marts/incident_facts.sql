-- marts.incident_facts: core.incidents with what every mart needs: the group family as of the event date and
-- the period the event counts in. A group's family is the one marts.group_family_membership gives it on the
-- event date (a Jamaat-ul-Ahrar attack in 2016 is in the TTP family; LeJ's are LeJ's own). Month
-- fields are NULL when only the year is known; a range counts in the month it starts.
-- Every incident, or, when the variable incident_facts_files lists source files, only theirs: a refresh
-- replaces the rows of the files whose incidents changed with this same model (pipelines/defs/incidents/incident_facts.py).
-- An exact copy of an earlier row of the same file (core.incidents.duplicate_of, a mapped file without ids) is
-- one incident: it is left out here, so every mart counts it once.
with incidents as not materialized (
    select * from core.incidents
    where duplicate_of is null
      and (getvariable('incident_facts_files') is null
           or list_contains(getvariable('incident_facts_files'), source_file))
),
families as (
    -- the family of the incident's group on the event date (a group is its own family when no row covers it)
    select i.incident_id, m.family_id as group_family_id
    from incidents i
    join marts.group_family_membership m
      on m.group_id = i.group_id
     and i.event_date >= coalesce(m.valid_from, '-infinity'::date)
     and i.event_date < coalesce(m.valid_to, 'infinity'::date)
    where i.group_id is not null
)
select
    i.*,
    coalesce(f.group_family_id, i.group_id)                                as group_family_id,
    date_trunc('year', i.event_date)::date                                 as year_start,
    case when i.date_precision in ('day', 'month', 'range')
         then date_trunc('month', i.event_date)::date end                  as month_start
from incidents i
left join families f using (incident_id)
