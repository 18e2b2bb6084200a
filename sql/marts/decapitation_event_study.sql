-- marts.decapitation_event_study: incidents and deaths of the leader's group family by month relative to the
-- leader's removal (killed, captured, arrested, died), rel_month -12..12, per source. Months outside the
-- source's coverage are absent (missing, not zero).
select
    s.event_id       as leadership_event_id,
    s.scope_value    as group_family_id,
    s.rel_month,
    s.month_start,
    s.incidents,
    s.fatalities_best,
    s.source
from marts.event_monthly_series s
where s.event_kind = 'leadership' and s.scope = 'group_family' and s.rel_month between -12 and 12
  and s.in_coverage
order by leadership_event_id, source, rel_month
