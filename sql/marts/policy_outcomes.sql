-- marts.policy_outcomes: incidents and deaths in the W whole calendar months before and after each policy or
-- leadership event (the event's month in neither), per scope and source, W in 3, 6, 12, 24. Only months inside
-- the source's coverage count; n_months_pre / n_months_post say how many did. The rate ratio with its exact 95%
-- interval and the interrupted-time-series estimates are added by pipelines/stats.py (see the data dictionary).
with windows(window_months) as (values (3), (6), (12), (24))
select
    s.event_kind, s.event_id, s.event_date, s.scope, s.scope_value, w.window_months, s.source,
    sum(s.incidents) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)        as incidents_before,
    sum(s.incidents) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)          as incidents_after,
    sum(s.fatalities_best) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)  as fatalities_before,
    sum(s.fatalities_best) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)    as fatalities_after,
    any_value(s.incidents) filter (where s.rel_month = 0)                                                 as incidents_event_month,
    count(*) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)                as n_months_pre,
    count(*) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)                  as n_months_post,
    cast(null as double) as rate_ratio,
    cast(null as double) as rr_ci_low,
    cast(null as double) as rr_ci_high,
    cast(null as double) as its_level_change,
    cast(null as double) as its_slope_change,
    cast(null as double) as its_level_p,
    cast(null as double) as its_slope_p
from marts.event_monthly_series s
cross join windows w
group by all
order by s.event_kind, s.event_id, s.scope, w.window_months, s.source
