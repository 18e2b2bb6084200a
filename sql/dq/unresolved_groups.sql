-- dq.unresolved_groups: every perpetrator name that did not resolve to a group, per source, with how
-- many incidents name it; names we class as "not a group" (Unknown, Gunmen, ...) say so and why.
-- Each (incident, name) is taken once before counting (a name in two roles of one incident counts once), so
-- rows are counted, not distinct incidents per name (half the time at a million incidents). incident_id is
-- unique in core.incidents: its blocking check incident_id_unique runs before this model is built.
with unresolved as (
    select distinct incident_id, perpetrator_raw from core.incident_perpetrators where group_id is null
),
incident_places as (
    select incident_id, country in ('Pakistan', 'Afghanistan') as in_pak_afg from core.incidents
),
names as (
    select split_part(u.incident_id, ':', 1) as source, u.perpetrator_raw, count(*) as incidents,
           count(*) filter (where p.in_pak_afg) as incidents_pak_afg
    from unresolved u
    join incident_places p using (incident_id)
    group by all
    union all
    -- sources without a perpetrators model (curated) count their single perpetrator
    select i.source, i.perpetrator_raw, count(*), count(*) filter (where i.country in ('Pakistan', 'Afghanistan'))
    from core.incidents i
    where i.group_id is null and i.perpetrator_raw is not null
      and i.incident_id not in (select incident_id from core.incident_perpetrators)
    group by all
),
-- A name classed "not a group" for one source system is not a group in any ("Unknown" is unknown anywhere).
not_groups as (
    select normalize_group_name(perpetrator_raw) as name, string_agg(distinct reason, ', ') as reason
    from staging.curated_non_group_perpetrators
    group by normalize_group_name(perpetrator_raw)
)
select
    n.source, n.perpetrator_raw, n.incidents, n.incidents_pak_afg,
    ng.reason is not null as is_not_a_group,
    ng.reason             as not_a_group_reason
from names n
left join not_groups ng on ng.name = normalize_group_name(n.perpetrator_raw)
order by n.incidents desc, n.source asc, n.perpetrator_raw asc
