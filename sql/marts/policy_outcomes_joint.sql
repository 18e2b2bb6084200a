-- marts.policy_outcomes_joint: for every national policy row of marts.policy_outcomes (12-month window) that lists
-- overlapping events, one segmented regression with a level and a slope term per event: the focal policy
-- (term_rel_month 0) and each other policy event or removal of a leader with a curated role (founder, emir,
-- deputy, commander) inside the window, at its month offset. Events less than 3 months after the previous one share
-- its terms (starting at the earliest month of the run): two breaks a month or two apart cannot be told apart. Fitted by pipelines/defs/marts/stats.py on the country's monthly counts from 24 months before the first
-- term to 24 months after the last. One row per event in the model: its level and slope change with intervals
-- and p-values, net of the other terms. The drone-era removals without a curated role stay listed in
-- overlapping_events only: dozens of them would each need two terms. One model per source and violence class
-- (and 'all', the focal event's own classes summed in every month of the model: pipelines/defs/marts/stats.py); only rows
-- whose 12-month window the source fully covers (not_estimable_reason null).
with events as (
    select distinct s.event_kind, s.event_id, s.event_date, s.scope_value as country
    from marts.event_monthly_series s
    left join core.leadership_events e on e.leadership_event_id = s.event_id and s.event_kind = 'leadership'
    left join core.leaders l using (leader_id)
    where s.scope = 'national' and (s.event_kind = 'policy' or l.role is not null)
),
models as (
    select o.event_kind, o.event_id, o.event_date, o.scope, o.scope_value, o.source, o.violence_class,
           o.window_months,
           o.overlapping_events, o.same_month_events
    from marts.policy_outcomes o
    where o.event_kind = 'policy' and o.scope = 'national' and o.window_months = 12
      and len(o.overlapping_events) > 0 and o.not_estimable_reason is null
),
terms as (
    select m.*, m.event_id as term_event_id, m.event_kind as term_event_kind, m.event_date as term_event_date,
           0 as term_rel_month
    from models m
    union all
    select m.*, e.event_id, e.event_kind, e.event_date,
           datediff('month', date_trunc('month', m.event_date), date_trunc('month', e.event_date))
    from models m
    join events e on e.country = m.scope_value
     and list_contains(m.overlapping_events || m.same_month_events, e.event_id)
),
-- one model per focal event and series (source and violence class)
runs as (
    select *, sum(new_run) over (partition by event_id, source, violence_class order by event_month_offset
                                 rows between unbounded preceding and current row) as run_id
    from (select *, term_rel_month as event_month_offset,
                 case when term_rel_month - lag(term_rel_month) over (partition by event_id, source, violence_class
                                                                       order by term_rel_month) < 3
                      then 0 else 1 end as new_run
          from terms)
),
shared as (
    select * replace (
        min(event_month_offset) over (partition by event_id, source, violence_class, run_id) as term_rel_month
    )
    from runs
)
select
    event_kind, event_id, event_date, scope, scope_value, source, violence_class, window_months,
    term_event_kind, term_event_id, term_event_date, event_month_offset, term_rel_month,
    cast(null as date)   as model_first_month,
    cast(null as date)   as model_last_month,
    its.*
from shared
cross join its_placeholders() its
order by event_kind, event_id, source, violence_class, term_rel_month, term_event_id
