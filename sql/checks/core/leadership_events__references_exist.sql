-- severity: ERROR
-- description: the leader, the group and the successor of every leadership event exist
select leadership_event_id as id from core.leadership_events
where leader_id not in (select leader_id from core.leaders)
   or (group_id is not null and group_id not in (select group_id from core.groups))
   or (successor_leader_id is not null and successor_leader_id not in (select leader_id from core.leaders))
