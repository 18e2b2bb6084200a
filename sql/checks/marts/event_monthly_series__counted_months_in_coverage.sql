-- severity: ERROR
-- description: no counted month lies outside the source's coverage: a month of marts.event_monthly_series
-- (which marts.policy_outcomes, the event studies and the DiD read) that is counted (in_coverage) has a countable
-- core.source_coverage row for its source and month (for a national scope, in its country), and a month outside
-- coverage has no count (NULL, not 0)
with covered as (
    select distinct source, country, month_start from core.source_coverage where countable
)
select s.event_id || ' ' || s.scope || '=' || coalesce(s.scope_value, '?') || ' ' || s.source || ' '
       || s.violence_class || ' ' || strftime(s.month_start, '%Y-%m')
       || case when s.in_coverage then ': counted outside coverage' else ': has a count outside coverage' end as id
from marts.event_monthly_series s
where (s.in_coverage and not exists (
          select 1 from covered c
          where c.source = s.source and c.month_start = s.month_start
            and (s.scope <> 'national' or c.country = s.scope_value)))
   or (not s.in_coverage and s.incidents is not null)
