-- severity: ERROR
-- description: policy events have a start date and do not end before they start
select policy_event_id as id from core.policy_events
where start_date is null or end_date < start_date
