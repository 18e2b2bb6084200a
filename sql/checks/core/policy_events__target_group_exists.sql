-- severity: ERROR
-- description: a policy's target group exists in core.groups
select policy_event_id as id from core.policy_events
where target_group_id is not null and target_group_id not in (select group_id from core.groups)
