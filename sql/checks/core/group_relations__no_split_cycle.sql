-- severity: ERROR
-- description: no cycle in split_from / faction_of (a group cannot descend from itself)
with recursive walk(start_group, group_id, depth) as (
    select from_group_id, to_group_id, 1 from core.group_relations
    where relation_type in ('split_from', 'faction_of')
    union all
    select w.start_group, r.to_group_id, w.depth + 1
    from walk w join core.group_relations r
      on r.from_group_id = w.group_id and r.relation_type in ('split_from', 'faction_of')
    where w.depth < 50
)
select distinct start_group as id from walk where group_id = start_group
