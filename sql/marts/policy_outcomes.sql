-- marts.policy_outcomes: incidents and deaths in the W whole calendar months before and after each policy or
-- leadership event (the event's month in neither), per scope, source and violence class (and 'all', the classes
-- that are outcomes of the event: marts.event_monthly_series), W in 3, 6, 12, 24. Only months inside the source's
-- coverage (core.source_coverage) count; n_months_pre / n_months_post say how many did. A window is estimable
-- only when all W months on both sides are covered: otherwise the rate ratio and the interrupted-time-series
-- estimates stay NULL and not_estimable_reason says why (pipelines/stats.py adds the reasons that depend on the
-- counts, e.g. no events before). Sums of deaths add the known figures; *_unknown_fatalities and
-- doubtful_incidents_* count the incidents without a figure and GTD's doubtful events (included in the counts).
with windows(window_months) as (values (3), (6), (12), (24)),
summed as (
    select
        s.event_kind, s.event_id, s.event_date, s.scope, s.scope_value, w.window_months, s.source, s.violence_class,
        sum(s.incidents) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)        as incidents_before,
        sum(s.incidents) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)          as incidents_after,
        sum(s.fatalities_best) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)  as fatalities_before,
        sum(s.fatalities_best) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)    as fatalities_after,
        any_value(s.incidents) filter (where s.rel_month = 0)                                                 as incidents_event_month,
        count(*) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)                as n_months_pre,
        count(*) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)                  as n_months_post,
        sum(s.incidents_unknown_fatalities) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)
                                                                                                              as incidents_unknown_fatalities_before,
        sum(s.incidents_unknown_fatalities) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)
                                                                                                              as incidents_unknown_fatalities_after,
        sum(s.doubtful_incidents) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage) as doubtful_incidents_before,
        sum(s.doubtful_incidents) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)   as doubtful_incidents_after
    from marts.event_monthly_series s
    cross join windows w
    group by all
)
select
    event_kind, event_id, event_date, scope, scope_value, window_months, source, incidents_before, incidents_after,
    fatalities_before, fatalities_after, incidents_event_month, n_months_pre, n_months_post,
    cast(null as double) as rate_ratio,
    cast(null as double) as rr_ci_low,
    cast(null as double) as rr_ci_high,
    cast(null as double) as its_level_change,
    cast(null as double) as its_slope_change,
    cast(null as double) as its_level_p,
    cast(null as double) as its_slope_p,
    violence_class, incidents_unknown_fatalities_before, incidents_unknown_fatalities_after,
    doubtful_incidents_before, doubtful_incidents_after,
    case
        when n_months_pre < window_months and n_months_post < window_months
            then source || ' covers ' || n_months_pre || ' of the ' || window_months || ' months before and '
                 || n_months_post || ' of the ' || window_months || ' months after'
        when n_months_pre < window_months
            then source || ' covers ' || n_months_pre || ' of the ' || window_months || ' months before'
        when n_months_post < window_months
            then source || ' covers ' || n_months_post || ' of the ' || window_months || ' months after'
    end as not_estimable_reason
from summed
order by event_kind, event_id, scope, window_months, source, violence_class
