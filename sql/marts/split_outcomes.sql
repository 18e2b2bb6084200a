-- marts.split_outcomes: for each split (child split_from parent) and window of W whole calendar months, the
-- parent's, the child's and the whole family's incidents and deaths in the W months before the split's month
-- and the W months after it (the split's own month is in neither). Counts use incidents whose month is known,
-- attributed to the group itself (parent, child) or to the family as of the incident's date; one row per
-- source, because sources are never added together.
with splits as (
    select r.from_group_id as child_group_id, r.to_group_id as parent_group_id, r.start_date as split_date,
           date_trunc('month', r.start_date)::date as split_month,
           f.family_id
    from core.group_relations r
    -- the parent's own family as of the split (marts.group_family_membership)
    left join marts.group_family_membership f
      on f.group_id = r.to_group_id and r.start_date >= coalesce(f.valid_from, '-infinity'::date)
     and r.start_date < coalesce(f.valid_to, 'infinity'::date)
    where r.relation_type = 'split_from' and r.start_date is not null and r.start_precision in ('day', 'month')
),
windows(window_months) as (values (6), (12), (24)),
sources as (select distinct source from marts.incident_facts where source <> 'curated'),
grid as (select * from splits cross join windows cross join sources),
counted as (
    select g.parent_group_id, g.child_group_id, g.split_date, g.window_months, g.source,
        count(*) filter (where i.group_id = g.parent_group_id and i.month_start < g.split_month)  as parent_incidents_before,
        count(*) filter (where i.group_id = g.parent_group_id and i.month_start > g.split_month)  as parent_incidents_after,
        count(*) filter (where i.group_id = g.child_group_id and i.month_start > g.split_month)   as child_incidents_after,
        count(*) filter (where i.group_family_id = g.family_id and i.month_start < g.split_month) as family_incidents_before,
        count(*) filter (where i.group_family_id = g.family_id and i.month_start > g.split_month) as family_incidents_after,
        coalesce(sum(i.fatalities_best) filter (where i.group_id = g.parent_group_id and i.month_start < g.split_month), 0) as parent_fatalities_best_before,
        coalesce(sum(i.fatalities_best) filter (where i.group_id = g.parent_group_id and i.month_start > g.split_month), 0) as parent_fatalities_best_after,
        coalesce(sum(i.fatalities_best) filter (where i.group_id = g.child_group_id and i.month_start > g.split_month), 0) as child_fatalities_best_after,
        coalesce(sum(i.fatalities_best) filter (where i.group_family_id = g.family_id and i.month_start < g.split_month), 0) as family_fatalities_best_before,
        coalesce(sum(i.fatalities_best) filter (where i.group_family_id = g.family_id and i.month_start > g.split_month), 0) as family_fatalities_best_after
    from grid g
    left join marts.incident_facts i
      on i.source = g.source
     and i.month_start >= (g.split_month - to_months(g.window_months))::date
     and i.month_start <  (g.split_month + to_months(g.window_months + 1))::date
    group by all
),
coverage as (
    select source, min(month_start) as first_month, max(month_start) as last_month
    from marts.incident_facts where month_start is not null group by source
)
select c.*, g.family_id as family_group_id,
       -- whole windows inside the source's coverage; a window that is not covered is not evidence of zero
       (date_trunc('month', c.split_date) - to_months(c.window_months))::date >= v.first_month
           and (date_trunc('month', c.split_date) + to_months(c.window_months))::date <= v.last_month as window_covered
from counted c
join splits g using (parent_group_id, child_group_id, split_date)
left join coverage v using (source)
order by parent_group_id, child_group_id, split_date, window_months, source
