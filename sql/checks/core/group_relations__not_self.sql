-- severity: ERROR
-- description: no group splits from, merges into or relates to itself
select relation_id as id from core.group_relations where from_group_id = to_group_id
