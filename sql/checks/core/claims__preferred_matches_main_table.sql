-- severity: ERROR
-- description: a claim's subject exists and the preferred claim's value is the value in the main table
with main_values as (
    unpivot (select 'groups' as subject_table, group_id as subject_id,
                    columns(*)::varchar from core.groups)
    on columns(* exclude (subject_table, subject_id)) into name attribute value value
    union all by name
    unpivot (select 'group_relations' as subject_table, relation_id as subject_id,
                    columns(*)::varchar from core.group_relations)
    on columns(* exclude (subject_table, subject_id)) into name attribute value value
    union all by name
    unpivot (select 'leaders' as subject_table, leader_id as subject_id,
                    columns(*)::varchar from core.leaders)
    on columns(* exclude (subject_table, subject_id)) into name attribute value value
    union all by name
    unpivot (select 'leadership_events' as subject_table, leadership_event_id as subject_id,
                    columns(*)::varchar from core.leadership_events)
    on columns(* exclude (subject_table, subject_id)) into name attribute value value
    union all by name
    unpivot (select 'policy_events' as subject_table, policy_event_id as subject_id,
                    columns(*)::varchar from core.policy_events)
    on columns(* exclude (subject_table, subject_id)) into name attribute value value
    union all by name
    unpivot (select 'incidents' as subject_table, source_event_id as subject_id,
                    columns(*)::varchar from staging.curated_incidents)
    on columns(* exclude (subject_table, subject_id)) into name attribute value value
    union all by name
    unpivot (select 'published_aggregates' as subject_table,
                    publisher || ':' || country || ':' || period_start || ':' || measure as subject_id,
                    columns(*)::varchar
             from core.published_aggregates where is_preferred and source_file is null)
    on columns(* exclude (subject_table, subject_id)) into name attribute value value
),
subjects as (select distinct subject_table, subject_id from main_values)
select c.claim_id || case when s.subject_id is null then ' (no such subject)'
                          else ' (main table has ' || coalesce(m.value, 'null') || ')' end as id
from core.claims c
left join subjects s using (subject_table, subject_id)
left join main_values m using (subject_table, subject_id, attribute)
where s.subject_id is null
   or (c.is_preferred and m.value is distinct from c.value)
