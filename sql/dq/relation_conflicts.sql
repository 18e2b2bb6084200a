-- dq.relation_conflicts: where relation sources contradict each other or the groups' own dates.
--   split_vs_merger   one source calls a link between two groups a split, another a merger (rejoin, rename),
--                     for overlapping dates
--   dates_apart       two sources date the same one-time event between two groups (a split, merger, rename,
--                     faction or pledge) more than a year apart (each read at its precision), so that it
--                     became two relations
--   type_disagreement a UCDP or MMP relation between two groups that our curated relations type differently
--   impossible_dates  a source dates a relation before a group was founded or after it was dissolved
with s as (
    select *, period_end(start_date, start_precision) as start_end
    from core.group_relation_sources where relation_id is not null
),
split_merger as (
    select 'split_vs_merger' as conflict_kind, a.relation_id, b.relation_id as other_relation_id,
           a.from_group_id, a.to_group_id, [a.source_system, b.source_system] as source_systems,
           a.source_record || ' (' || a.relation_type || ', ' || a.start_date || ') vs ' || b.source_record || ' ('
               || b.relation_type || ', ' || b.start_date || ')' as detail
    from s a join s b
      on least(a.from_group_id, a.to_group_id) = least(b.from_group_id, b.to_group_id)
     and greatest(a.from_group_id, a.to_group_id) = greatest(b.from_group_id, b.to_group_id)
     and a.source_system <> b.source_system
     and a.start_date <= b.start_end and b.start_date <= a.start_end
    where a.relation_type in ('split_from', 'faction_of')
      and b.relation_type in ('merged_into', 'rejoined', 'renamed_to')
),
apart as (
    select 'dates_apart', a.relation_id, b.relation_id, a.from_group_id, a.to_group_id,
           [a.source_system, b.source_system],
           a.source_record || ' dates it ' || a.start_date || ' (' || a.start_precision || '), ' || b.source_record
               || ' ' || b.start_date || ' (' || b.start_precision || ')'
    from s a join s b
      on least(a.from_group_id, a.to_group_id) = least(b.from_group_id, b.to_group_id)
     and greatest(a.from_group_id, a.to_group_id) = greatest(b.from_group_id, b.to_group_id)
     and a.relation_id <> b.relation_id and a.source_system < b.source_system
     and replace(a.relation_type, 'rejoined', 'merged_into') = replace(b.relation_type, 'rejoined', 'merged_into')
    where a.relation_type not in ('allied_with', 'rival_of')
      and greatest(datediff('day', a.start_end, b.start_date), datediff('day', b.start_end, a.start_date)) > 365
      and b.relation_id not in (select relation_id from s where source_system = a.source_system)
),
disagree as (
    select distinct on (n.relation_id, c.relation_id)
           'type_disagreement', n.relation_id, c.relation_id, n.from_group_id, n.to_group_id,
           [n.source_system, 'curated'],
           n.source_record || ' says ' || n.relation_type || '; curated ' || c.relation_id
           || ' says ' || c.relation_type
    from s n join s c
      on least(n.from_group_id, n.to_group_id) = least(c.from_group_id, c.to_group_id)
     and greatest(n.from_group_id, n.to_group_id) = greatest(c.from_group_id, c.to_group_id)
    where n.source_system <> 'curated' and c.source_system = 'curated'
      and n.relation_id not in (select relation_id from s where source_system = 'curated')
      and replace(c.relation_type, 'rejoined', 'merged_into') <> n.relation_type
),
impossible as (
    select 'impossible_dates', s.relation_id, null, s.from_group_id, s.to_group_id, [s.source_system],
           s.source_record || ' dates it ' || s.start_date || ' (' || s.start_precision || ') but ' || g.group_id
               || case when s.start_end < g.founded_on then ' was founded ' || g.founded_on
                       else ' was dissolved ' || g.dissolved_on end
    from s join core.groups g on g.group_id in (s.from_group_id, s.to_group_id)
    where s.start_date is not null
      and ((g.founded_on is not null and s.start_end < g.founded_on and s.relation_type <> 'renamed_to')
           or (g.dissolved_on is not null and s.start_date > period_end(g.dissolved_on, g.dissolved_precision)))
)
select * from split_merger
union all
select * from apart
union all
select * from disagree
union all
select * from impossible
order by 1, 2
