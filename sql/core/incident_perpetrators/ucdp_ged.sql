-- core.incident_perpetrators from staging.ucdp_ged, for the release of each event that core.incidents
-- keeps (the file reaching the latest date_end; ties: the later file name); role = the side UCDP puts the
-- actor on. State-based (1): the non-state side(s), never a government; non-state (2): both sides;
-- one-sided (3): side_a. Placeholders ('XXX770') are kept as published and resolve to no group.
with release_order as (
    select source_file, max(date_end) as covered_to from staging.ucdp_ged group by source_file
),
latest as (
    select g.*
    from staging.ucdp_ged g
    join release_order r using (source_file)
    qualify row_number() over (partition by g.id order by r.covered_to desc, g.source_file desc) = 1
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
