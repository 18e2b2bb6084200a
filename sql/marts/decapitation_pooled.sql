-- marts.decapitation_pooled: the removals of marts.decapitation_event_study stacked, per source and violence class
-- (and 'all': each removal's own outcome classes, marts.event_monthly_series), for all removals together
-- (family_scope 'all') and per group family. Each removal's monthly incidents are divided by its own pre-period
-- mean (incidents per month, rel_month -12..-1); per relative month -12..12, mean_ratio is the mean of those
-- ratios over the removals (n_events), with a 95% interval from a Poisson model clustered by event
-- (pipelines/defs/marts/stats.py). Only removals whose 25 months -12..12 the source covers all (core.source_coverage, as
-- the event study carries it) are pooled, so every relative month has the same removals; a removal with fewer
-- than 12 pre-period incidents (one a month) has no stable denominator. Either is left out and listed in
-- excluded_events with its reason. event_ids / event_ratios are the stacked values each mean is taken over.
with events as (
    -- from the series, not the event study: a removal the source never covers is listed too
    select event_id as leadership_event_id, scope_value as group_family_id, source, violence_class,
           count(*) filter (where in_coverage)                                          as covered_months,
           count(*) filter (where in_coverage and rel_month between -12 and -1)         as pre_months,
           sum(incidents) filter (where in_coverage and rel_month between -12 and -1)   as pre_incidents
    from marts.event_monthly_series
    where event_kind = 'leadership' and scope = 'group_family' and rel_month between -12 and 12
    group by all
),
judged as (
    select *,
           case when covered_months < 25
                     then source || ' covers ' || covered_months || ' of the 25 months -12..12'
                when coalesce(pre_incidents, 0) < 12
                     then 'fewer than 12 pre-period incidents (' || coalesce(pre_incidents, 0) || ')'
           end as exclusion_reason,
           pre_incidents / nullif(pre_months, 0) as pre_mean
    from events
),
scoped as (
    select 'all' as family_scope, * from judged
    union all
    select group_family_id, * from judged
),
ratios as (
    select s.family_scope, s.source, s.violence_class, d.rel_month, s.leadership_event_id,
           d.incidents / s.pre_mean as ratio
    from scoped s
    join marts.decapitation_event_study d using (leadership_event_id, source, violence_class)
    where s.exclusion_reason is null
),
grid as (
    select distinct s.family_scope, s.source, s.violence_class, r.rel_month
    from scoped s cross join (select unnest(range(-12, 13)) as rel_month) r
),
excluded as (
    select family_scope, source, violence_class,
           list({'leadership_event_id': leadership_event_id, 'reason': exclusion_reason}
                order by leadership_event_id) filter (where exclusion_reason is not null) as excluded_events
    from scoped group by all
)
select
    g.family_scope, g.source, g.violence_class, g.rel_month,
    count(r.leadership_event_id)                                        as n_events,
    avg(r.ratio)                                                        as mean_ratio,
    cast(null as double)                                                as ratio_ci_low,
    cast(null as double)                                                as ratio_ci_high,
    coalesce(list(r.leadership_event_id order by r.leadership_event_id)
             filter (where r.leadership_event_id is not null), [])      as event_ids,
    coalesce(list(r.ratio order by r.leadership_event_id)
             filter (where r.leadership_event_id is not null), [])      as event_ratios,
    coalesce(any_value(x.excluded_events), [])                          as excluded_events
from grid g
left join ratios r using (family_scope, source, violence_class, rel_month)
left join excluded x using (family_scope, source, violence_class)
group by all
order by g.family_scope, g.source, g.violence_class, g.rel_month
