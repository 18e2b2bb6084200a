-- marts.event_monthly_series: for every dated policy event and leadership removal, each of its scopes, each
-- source and each violence class, the incidents and deaths per calendar month from 24 months before the event's
-- month to 24 after (rel_month 0 = the event's month). Scopes: national (the policy's country; for a leadership
-- event, the group's base country), province (a policy's scope_admin1, in the harmonized unit: 'Khyber
-- Pakhtunkhwa incl. former FATA' before and after the 2018 merger), group_family (a policy's target group, or
-- the leader's group, as a family on the event date; an incident counts for every family that took part in it,
-- marts.incident_participants).
-- Coverage: a month is in_coverage when core.source_coverage has a countable row for the source, the event's
-- country (for a group family: the leader's group's base country or the policy's country) and the month (for a
-- province scope the source must also name provinces). Outside coverage the counts
-- are NULL (unknown, not zero); a covered month without events is 0.
-- violence_class: every class the source records (core.incidents.violence_class), and 'all' = their sum.
-- Foreign air and drone strikes are outcomes only of events that concern them: policy events of category
-- 'external' or 'diplomatic' (foreign states' decisions and agreements) and leaders removed by a drone strike;
-- for any other event (a Pakistani law, a military operation, a policy) the foreign_air_strike class is absent and
-- not in 'all'. not_political_violence (ACLED protests, riots) is never in 'all'.
-- Unknowns: fatalities_best sums the known figures; incidents_unknown_fatalities counts incidents without one;
-- doubtful_incidents counts GTD events coded as doubtfully terrorism (doubtterr = 1), which are included by
-- default: incidents - doubtful_incidents leaves them out. Curated incidents are a selection of notable
-- attacks, not a count, and are left out. Events known only to the year are left out.
with events as (
    select 'policy' as event_kind, policy_event_id as event_id, start_date as event_date,
           coalesce(scope_country, 'Pakistan') as country,
           harmonize_admin1(coalesce(scope_country, 'Pakistan'), conform_admin1(coalesce(scope_country, 'Pakistan'),
                                                                               scope_admin1, start_date)) as admin1,
           target_group_id as group_id, category in ('external', 'diplomatic') as concerns_foreign_strikes
    from core.policy_events
    where start_date is not null and start_precision in ('day', 'month')
    union all
    select 'leadership', e.leadership_event_id, e.event_date, coalesce(g.base_country, e.country), null, e.group_id,
           coalesce(e.method = 'drone_strike', false)
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
    select event_kind, event_id, event_date, concerns_foreign_strikes, 'national' as scope, country as scope_value,
           country, null as admin1, null as family_id
    from events where country is not null
    union all
    select event_kind, event_id, event_date, concerns_foreign_strikes, 'province', admin1, country, admin1, null
    from events where admin1 is not null
    union all
    select e.event_kind, e.event_id, e.event_date, e.concerns_foreign_strikes, 'group_family', f.family_id, e.country,
           null, f.family_id
    from events e join families f using (event_id)
),
facts as (
    select incident_id, source, country, admin1_harmonized, month_start,
           coalesce(violence_class, 'unclassified') as violence_class, fatalities_best, is_doubtful
    from marts.incident_facts
    where month_start is not null and source <> 'curated'
),
counts_national as (
    select source, country, month_start, violence_class, count(*) as incidents,
           count(*) filter (where fatalities_best is null) as incidents_unknown_fatalities,
           count(*) filter (where is_doubtful) as doubtful_incidents, sum(fatalities_best) as fatalities_best
    from facts group by all
),
counts_province as (
    select source, country, admin1_harmonized as admin1, month_start, violence_class, count(*) as incidents,
           count(*) filter (where fatalities_best is null) as incidents_unknown_fatalities,
           count(*) filter (where is_doubtful) as doubtful_incidents, sum(fatalities_best) as fatalities_best
    from facts where admin1_harmonized is not null group by all
),
counts_family as (
    select f.source, p.group_family_id, f.month_start, f.violence_class, count(distinct f.incident_id) as incidents,
           count(distinct f.incident_id) filter (where f.fatalities_best is null) as incidents_unknown_fatalities,
           count(distinct f.incident_id) filter (where f.is_doubtful) as doubtful_incidents,
           -- one incident, one death toll, however many of the family's groups took part
           sum(f.fatalities_best) filter (where p.first_of_family) as fatalities_best
    from facts f
    join (select *,
                 row_number() over (partition by incident_id, group_family_id order by group_id) = 1 as first_of_family
          from marts.incident_participants) p using (incident_id)
    group by all
),
covered as (
    select distinct source, country, month_start from core.source_coverage where countable
),
source_classes as (
    select f.source, f.violence_class, count(f.admin1_harmonized) over (partition by f.source) > 0 as has_provinces
    from (select source, violence_class, any_value(admin1_harmonized) as admin1_harmonized from facts group by all) f
    where f.source in (select source from covered)
),
grid as (
    select s.*, c.source, c.violence_class, c.has_provinces, r.rel_month,
           (date_trunc('month', s.event_date) + to_months(r.rel_month))::date as month_start
    from scoped s
    cross join source_classes c
    cross join (select unnest(range(-24, 25)) as rel_month) r
    where c.violence_class <> 'foreign_air_strike' or s.concerns_foreign_strikes
),
by_class as (
    select g.event_kind, g.event_id, g.event_date, g.scope, g.scope_value, g.source, g.violence_class, g.rel_month,
           g.month_start,
           v.month_start is not null and (g.scope <> 'province' or g.has_provinces) as in_coverage,
           coalesce(n.incidents, a.incidents, f.incidents, 0) as incidents,
           coalesce(n.incidents_unknown_fatalities, a.incidents_unknown_fatalities, f.incidents_unknown_fatalities, 0)
               as incidents_unknown_fatalities,
           coalesce(n.doubtful_incidents, a.doubtful_incidents, f.doubtful_incidents, 0) as doubtful_incidents,
           coalesce(n.fatalities_best, a.fatalities_best, f.fatalities_best, 0) as fatalities_best
    from grid g
    left join covered v on v.source = g.source and v.country = g.country and v.month_start = g.month_start
    left join counts_national n
      on g.scope = 'national' and n.source = g.source and n.month_start = g.month_start
     and n.violence_class = g.violence_class and n.country = g.country
    left join counts_province a
      on g.scope = 'province' and a.source = g.source and a.month_start = g.month_start
     and a.violence_class = g.violence_class and a.country = g.country and a.admin1 = g.admin1
    left join counts_family f
      on g.scope = 'group_family' and f.source = g.source and f.month_start = g.month_start
     and f.violence_class = g.violence_class and f.group_family_id = g.family_id
),
with_all as (
    select * from by_class
    union all
    select event_kind, event_id, event_date, scope, scope_value, source, 'all', rel_month, month_start,
           bool_and(in_coverage), sum(incidents), sum(incidents_unknown_fatalities), sum(doubtful_incidents),
           sum(fatalities_best)
    from by_class
    where violence_class <> 'not_political_violence'
    group by event_kind, event_id, event_date, scope, scope_value, source, rel_month, month_start
)
select
    event_kind, event_id, event_date, scope, scope_value, source, violence_class, rel_month, month_start, in_coverage,
    case when in_coverage then incidents end                    as incidents,
    case when in_coverage then incidents_unknown_fatalities end as incidents_unknown_fatalities,
    case when in_coverage then doubtful_incidents end           as doubtful_incidents,
    case when in_coverage then fatalities_best end              as fatalities_best
from with_all
order by event_kind, event_id, scope, source, violence_class, rel_month
