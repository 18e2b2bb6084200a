-- marts.decapitation_pooled: the removals of marts.decapitation_event_study stacked, per source, for all removals
-- together (family_scope 'all') and per group family. Each removal's monthly incidents are divided by its own
-- pre-period mean (incidents per covered month, rel_month -12..-1); per relative month -12..12, mean_ratio is the
-- mean of those ratios over the removals covering that month (n_events), with a 95% interval from a Poisson
-- model clustered by event (pipelines/stats.py). A removal with fewer than 6 covered pre-period months or fewer
-- than 12 pre-period incidents (one a month) has no stable denominator: it is left out and listed in
-- excluded_events with its reason. event_ids / event_ratios are the stacked values each mean is taken over.
-- The series dimension is source (with issue 14's violence_class it joins source in every group and join below).
with events as (
    select leadership_event_id, group_family_id, source,
           count(*) filter (where rel_month between -12 and -1)         as pre_months,
           sum(incidents) filter (where rel_month between -12 and -1)   as pre_incidents
    from marts.decapitation_event_study
    group by all
),
judged as (
    select *,
           case when pre_months < 6 then 'fewer than 6 covered pre-period months (' || pre_months || ')'
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
    select s.family_scope, s.source, d.rel_month, s.leadership_event_id, d.incidents / s.pre_mean as ratio
    from scoped s
    join marts.decapitation_event_study d using (leadership_event_id, source)
    where s.exclusion_reason is null
),
grid as (
    select distinct s.family_scope, s.source, r.rel_month
    from scoped s cross join (select unnest(range(-12, 13)) as rel_month) r
),
excluded as (
    select family_scope, source,
           list({'leadership_event_id': leadership_event_id, 'reason': exclusion_reason}
                order by leadership_event_id) filter (where exclusion_reason is not null) as excluded_events
    from scoped group by all
)
select
    g.family_scope, g.source, g.rel_month,
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
left join ratios r using (family_scope, source, rel_month)
left join excluded x using (family_scope, source)
group by all
order by g.family_scope, g.source, g.rel_month
