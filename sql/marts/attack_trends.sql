-- marts.attack_trends: incidents and casualties per period x country x province x group family x event type x
-- source. Year rows count every incident of the year; month rows only incidents whose month is known.
-- Fatality sums add the known figures only; incidents_unknown_fatalities says how many had none.
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
)
select
    period_grain, period_start, country, admin1, group_family_id, event_type, source,
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
