-- core.incident_perpetrators from staging.newamerica_drones: the United States (primary, resolves to no
-- group) and the organisation the strike targeted (role target, as published, 'Unclear' included),
-- resolved through the newamerica aliases.
select 'newamerica_drones:' || source_event_id as incident_id, perpetrator_raw, role, source_file
from (
    select source_event_id, 'United States' as perpetrator_raw, 'primary' as role, source_file
    from staging.newamerica_drones
    union all
    select source_event_id, target_organization_name, 'target', source_file from staging.newamerica_drones
)
where perpetrator_raw is not null
