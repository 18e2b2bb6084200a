-- marts.policy_did: difference in differences where a comparison unit exists, per source and violence class (and
-- 'all', the classes of the event's series in marts.event_monthly_series), over the 12 months before and after
-- the event's month (the event's month left out). Province-scope policies: the province against the rest of the
-- same country, both as harmonized provinces (admin1_harmonized: Khyber Pakhtunkhwa incl. former FATA before and
-- after the 2018 merger; incidents with a known province other than it); leadership removals: the leader's group
-- family against the other group families, both counted in the group's base country: treated = incidents the
-- family took part in (marts.incident_participants), comparison = incidents another family took part in and it
-- did not (incidents with no family are in neither arm). Only months the source covers count
-- (core.source_coverage via in_coverage); a row whose 24 months are not all covered keeps its counts but no
-- estimate, and not_estimable_reason says why. monthly holds the two arms' counts per relative month; the ratio
-- ((treated after / treated before) / (comparison after / comparison before) in a Poisson model with arm and month
-- fixed effects), its clustered interval and the pre-trend test are added by pipelines/defs/marts/stats.py.
with national as (
    select distinct event_id, scope_value as country from marts.event_monthly_series where scope = 'national'
),
arms as (
    select distinct s.event_kind, s.event_id, s.event_date, s.scope, s.scope_value, n.country
    from marts.event_monthly_series s
    join national n using (event_id)
    where (s.event_kind = 'policy' and s.scope = 'province')
       or (s.event_kind = 'leadership' and s.scope = 'group_family')
),
facts as (
    select incident_id, source, country, month_start, coalesce(violence_class, 'unclassified') as violence_class,
           admin1_harmonized as province
    from marts.incident_facts
    where month_start is not null and source <> 'curated'
),
by_province as (
    select source, country, month_start, violence_class, province, count(*) as incidents
    from facts where province is not null group by all
),
by_family as (
    select f.source, f.country, f.month_start, f.violence_class, p.group_family_id,
           count(distinct f.incident_id) as incidents
    from facts f join marts.incident_participants p using (incident_id)
    where p.group_family_id is not null
    group by all
),
any_family as (
    select f.source, f.country, f.month_start, f.violence_class, count(distinct f.incident_id) as incidents
    from facts f join marts.incident_participants p using (incident_id)
    where p.group_family_id is not null
    group by all
),
any_province as (
    select source, country, month_start, violence_class, sum(incidents) as incidents from by_province group by all
),
months as (
    -- every violence class of the event's series (not 'all': summed below from the same classes)
    select s.event_kind, s.event_id, s.scope, s.scope_value, s.source, s.violence_class, s.rel_month, s.month_start,
           s.in_coverage
    from marts.event_monthly_series s
    where s.rel_month between -12 and 12 and s.rel_month <> 0 and s.violence_class <> 'all'
      and s.scope in ('province', 'group_family')
),
by_class as (
    select a.event_kind, a.event_id, a.event_date, a.scope, a.scope_value, a.country, m.source, m.violence_class,
           m.rel_month, m.in_coverage,
           case when m.in_coverage then coalesce(case a.scope when 'province' then p.incidents else f.incidents end, 0)
           end as treated,
           case when m.in_coverage
                then coalesce(case a.scope when 'province' then ap.incidents else af.incidents end, 0)
                     - coalesce(case a.scope when 'province' then p.incidents else f.incidents end, 0)
           end as comparison
    from arms a
    join months m using (event_kind, event_id, scope, scope_value)
    left join by_province p
      on a.scope = 'province' and p.source = m.source and p.country = a.country and p.month_start = m.month_start
     and p.violence_class = m.violence_class and p.province = a.scope_value
    left join any_province ap
      on a.scope = 'province' and ap.source = m.source and ap.country = a.country and ap.month_start = m.month_start
     and ap.violence_class = m.violence_class
    left join by_family f
      on a.scope = 'group_family' and f.source = m.source and f.country = a.country and f.month_start = m.month_start
     and f.violence_class = m.violence_class and f.group_family_id = a.scope_value
    left join any_family af
      on a.scope = 'group_family' and af.source = m.source and af.country = a.country
     and af.month_start = m.month_start and af.violence_class = m.violence_class
),
monthly as (
    select * exclude (in_coverage) from by_class where in_coverage
    union all
    -- 'all' as marts.event_monthly_series builds it: its classes summed, not_political_violence never in it
    select event_kind, event_id, event_date, scope, scope_value, country, source, 'all', rel_month,
           sum(treated), sum(comparison)
    from by_class
    where violence_class <> 'not_political_violence'
    group by event_kind, event_id, event_date, scope, scope_value, country, source, rel_month
    having bool_and(in_coverage)
),
summed as (
    select
        event_kind, event_id, event_date, scope, scope_value as treated_unit,
        case scope when 'province' then 'rest of ' || country else 'other group families in ' || country end
            as comparison_unit,
        source, violence_class,
        sum(treated) filter (where rel_month < 0)       as treated_before,
        sum(treated) filter (where rel_month > 0)       as treated_after,
        sum(comparison) filter (where rel_month < 0)    as comparison_before,
        sum(comparison) filter (where rel_month > 0)    as comparison_after,
        count(*) filter (where rel_month < 0)           as n_months_pre,
        count(*) filter (where rel_month > 0)           as n_months_post,
        list({'rel_month': rel_month, 'treated': treated, 'comparison': comparison} order by rel_month) as monthly
    from monthly
    group by all
    having sum(treated) + sum(comparison) > 0  -- a removal in a country with no attributed incident has no comparison
)
select
    event_kind, event_id, event_date, scope, treated_unit, comparison_unit, source, treated_before, treated_after,
    comparison_before, comparison_after, n_months_pre, n_months_post, monthly,
    cast(null as double)  as did_ratio,
    cast(null as double)  as did_ci_low,
    cast(null as double)  as did_ci_high,
    cast(null as double)  as did_p_value,
    cast(null as double)  as pretrend_ratio,
    cast(null as double)  as pretrend_p_value,
    cast(null as varchar) as did_model,
    violence_class,
    case when n_months_pre < 12 or n_months_post < 12
         then source || ' covers ' || n_months_pre || ' of the 12 months before and ' || n_months_post
              || ' of the 12 months after'
    end as not_estimable_reason
from summed
order by event_kind, event_date, event_id, source, violence_class
