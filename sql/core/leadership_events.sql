-- core.leadership_events: leaders killed, captured, arrested, died or falsely reported dead.
-- Curated events, reconciled with the leaders New America names as killed in drone strikes
-- (staging.newamerica_drones.leaders_named). A New America person is the curated leader whose spelling it
-- matches (the exact rules of sql/core/leaders.sql: the table macro newamerica_leader_persons() of sql/macros/),
-- else the leader created from it (slug of the name).
-- Same leader and a strike date within 3 days of the curated event's period (event_date to the end of
-- its month or year for month / year precision) = one event: the curated row is kept, with incident_id
-- the nearest such strike; a differing date goes to core.claims. Every other New America person becomes
-- a 'killed' event of its own, source newamerica, linked to its strike's incident.
with persons as (
    select * from newamerica_leader_persons()
),
curated as (
    select e.*,
           case e.event_precision when 'month' then last_day(e.event_date)
                                  when 'year' then make_date(year(e.event_date), 12, 31)
                                  else e.event_date end as period_end
    from staging.curated_leadership_events e
),
same_event as (
    -- every (curated event, New America person) pair that is one event
    select c.leadership_event_id, p.incident_id, p.source_event_id, p.person_ordinal,
           least(abs(datediff('day', c.event_date, p.strike_date)),
                 abs(datediff('day', c.period_end, p.strike_date))) as days_apart
    from curated c
    join persons p on p.leader_id = c.leader_id
     and p.strike_date between c.event_date - interval 3 day and c.period_end + interval 3 day
),
linked as (
    select leadership_event_id, arg_min(incident_id, (days_apart, source_event_id)) as incident_id
    from same_event group by leadership_event_id
),
new_events as (
    select p.*
    from persons p
    where not exists (select 1 from same_event s
                      where s.source_event_id = p.source_event_id and s.person_ordinal = p.person_ordinal)
    qualify row_number() over (partition by p.leader_id, p.strike_date order by p.source_event_id, p.person_ordinal) = 1
)
select
    c.leadership_event_id, c.leader_id, c.group_id, c.event_type,
    c.event_date, c.event_precision, c.announced_date, c.confirmed_by_group_date,
    c.method, c.perpetrator, c.country, c.admin1, c.location, c.successor_leader_id,
    l.incident_id,
    c.note, c.source, c.source_url
from curated c
left join linked l using (leadership_event_id)
union all
select
    n.leader_id || '_killed_' || strftime(n.strike_date, '%Y%m%d') as leadership_event_id,
    n.leader_id, ld.group_id, 'killed' as event_type,
    n.strike_date as event_date, 'day' as event_precision,
    cast(null as date) as announced_date, cast(null as date) as confirmed_by_group_date,
    'drone_strike' as method, 'United States' as perpetrator,
    coalesce(i.country, 'Pakistan') as country, i.admin1,
    concat_ws(', ', i.location, i.admin2) as location,
    cast(null as varchar) as successor_leader_id,
    n.incident_id,
    'New America names ' || n.leader_names || coalesce('; ' || n.leader_description, '') as note,
    'newamerica' as source,
    'https://www.newamerica.org/future-security/reports/americas-counterterrorism-wars/the-drone-war-in-pakistan/'
        as source_url
from new_events n
left join core.leaders ld using (leader_id)
left join core.incidents i on i.incident_id = n.incident_id
