-- marts.source_reconciliation: each source's yearly incidents and deaths per country side by side with the
-- totals published by PIPS and others (core.published_aggregates). What each counts differs: GTD counts
-- terrorist attacks, UCDP GED lethal events of organised violence (battles included), New America drone
-- strikes, PIPS terrorist attacks only (no military operations); `counts` says which.
-- Event-data rows: one per source, year, country and violence class, plus violence_class 'all' (every class of
-- the source, the figure that sits beside a publisher's total); `counts` states the source's own definition;
-- covered_months (core.source_coverage, countable files) < 12 flags a partial year (UCDP 2023: the October
-- Candidate release only), countable = false a sample (the ACLED sample) or a selection (curated): neither is a
-- total to compare.
-- Published rows: one edition and one definition of a publisher's figures (`edition`, `definition`,
-- `is_preferred`), with its suicide attacks where the publisher gives them; ACLED's monthly aggregates by event
-- type are summed to years (`published_months` < 12 for a part year).
with source_definitions(source, definition) as (values
    ('gtd', 'GTD: terrorist attacks by non-state actors (inclusion criteria 1-3; doubtful events included)'),
    ('ucdp_ged',
     'UCDP GED: events of organised violence with at least one death (state-based, non-state and one-sided)'),
    ('acled', 'ACLED: political violence and demonstration events'),
    ('newamerica_drones', 'New America: US drone strikes'),
    ('curated', 'curated: a selection of notable attacks, not a count')
),
event_classes as (
    select year(year_start) as year, country, source, coalesce(violence_class, 'unclassified') as violence_class,
           string_agg(distinct event_type, ', ' order by event_type) as event_types,
           count(*) as incidents, sum(fatalities_best) as fatalities_best,
           count(*) filter (where fatalities_best is null) as incidents_unknown_fatalities,
           count(*) filter (where is_doubtful) as doubtful_incidents
    from marts.incident_facts
    group by all
),
event_years as (
    select * from event_classes
    union all
    select year, country, source, 'all', string_agg(distinct event_types, ', ' order by event_types),
           sum(incidents), sum(fatalities_best), sum(incidents_unknown_fatalities), sum(doubtful_incidents)
    from event_classes group by year, country, source
),
year_coverage as (
    select source, country, year(month_start) as year,
           count(distinct month_start) filter (where countable) as covered_months,
           bool_or(countable) as countable
    from core.source_coverage group by all
),
event_data as (
    select e.year, e.country, e.source,
           'event data: ' || coalesce(d.definition, e.source || ' (a mapped dataset)') || '; ' || e.event_types
               as counts,
           e.incidents, e.fatalities_best, e.incidents_unknown_fatalities, e.doubtful_incidents, e.violence_class,
           coalesce(c.covered_months, 0) as covered_months,
           coalesce(c.covered_months, 0) < 12 as is_partial_year,
           coalesce(c.countable, false) as countable
    from event_years e
    left join source_definitions d using (source)
    left join year_coverage c using (source, country, year)
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
       violence_class, covered_months, is_partial_year, countable, doubtful_incidents
from event_data
union all by name
select year, country, source, 'published' as kind, counts, incidents, fatalities_best, incidents_unknown_fatalities,
       definition, edition, source_url, suicide_attacks, is_preferred, published_months
from published
order by country, year, kind, source, violence_class, edition, definition
