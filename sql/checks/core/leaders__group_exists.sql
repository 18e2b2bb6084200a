-- severity: ERROR
-- description: every leader's group exists in core.groups
select leader_id as id from core.leaders
where group_id is not null and group_id not in (select group_id from core.groups)
