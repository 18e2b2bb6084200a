-- core.claims: every source's version of a disputed fact; one version per fact is preferred.
-- Curated claims, plus the event dates New America gives for curated leadership events it reports as
-- the same killing (linked by sql/core/leadership_events.sql) on another day: New America's date (not
-- preferred) and, when no curated claim covers that date yet, the curated event's own (preferred).
with differing as (
    select e.leadership_event_id, e.event_date, e.source, e.source_url, e.event_precision,
           i.event_date as strike_date, i.source_event_id
    from core.leadership_events e
    join core.incidents i on i.incident_id = e.incident_id and i.source = 'newamerica_drones'
    where e.source <> 'newamerica' and i.event_date is distinct from e.event_date
)
select claim_id, subject_table, subject_id, attribute, value, is_preferred, note, source, source_url
from staging.curated_claims
union all
select
    d.leadership_event_id || '__event_date__newamerica' as claim_id,
    'leadership_events' as subject_table, d.leadership_event_id as subject_id, 'event_date' as attribute,
    cast(d.strike_date as varchar) as value, false as is_preferred,
    'New America drone strike ' || d.source_event_id || ' names this leader among those killed' as note,
    'newamerica' as source,
    'https://www.newamerica.org/future-security/reports/americas-counterterrorism-wars/the-drone-war-in-pakistan/'
        as source_url
from differing d
union all
select
    d.leadership_event_id || '__event_date__curated',
    'leadership_events', d.leadership_event_id, 'event_date',
    cast(d.event_date as varchar), true,
    'the curated event (precision ' || d.event_precision || '); New America gives ' || d.strike_date,
    d.source, d.source_url
from differing d
where not exists (select 1 from staging.curated_claims c where c.subject_table = 'leadership_events'
                  and c.subject_id = d.leadership_event_id and c.attribute = 'event_date')
