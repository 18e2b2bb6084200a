-- severity: ERROR
-- description: announced_date and confirmed_by_group_date are not before event_date
select leadership_event_id as id from core.leadership_events
where announced_date < event_date or confirmed_by_group_date < event_date
