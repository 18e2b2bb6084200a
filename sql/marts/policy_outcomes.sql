-- marts.policy_outcomes: incidents and deaths in the W whole calendar months before and after each policy or
-- leadership event (the event's month in neither), per scope, source and violence class (and 'all', the classes
-- that are outcomes of the event: marts.event_monthly_series), W in 3, 6, 12, 24. Only months inside the source's
-- coverage (core.source_coverage) count; n_months_pre / n_months_post say how many did. A window is estimable
-- only when all W months on both sides are covered: otherwise every estimate stays NULL and not_estimable_reason
-- says why (pipelines/defs/marts/stats.py adds the reasons that depend on the counts, e.g. no events before). The rate ratio
-- with its quasi-Poisson and exact 95% intervals, p- and q-values and the interrupted-time-series estimates are
-- added by pipelines/defs/marts/stats.py (see the data dictionary). Sums of deaths add the known figures;
-- *_unknown_fatalities and doubtful_incidents_* count the incidents without a figure and GTD's doubtful events
-- (included in the counts). overlapping_events lists the other policy events and leadership removals of the same
-- country inside the window; same_month_events those in the event's own month (their rows are the same counts:
-- one finding, not two).
with windows(window_months) as (values (3), (6), (12), (24)),
events as (
    select distinct event_kind, event_id, event_date, scope_value as country
    from marts.event_monthly_series where scope = 'national'
),
neighbours as (
    select e.event_id, o.event_id as other_event_id, o.event_date as other_date,
           datediff('month', date_trunc('month', e.event_date), date_trunc('month', o.event_date)) as month_offset
    from events e
    join events o on o.country = e.country and o.event_id <> e.event_id
),
summed as (
    select
        s.event_kind, s.event_id, s.event_date, s.scope, s.scope_value, w.window_months, s.source, s.violence_class,
        sum(s.incidents) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)
            as incidents_before,
        sum(s.incidents) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)
            as incidents_after,
        sum(s.fatalities_best) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)
            as fatalities_before,
        sum(s.fatalities_best) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)
            as fatalities_after,
        any_value(s.incidents) filter (where s.rel_month = 0)
            as incidents_event_month,
        count(*) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)
            as n_months_pre,
        count(*) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)
            as n_months_post,
        sum(s.incidents_unknown_fatalities) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)
            as incidents_unknown_fatalities_before,
        sum(s.incidents_unknown_fatalities) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)
            as incidents_unknown_fatalities_after,
        sum(s.doubtful_incidents) filter (where s.rel_month between -w.window_months and -1 and s.in_coverage)
            as doubtful_incidents_before,
        sum(s.doubtful_incidents) filter (where s.rel_month between 1 and w.window_months and s.in_coverage)
            as doubtful_incidents_after
    from marts.event_monthly_series s
    cross join windows w
    group by all
)
select
    o.event_kind, o.event_id, o.event_date, o.scope, o.scope_value, o.window_months, o.source, o.incidents_before,
    o.incidents_after, o.fatalities_before, o.fatalities_after, o.incidents_event_month, o.n_months_pre,
    o.n_months_post,
    cast(null as double) as rate_ratio,
    cast(null as double) as rr_ci_low,
    cast(null as double) as rr_ci_high,
    cast(null as double) as dispersion,
    cast(null as double) as rr_exact_ci_low,
    cast(null as double) as rr_exact_ci_high,
    cast(null as double) as rr_p_value,
    cast(null as double) as rr_q_value,
    its.*,
    cast(null as double[]) as its_fitted,
    o.violence_class, o.incidents_unknown_fatalities_before, o.incidents_unknown_fatalities_after,
    o.doubtful_incidents_before, o.doubtful_incidents_after,
    case
        when o.n_months_pre < o.window_months and o.n_months_post < o.window_months
            then o.source || ' covers ' || o.n_months_pre || ' of the ' || o.window_months || ' months before and '
                 || o.n_months_post || ' of the ' || o.window_months || ' months after'
        when o.n_months_pre < o.window_months
            then o.source || ' covers ' || o.n_months_pre || ' of the ' || o.window_months || ' months before'
        when o.n_months_post < o.window_months
            then o.source || ' covers ' || o.n_months_post || ' of the ' || o.window_months || ' months after'
    end as not_estimable_reason,
    coalesce((select list(n.other_event_id order by n.other_date, n.other_event_id) from neighbours n
              where n.event_id = o.event_id and n.month_offset <> 0
                and n.month_offset between -o.window_months and o.window_months), [])::varchar[] as overlapping_events,
    coalesce((select list(n.other_event_id order by n.other_event_id) from neighbours n
              where n.event_id = o.event_id and n.month_offset = 0), [])::varchar[] as same_month_events
from summed o
cross join its_placeholders() its
order by o.event_kind, o.event_id, o.scope, o.window_months, o.source, o.violence_class
