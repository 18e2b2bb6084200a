-- severity: ERROR
-- description: every alias points at a group in core.groups
select a.alias || ' -> ' || a.group_id as id from core.group_aliases a
anti join core.groups using (group_id)
