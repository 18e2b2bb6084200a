-- marts.attack_trends: incidents and casualties per period x country x province x group family x event type x
-- source. Year rows count every incident of the year; month rows only incidents whose month is known.
-- Fatality sums add the known figures only; incidents_unknown_fatalities says how many had none. group_id keeps
-- the split-level count (JuA, HuA on their own) beside the family: sum over it for family counts.
with rows as (
    select 'year' as period_grain, year_start as period_start, * exclude (year_start, month_start)
    from marts.incident_facts
    union all by name
    select 'month' as period_grain, month_start as period_start, * exclude (year_start, month_start)
    from marts.incident_facts
    where month_start is not null
)
select
    period_grain, period_start, country, admin1, group_family_id, event_type, source,
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
order by period_grain, period_start, country, admin1, group_family_id, event_type, source
