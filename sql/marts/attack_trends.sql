-- marts.attack_trends: incidents and casualties per period x country x province x group family x event type x
-- source. Year rows count every incident of the year; month rows only incidents whose month is known.
-- Fatality sums add the known figures only; incidents_unknown_fatalities says how many had none. group_id keeps
-- the split-level count (JuA, HuA on their own) beside the family: sum over it for family counts.
-- violence_class (core.incidents) keeps unlike events apart: never add classes or sources into one trend.
-- admin1 is the unit in force on the event date (FATA until 31 May 2018, then Khyber Pakhtunkhwa);
-- admin1_harmonized is one unit for the whole series ('Khyber Pakhtunkhwa incl. former FATA'): use it for a
-- province trend. covered_months: how many months of the period core.source_coverage says a countable file of
-- the source covers in the country (12 for a full year; 0 = the rows are outside coverage, e.g. the two July
-- 2018 rows appended to the Kaggle suicide file, or a sample): a period with fewer is not comparable with a
-- full one, and a period without a row is 0 only where it is covered. The group family is the perpetrator's
-- (one per incident, so rows add up to incidents).
-- Source 'distinct_events': the events after record linkage, one row per cluster of core.event_clusters counted in
-- the cell of its representative (docs/linkage.md); its casualty columns are NULL (the tellings disagree).
with facts as (
    select * from marts.incident_facts
    union all by name
    select f.* replace ('distinct_events' as source, null::double as fatalities_best, null::double as fatalities_low,
                        null::double as fatalities_high, null::double as wounded)
    from marts.incident_facts f
    join core.event_clusters c on c.incident_id = f.incident_id and c.is_representative
),
rows as (
    select 'year' as period_grain, year_start as period_start, * exclude (year_start, month_start)
    from facts
    union all by name
    select 'month' as period_grain, month_start as period_start, * exclude (year_start, month_start)
    from facts
    where month_start is not null
),
trends as (
select
    period_grain, period_start, country, admin1, admin1_harmonized, group_family_id, event_type, violence_class, source,
    group_id,
    count(*)                                            as incidents,
    count(*) filter (where fatalities_best > 0)         as fatal_incidents,
    sum(fatalities_best)                                as fatalities_best,
    sum(fatalities_low)                                 as fatalities_low,
    sum(fatalities_high)                                as fatalities_high,
    sum(wounded)                                        as wounded,
    count(*) filter (where is_suicide)                  as suicide_incidents,
    count(*) filter (where is_doubtful)                 as doubtful_incidents,
    count(*) filter (where fatalities_best is null)     as incidents_unknown_fatalities
from rows
group by all
),
covered as (
    select source, country, month_start from core.source_coverage where countable group by all
),
covered_periods as (
    select source, country, 'month' as period_grain, month_start as period_start, count(*) as covered_months
    from covered group by all
    union all
    select source, country, 'year', date_trunc('year', month_start)::date, count(*) from covered group by all
)
select t.*,
       -- the linked events are a union of sources: no coverage of their own (read each source's)
       case when t.source <> 'distinct_events' then coalesce(p.covered_months, 0) end as covered_months
from trends t
left join covered_periods p using (source, country, period_grain, period_start)
order by period_grain, period_start, country, admin1, group_family_id, event_type, source, violence_class
