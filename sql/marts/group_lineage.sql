-- marts.group_lineage: every (ancestor, descendant) pair through split_from / faction_of relations, with the
-- number of steps, the path and the date from which the descendant belongs to the ancestor's family (the
-- latest start date along the path; NULL = no dated relation, i.e. always). Each group is its own ancestor at
-- depth 0. Pledges of allegiance, alliances and rivalries never make a lineage.
with recursive edges as (
    select from_group_id as child, to_group_id as parent, start_date
    from core.group_relations
    where relation_type in ('split_from', 'faction_of')
),
walk(ancestor, descendant, depth, path, since_date) as (
    select group_id, group_id, 0, [group_id], cast(null as date) from core.groups
    union all
    select e.parent, w.descendant, w.depth + 1, list_prepend(e.parent, w.path), greatest(w.since_date, e.start_date)
    from walk w
    join edges e on e.child = w.ancestor
    where not list_contains(w.path, e.parent) and w.depth < 20
)
-- a pair reached by several paths keeps the shortest, then the earliest
select
    ancestor                                              as ancestor_group_id,
    descendant                                            as descendant_group_id,
    min(depth)                                            as depth,
    arg_min(array_to_string(path, ' > '), [depth::varchar, coalesce(since_date::varchar, '')]) as path,
    arg_min(since_date, [depth::varchar, coalesce(since_date::varchar, '')]) as since_date
from walk
group by ancestor, descendant
order by ancestor, depth, descendant
