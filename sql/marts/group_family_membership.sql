-- marts.group_family_membership: the family each group belongs to over time, one row per (group, period):
-- valid_from inclusive, valid_to exclusive (NULL = open), `basis` says why. A group is its own family unless a
-- dated relation attaches it to a parent: a split or faction ruled stays_in_movement (core.group_family_rulings;
-- unruled ones count as staying, basis unruled_split) is in the parent's family from the relation's date, and
-- before a split the child was part of its parent (from the parent's founding; not for an own_organisation);
-- a rejoining or merger attaches it to the group it rejoined or merged into; a ruling own_organisation keeps
-- it its own family; a ruling left_movement, a pledge of
-- allegiance to another organisation or a rivalry with its parent detaches it from that date. The family is
-- then the group at the end of the chain of attachments in force on the date (hua > jua > ttp).
with recursive rel as (
    select r.*, f.ruling
    from core.group_relations r
    left join core.group_family_rulings f using (relation_id)
),
changes as (
    -- (group, date, attach to, basis, relation, kind, order within a day); kind 'set' always applies, 'leave'
    -- only when attached to another group than `target`, 'leave_parent' only when attached to `target`,
    -- 'attach' only when attached elsewhere (rejoining the group one is in keeps it)
    -- before the split the splinter's people were the parent's (from the parent's founding): an attack a source
    -- attributes to the splinter before its founding date (UCDP names JuA from March 2014) is the parent's
    select r.from_group_id as group_id, coalesce(p.founded_on, '-infinity'::date) as change_date,
           r.to_group_id as attached_to, 'before_split' as basis, r.relation_id, 'set' as kind, null as target,
           0 as day_order
    from rel r
    left join core.groups p on p.group_id = r.to_group_id
    where r.relation_type = 'split_from' and r.start_date is not null and r.ruling is distinct from 'own_organisation'
      and coalesce(p.founded_on, '-infinity'::date) < r.start_date
    union all
    select from_group_id, coalesce(start_date, '-infinity'::date),
           case when coalesce(ruling, 'stays_in_movement') = 'stays_in_movement' then to_group_id end,
           coalesce(ruling, 'unruled_split'), relation_id, 'set', null, 1
    from rel where relation_type in ('split_from', 'faction_of')
    union all
    select from_group_id, end_date, null, 'faction_ended', relation_id, 'leave_parent', to_group_id, 3
    from rel where relation_type = 'faction_of' and coalesce(ruling, 'stays_in_movement') = 'stays_in_movement'
      and end_date is not null
    union all
    select from_group_id, start_date, to_group_id, case relation_type when 'rejoined' then 'rejoined' else 'merged' end,
           relation_id, 'attach', null, 2
    from rel where relation_type in ('rejoined', 'merged_into') and start_date is not null
    union all
    select from_group_id, start_date, null, 'pledged_to_other', relation_id, 'leave', to_group_id, 3
    from rel where relation_type = 'pledged_allegiance_to' and start_date is not null
    union all
    select from_group_id, start_date, null, 'rival_of_parent', relation_id, 'leave_parent', to_group_id, 3
    from rel where relation_type = 'rival_of' and start_date is not null
    union all
    -- the other side of a rivalry leaves too when it is the attached one
    select to_group_id, start_date, null, 'rival_of_parent', relation_id, 'leave_parent', from_group_id, 3
    from rel where relation_type = 'rival_of' and start_date is not null
),
ordered as (
    select *, row_number() over (partition by group_id order by change_date, day_order, relation_id) as step
    from changes
),
-- the state after each change: (attached_to, basis, relation_id), starting as its own family
states(group_id, step, change_date, attached_to, basis, relation_id) as (
    select group_id, 0, '-infinity'::date, cast(null as varchar), 'own', cast(null as varchar)
    from core.groups
    union all
    select group_id, step, change_date,
           case when applies then new_attached_to else attached_to end,
           case when applies then new_basis else basis end,
           case when applies then new_relation_id else relation_id end
    from (
        select s.group_id, o.step, o.change_date, s.attached_to, s.basis, s.relation_id,
               o.attached_to as new_attached_to, o.basis as new_basis, o.relation_id as new_relation_id,
               case o.kind
                   when 'set' then true
                   when 'attach' then (s.attached_to is distinct from o.attached_to)
                   when 'leave' then (s.attached_to is not null and s.attached_to <> o.target)
                   else coalesce(s.attached_to = o.target, false) end as applies
        from states s
        join ordered o on o.group_id = s.group_id and o.step = s.step + 1
    )
),
-- one state per group and day (the last change of the day), kept only where it changes
daily as (
    select group_id, change_date, attached_to, basis, relation_id
    from states
    qualify row_number() over (partition by group_id, change_date order by step desc) = 1
),
attachments as (
    select group_id, change_date as valid_from,
           coalesce(lead(change_date) over (partition by group_id order by change_date), 'infinity'::date) as valid_to,
           attached_to, basis, relation_id
    from daily
),
-- follow each attachment up the chain, intersecting the periods
walk(group_id, node, valid_from, valid_to, next_group, basis, relation_id, path, depth) as (
    select group_id, group_id, valid_from, valid_to, attached_to, basis, relation_id, [group_id], 0
    from attachments where valid_from < valid_to
    union all
    select w.group_id, a.group_id, greatest(w.valid_from, a.valid_from), least(w.valid_to, a.valid_to),
           a.attached_to, w.basis, w.relation_id, list_append(w.path, a.group_id), w.depth + 1
    from walk w
    join attachments a on a.group_id = w.next_group and a.valid_from < w.valid_to and a.valid_to > w.valid_from
    where w.next_group is not null and not list_contains(w.path, a.group_id) and w.depth < 20
),
resolved as (
    select group_id, node as family_id, valid_from, valid_to, basis, relation_id, array_to_string(path, ' > ') as path
    from walk where next_group is null
),
-- merge periods that differ only by a break further up the chain
islands as (
    select *, sum(starts) over (partition by group_id order by valid_from) as island
    from (select *, case when lag(valid_to) over w = valid_from and lag(family_id) over w = family_id
                          and lag(basis) over w = basis and (lag(relation_id) over w is not distinct from relation_id)
                          and lag(path) over w = path then 0 else 1 end as starts
          from resolved window w as (partition by group_id order by valid_from))
)
select
    group_id,
    family_id,
    nullif(min(valid_from), '-infinity'::date) as valid_from,
    nullif(max(valid_to), 'infinity'::date)    as valid_to,
    basis,
    relation_id,
    path
from islands
group by group_id, island, family_id, basis, relation_id, path
order by group_id, valid_from nulls first
