-- marts.policy_did: difference in differences where a comparison unit exists, per source, over the 12 covered
-- months before and after the event's month (the event's month left out). Province-scope policies: the
-- province against the rest of the same country (incidents with a known province other than it); leadership
-- removals: the leader's group family against the other group families, both counted in the group's base country
-- (incidents with no family are in neither arm). monthly holds the two arms' counts per relative month; the ratio
-- ((treated after / treated before) / (comparison after / comparison before) in a Poisson model with arm and
-- month fixed effects), its clustered interval and the pre-trend test are added by pipelines/stats.py.
with national as (
    select distinct event_id, scope_value as country from marts.event_monthly_series where scope = 'national'
),
arms as (
    select distinct s.event_kind, s.event_id, s.event_date, s.scope, s.scope_value, n.country
    from marts.event_monthly_series s
    join national n using (event_id)
    where (s.event_kind = 'policy' and s.scope = 'province') or (s.event_kind = 'leadership' and s.scope = 'group_family')
),
facts as (
    select source, country, month_start, group_family_id,
           -- HARMONIZED PROVINCES, the one place: provinces as core.incidents names them today (FATA apart from
           -- Khyber Pakhtunkhwa). Issue 14's admin1_harmonized (Khyber Pakhtunkhwa incl. former FATA) goes here,
           -- and the policy's scope_admin1 is matched against the same harmonization.
           admin1 as province,
           count(*) as incidents
    from marts.incident_facts
    where month_start is not null and source <> 'curated'
    group by all
),
months as (
    select s.event_kind, s.event_id, s.scope, s.scope_value, s.source, s.rel_month, s.month_start
    from marts.event_monthly_series s
    where s.in_coverage and s.rel_month between -12 and 12 and s.rel_month <> 0
      and s.scope in ('province', 'group_family')
),
monthly as (
    select a.event_kind, a.event_id, a.event_date, a.scope, a.scope_value, a.country, m.source, m.rel_month,
           coalesce(sum(f.incidents) filter (where case a.scope when 'province' then f.province = a.scope_value
                                                                else f.group_family_id = a.scope_value end), 0) as treated,
           coalesce(sum(f.incidents) filter (where case a.scope when 'province' then f.province <> a.scope_value
                                                                else f.group_family_id <> a.scope_value end), 0) as comparison
    from arms a
    join months m using (event_kind, event_id, scope, scope_value)
    left join facts f on f.source = m.source and f.month_start = m.month_start and f.country = a.country
    group by all
)
select
    event_kind, event_id, event_date, scope, scope_value as treated_unit,
    case scope when 'province' then 'rest of ' || country else 'other group families in ' || country end as comparison_unit,
    source,
    sum(treated) filter (where rel_month < 0)       as treated_before,
    sum(treated) filter (where rel_month > 0)       as treated_after,
    sum(comparison) filter (where rel_month < 0)    as comparison_before,
    sum(comparison) filter (where rel_month > 0)    as comparison_after,
    count(*) filter (where rel_month < 0)           as n_months_pre,
    count(*) filter (where rel_month > 0)           as n_months_post,
    list({'rel_month': rel_month, 'treated': treated, 'comparison': comparison} order by rel_month) as monthly,
    cast(null as double)  as did_ratio,
    cast(null as double)  as did_ci_low,
    cast(null as double)  as did_ci_high,
    cast(null as double)  as did_p_value,
    cast(null as double)  as pretrend_ratio,
    cast(null as double)  as pretrend_p_value,
    cast(null as varchar) as did_model
from monthly
group by all
having sum(treated) + sum(comparison) > 0  -- a removal in a country with no attributed incident has no comparison
order by event_kind, event_date, event_id, source
