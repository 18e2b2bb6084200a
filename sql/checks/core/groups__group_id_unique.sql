-- severity: ERROR
-- description: group_id is unique and not null
select coalesce(group_id, '<null>') as id from core.groups
group by group_id having count(*) > 1 or group_id is null
