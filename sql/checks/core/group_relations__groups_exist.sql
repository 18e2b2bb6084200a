-- severity: ERROR
-- description: both groups of every relation exist in core.groups
select relation_id as id from core.group_relations
where from_group_id not in (select group_id from core.groups)
   or to_group_id not in (select group_id from core.groups)
