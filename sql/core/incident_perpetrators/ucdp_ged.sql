-- core.incident_perpetrators from staging.ucdp_ged, for the release of each event that core.incidents
-- keeps (its current version in core.incident_versions; none for an event a yearly release dropped); role = the side UCDP puts the
-- actor on. State-based (1): the non-state side(s), never a government; non-state (2): both sides;
-- one-sided (3): side_a. Placeholders ('XXX770') are kept as published and resolve to no group.
with latest as (
    select g.*
    from staging.ucdp_ged g
    semi join core.incident_versions v
        on v.source = 'ucdp_ged' and v.is_current and v.source_event_id = g.id::varchar
       and v.source_file = g.source_file
)
select 'ucdp_ged:' || id as incident_id, perpetrator_raw, role, source_file
from (
    select id, side_a as perpetrator_raw, 'side_a' as role, source_file
    from latest
    where type_of_violence in (2, 3) or (type_of_violence = 1 and side_a not like 'Government of %')
    union all
    select id, side_b, 'side_b', source_file
    from latest
    where type_of_violence = 2 or (type_of_violence = 1 and side_b not like 'Government of %')
)
where perpetrator_raw is not null
