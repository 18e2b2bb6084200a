-- marts.source_reconciliation: each source's yearly incidents and deaths per country side by side with the
-- totals published by PIPS and others (core.published_aggregates). What each counts differs: GTD counts
-- terrorist attacks, UCDP GED lethal events of organised violence (battles included), New America drone
-- strikes, PIPS terrorist attacks only (no military operations); `counts` says which. A published row is one
-- edition and one definition of a publisher's figures (`edition`, `definition`, `is_preferred`), with its
-- suicide attacks where the publisher gives them; ACLED's monthly aggregates by event type are summed to years
-- (`published_months` < 12 for a part year).
with event_data as (
    select year(year_start) as year, country, source,
           'event data: ' || string_agg(distinct event_type, ', ' order by event_type) as counts,
           count(*) as incidents, sum(fatalities_best) as fatalities_best,
           count(*) filter (where fatalities_best is null) as incidents_unknown_fatalities
    from marts.incident_facts
    group by all
),
published_rows as (
    -- a suicide-attack count is a subset of the same edition's attacks: it sits on their row, under their definition
    select *, case when measure = 'suicide_attacks'
                   then coalesce(max(definition) filter (where measure = 'attacks' and is_preferred)
                                     over (partition by publisher, country, period_start, report), definition)
                   else definition end as row_definition
    from core.published_aggregates
),
published as (
    -- one row per edition (report) and definition: attacks, deaths and suicide attacks of one definition and
    -- edition only, never joined across editions; monthly figures (ACLED) summed to the year
    select year(period_start) as year, country, publisher as source,
           'published: ' || coalesce(row_definition, '(definition not given)') as counts,
           sum(value) filter (where measure in ('attacks', 'events')) as incidents,
           sum(value) filter (where measure = 'killed')::double as fatalities_best,
           cast(null as bigint) as incidents_unknown_fatalities,
           row_definition as definition,
           report as edition,
           string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
           sum(value) filter (where measure = 'suicide_attacks') as suicide_attacks,
           bool_and(is_preferred) as is_preferred,
           case when bool_and(period_grain = 'year') then 12 else count(distinct period_start) end as published_months
    from published_rows
    group by year(period_start), country, publisher, report, row_definition
)
select year, country, source, 'event_data' as kind, counts, incidents, fatalities_best, incidents_unknown_fatalities,
       cast(null as varchar) as definition, cast(null as varchar) as edition, cast(null as varchar) as source_url,
       cast(null as bigint) as suicide_attacks, cast(null as boolean) as is_preferred,
       cast(null as bigint) as published_months
from event_data
union all
select year, country, source, 'published', counts, incidents, fatalities_best, incidents_unknown_fatalities,
       definition, edition, source_url, suicide_attacks, is_preferred, published_months
from published
order by country, year, kind, source, edition, definition
