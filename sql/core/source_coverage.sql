-- core.source_coverage: one row per (source, release or file, country, month) that an incident source covers.
-- A month outside it is unknown (marts leave it NULL or out); a covered month without events is a true 0.
-- Period (basis):
--   declared: a UCDP GED release file states its period in its name, as UCDP versions releases (gedYY1 or
--             ..._vYY_1: the annual GED YY.1, events 1989-01 to December of 20YY-1; ..._vYY_0_MM: the
--             Candidate release YY.0.MM, events of month MM of 20YY, UCDP Candidate Events Dataset codebook);
--             a mapping states `coverage: {from, to, countries}`
--             (docs/mappings.md).
--   observed: otherwise the first to the last month with an event of that file (events dated only to the year
--             do not stretch it).
-- Coverage is per file and never bridged: two releases with a gap between them leave the gap uncovered.
-- Countries: a declared list, else the countries of the file's events; a file of one country covers only that
-- country; a file of several countries (a global release) also covers Pakistan and Afghanistan in every month
-- of its period, with or without an event there.
-- countable = false for samples (an ACLED file whose name says 'sample', e.g. the acledR sample): they are not
-- a count of events and no mart counts them. GTD has no 1993 (START lost that year's records: GTD Codebook,
-- 'Note on 1993'), and its collection method changed for events from 2012 (method_note). Curated incidents are
-- a selection of notable attacks, not a count, and have no coverage.
with ucdp_files as (
    select source_file, min(date_start) as first_date, max(date_start) as last_date,
           list(distinct country) filter (where country is not null) as countries,
           -- an annual release: ged221..., GEDEvent_v22_1...; a Candidate release: ..._v23_0_10... (version YY.0.MM)
           coalesce(nullif(regexp_extract(lower(source_file), 'ged(\d{2})1(?:[^0-9][^/]*)?$', 1), ''),
                    regexp_extract(lower(source_file), 'v(\d{2})_1(?:[^0-9_][^/]*)?$', 1)) as ged_version,
           regexp_extract(lower(source_file), 'v(\d{2})_0_(\d{1,2})(?:[^0-9][^/]*)?$', ['year', 'month']) as candidate
    from staging.ucdp_ged
    group by source_file
),
ucdp as (
    select 'ucdp_ged' as source, source_file, countries,
           case when candidate.year <> '' then make_date(2000 + candidate.year::int, candidate.month::int, 1)
                when ged_version <> '' then date '1989-01-01'
                else first_date end as first_day,
           case when candidate.year <> '' then make_date(2000 + candidate.year::int, candidate.month::int, 1)
                when ged_version <> '' then make_date(2000 + ged_version::int - 1, 12, 1)
                else last_date end as last_day,
           case when candidate.year <> '' or ged_version <> '' then 'declared' else 'observed' end as basis
    from ucdp_files
),
mapped as (
    select source_name as source, source_file,
           coalesce(any_value(coverage_countries), list(distinct country) filter (where country is not null))
               as countries,
           coalesce(any_value(coverage_from),
                    min(event_date) filter (where date_precision in ('day', 'month', 'range'))) as first_day,
           coalesce(any_value(coverage_to), max(event_date) filter (where date_precision in ('day', 'month', 'range')))
               as last_day,
           case when any_value(coverage_from) is not null then 'declared' else 'observed' end as basis
    from staging.mapped
    group by source_name, source_file
),
observed as (
    select source, source_file, list(distinct country) filter (where country is not null) as countries,
           min(event_date) filter (where date_precision in ('day', 'month', 'range')) as first_day,
           max(event_date) filter (where date_precision in ('day', 'month', 'range')) as last_day,
           'observed' as basis
    from core.incidents
    where source in ('gtd', 'acled', 'newamerica_drones')
    group by source, source_file
),
files as (
    select * from ucdp
    union all by name
    select * from mapped
    union all by name
    select * from observed
),
file_countries as (
    select f.source, f.source_file, f.first_day, f.last_day, f.basis, c.country
    from files f
    cross join unnest(case when len(f.countries) > 1
                           then list_distinct(list_concat(f.countries, ['Pakistan', 'Afghanistan']))
                           else f.countries end) c(country)
    where f.first_day is not null
)
select
    fc.source,
    fc.source_file,
    fc.country,
    m.month_start,
    fc.basis,
    -- (noqa: sqlfluff takes `not (` for a function call)
    not (fc.source = 'acled' and lower(fc.source_file) like '%sample%') as countable,  -- noqa: LT06
    case when fc.source = 'gtd' and m.month_start >= date '2012-01-01'
         then 'GTD collection changed for events from 2012 (START''s automated source pipeline, many more sources): '
              || 'counts from 2012 are not comparable with 2011 and earlier '
              || '(GTD Codebook, "Data Collection Methodology")'
    end as method_note
from file_countries fc
cross join lateral (
    select unnest(generate_series(date_trunc('month', fc.first_day), date_trunc('month', fc.last_day),
                                  interval 1 month))::date as month_start
) m
where not (fc.source = 'gtd' and year(m.month_start) = 1993)
order by fc.source, fc.source_file, fc.country, m.month_start
