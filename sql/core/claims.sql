-- core.claims: every source's version of a disputed fact; one version per fact is preferred.
-- Curated claims, plus the event dates New America gives for curated leadership events it reports as
-- the same killing (linked by sql/core/leadership_events.sql) on another day: New America's date (not
-- preferred) and, when no curated claim covers that date yet, the curated event's own (preferred).
-- Likewise the start dates UCDP or MMP give a reconciled relation (core.group_relation_sources) when they
-- differ from the relation's own: that source's date (not preferred), and the relation's date (preferred)
-- when no curated claim covers it.
with relation_dates as (
    select s.relation_id, s.source_record, s.source_system, s.start_date, s.start_precision, s.source, s.source_url,
           r.start_date as relation_start, r.start_precision as relation_precision, r.source as relation_source,
           r.source_url as relation_source_url
    from core.group_relation_sources s
    join core.group_relations r using (relation_id)
    where s.source_system <> 'curated' and s.start_date is not null and s.start_date is distinct from r.start_date
      -- an alliance or rivalry link dates evidence of a state, not the start of it
      and r.relation_type not in ('allied_with', 'rival_of')
),
differing as (
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
union all
select
    d.relation_id || '__start_date__' || regexp_replace(d.source_record, '[^a-z0-9]+', '_', 'g'),
    'group_relations', d.relation_id, 'start_date', cast(d.start_date as varchar), false,
    'precision ' || d.start_precision || '; ' || d.source_record, d.source, d.source_url
from relation_dates d
union all
select distinct on (d.relation_id)
    d.relation_id || '__start_date__relation', 'group_relations', d.relation_id, 'start_date',
    cast(d.relation_start as varchar), true,
    'precision ' || coalesce(d.relation_precision, '-')
    || '; the reconciled relation''s date (curated first, then UCDP, then MMP)',
    d.relation_source, d.relation_source_url
from relation_dates d
where d.relation_start is not null
  and not exists (select 1 from staging.curated_claims c where c.subject_table = 'group_relations'
                  and c.subject_id = d.relation_id and c.attribute = 'start_date')
