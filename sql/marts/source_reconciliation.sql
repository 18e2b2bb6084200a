-- marts.source_reconciliation: each source's yearly incidents and deaths per country side by side with the
-- totals published by PIPS and others (core.published_aggregates). What each counts differs: GTD counts
-- terrorist attacks, UCDP GED lethal events of organised violence (battles included), New America drone
-- strikes, PIPS terrorist attacks only (no military operations); `counts` says which.
with event_data as (
    select year(year_start) as year, country, source,
           'event data: ' || string_agg(distinct event_type, ', ' order by event_type) as counts,
           count(*) as incidents, sum(fatalities_best) as fatalities_best,
           count(*) filter (where fatalities_best is null) as incidents_unknown_fatalities
    from marts.incident_facts
    group by all
),
published as (
    select year(period_start) as year, country, publisher as source,
           'published: ' || any_value(definition) as counts,
           max(value) filter (where measure = 'attacks') as incidents,
           max(value) filter (where measure = 'killed')::double as fatalities_best,
           cast(null as bigint) as incidents_unknown_fatalities
    from core.published_aggregates
    where period_grain = 'year'
    group by all
)
select year, country, source, 'event_data' as kind, counts, incidents, fatalities_best, incidents_unknown_fatalities
from event_data
union all
select year, country, source, 'published', counts, incidents, fatalities_best, incidents_unknown_fatalities
from published
order by country, year, kind, source
