-- marts.event_monthly_series: for every dated policy event and leadership removal, each of its scopes and each
-- source, the incidents and deaths per calendar month from 24 months before the event's month to 24 after
-- (rel_month 0 = the event's month). Scopes: national (the policy's country; for a leadership event, the
-- group's base country), province (a policy's scope_admin1), group_family (a policy's target group, or the
-- leader's group, as a family on the event date). Months outside a source's coverage (before its first or
-- after its last month with data; for a province scope, any month of a source that never names provinces)
-- have in_coverage = false: they are missing, not zero. Curated incidents are a selection of notable attacks,
-- not a count, and are left out. Events known only to the year are left out.
with events as (
    select 'policy' as event_kind, policy_event_id as event_id, start_date as event_date,
           coalesce(scope_country, 'Pakistan') as country, scope_admin1 as admin1, target_group_id as group_id
    from core.policy_events
    where start_date is not null and start_precision in ('day', 'month')
    union all
    select 'leadership', e.leadership_event_id, e.event_date, coalesce(g.base_country, e.country), null, e.group_id
    from core.leadership_events e
    left join core.groups g using (group_id)
    where e.event_type in ('killed', 'captured', 'arrested', 'died') and e.event_precision in ('day', 'month')
),
families as (
    select e.event_id, m.family_id
    from events e
    join marts.group_family_membership m
      on m.group_id = e.group_id and e.event_date >= coalesce(m.valid_from, '-infinity'::date)
     and e.event_date < coalesce(m.valid_to, 'infinity'::date)
),
scoped as (
    select event_kind, event_id, event_date, 'national' as scope, country as scope_value, country, null as admin1,
           null as family_id from events where country is not null
    union all
    select event_kind, event_id, event_date, 'province', admin1, country, admin1, null from events where admin1 is not null
    union all
    select e.event_kind, e.event_id, e.event_date, 'group_family', f.family_id, null, null, f.family_id
    from events e join families f using (event_id)
),
monthly as (
    select source, country, admin1, group_family_id, month_start, count(*) as incidents,
           coalesce(sum(fatalities_best), 0) as fatalities_best
    from marts.incident_facts
    where month_start is not null and source <> 'curated'
    group by all
),
coverage as (
    -- a source that never names a province (the GTD extract) has no province coverage at all
    select source, min(month_start) as first_month, max(month_start) as last_month,
           count(admin1) > 0 as has_provinces
    from monthly group by source
),
grid as (
    select s.*, c.source, c.first_month, c.last_month, c.has_provinces, r.rel_month,
           (date_trunc('month', s.event_date) + to_months(r.rel_month))::date as month_start
    from scoped s
    cross join coverage c
    cross join (select unnest(range(-24, 25)) as rel_month) r
)
select
    g.event_kind, g.event_id, g.event_date, g.scope, g.scope_value, g.source, g.rel_month, g.month_start,
    g.month_start between g.first_month and g.last_month and (g.scope <> 'province' or g.has_provinces) as in_coverage,
    coalesce(sum(m.incidents), 0)       as incidents,
    coalesce(sum(m.fatalities_best), 0) as fatalities_best
from grid g
left join monthly m
  on m.source = g.source and m.month_start = g.month_start
 and case g.scope when 'national' then m.country = g.country
                  when 'province' then m.country = g.country and m.admin1 = g.admin1
                  else m.group_family_id = g.family_id end
group by all
order by g.event_kind, g.event_id, g.scope, g.source, g.rel_month
