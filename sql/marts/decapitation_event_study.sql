-- marts.decapitation_event_study: incidents and deaths of the leader's group family by month relative to the
-- leader's removal (killed, captured, arrested, died), rel_month -12..12, per source and violence class (and
-- 'all': marts.event_monthly_series; foreign air and drone strikes only for leaders removed by a drone strike).
-- An incident counts for every family that took part in it. Months outside the source's coverage
-- (core.source_coverage) are absent (missing, not zero); a covered month without events is 0.
select
    s.event_id       as leadership_event_id,
    s.scope_value    as group_family_id,
    s.rel_month,
    s.month_start,
    s.incidents,
    s.fatalities_best,
    s.source,
    s.violence_class,
    s.incidents_unknown_fatalities,
    s.doubtful_incidents
from marts.event_monthly_series s
where s.event_kind = 'leadership' and s.scope = 'group_family' and s.rel_month between -12 and 12
  and s.in_coverage
order by leadership_event_id, source, violence_class, rel_month
