-- marts.incident_facts: core.incidents with what every mart needs: the group family as of the event date and
-- the period the event counts in. A group's family is its furthest ancestor in marts.group_lineage whose link
-- was already in force on the event date (a Jamaat-ul-Ahrar attack in 2016 is in the TTP family). Month
-- fields are NULL when only the year is known; a range counts in the month it starts.
-- Every incident, or, when the variable incident_facts_files lists source files, only theirs: a refresh
-- replaces the rows of the files whose incidents changed with this same model (pipelines/incident_facts.py).
-- An exact copy of an earlier row of the same file (core.incidents.duplicate_of, a mapped file without ids) is
-- one incident: it is left out here, so every mart counts it once.
with incidents as not materialized (
    select * from core.incidents
    where duplicate_of is null
      and (getvariable('incident_facts_files') is null
           or list_contains(getvariable('incident_facts_files'), source_file))
),
families as (
    select i.incident_id,
           arg_max(l.ancestor_group_id, [lpad(l.depth::varchar, 3, '0'), l.ancestor_group_id]) as group_family_id
    from incidents i
    join marts.group_lineage l
      on l.descendant_group_id = i.group_id
     and (l.since_date is null or l.since_date <= i.event_date)
    where i.group_id is not null
    group by i.incident_id
)
select
    i.*,
    f.group_family_id,
    date_trunc('year', i.event_date)::date                                 as year_start,
    case when i.date_precision in ('day', 'month', 'range')
         then date_trunc('month', i.event_date)::date end                  as month_start
from incidents i
left join families f using (incident_id)
