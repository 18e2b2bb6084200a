-- core.leadership_events: leaders killed, captured, arrested, died or falsely reported dead.
-- incident_id is filled when the ingestion of incident sources links a strike to the event.
select
    leadership_event_id, leader_id, group_id, event_type,
    event_date, event_precision, announced_date, confirmed_by_group_date,
    method, perpetrator, country, admin1, location, successor_leader_id,
    cast(null as varchar) as incident_id,
    note, source, source_url
from staging.curated_leadership_events
