-- marts.split_outcomes: for each split (child split_from parent) and window of W whole calendar months, the
-- parent's, the child's and the whole family's incidents and deaths in the W months before the split's month
-- and the W months after it (the split's own month is in neither). Counts use incidents whose month is known,
-- attributed to the group itself (parent, child) or to the family as of the incident's date; one row per
-- source and violence class ('all' = every class but foreign air strikes and non-political events, which are
-- not a group's doing), because neither sources nor unlike events are added together.
-- window_covered: core.source_coverage has a countable row for the source in the parent's base country for
-- every one of the W months before and the W months after; a window that is not covered is not evidence of zero.
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
sources as (
    select distinct source, coalesce(violence_class, 'unclassified') as violence_class
    from marts.incident_facts where source <> 'curated'
    union all
    select distinct source, 'all' from marts.incident_facts where source <> 'curated'
),
grid as (select * from splits cross join windows cross join sources),
counted as (
    select g.parent_group_id, g.child_group_id, g.split_date, g.window_months, g.source, g.violence_class,
        count(*) filter (where i.group_id = g.parent_group_id and i.month_start < g.split_month)
            as parent_incidents_before,
        count(*) filter (where i.group_id = g.parent_group_id and i.month_start > g.split_month)
            as parent_incidents_after,
        count(*) filter (where i.group_id = g.child_group_id and i.month_start > g.split_month)
            as child_incidents_after,
        count(*) filter (where i.group_family_id = g.family_id and i.month_start < g.split_month)
            as family_incidents_before,
        count(*) filter (where i.group_family_id = g.family_id and i.month_start > g.split_month)
            as family_incidents_after,
        coalesce(sum(i.fatalities_best) filter (where i.group_id = g.parent_group_id
                                                      and i.month_start < g.split_month), 0)
            as parent_fatalities_best_before,
        coalesce(sum(i.fatalities_best) filter (where i.group_id = g.parent_group_id
                                                      and i.month_start > g.split_month), 0)
            as parent_fatalities_best_after,
        coalesce(sum(i.fatalities_best) filter (where i.group_id = g.child_group_id
                                                      and i.month_start > g.split_month), 0)
            as child_fatalities_best_after,
        coalesce(sum(i.fatalities_best) filter (where i.group_family_id = g.family_id
                                                      and i.month_start < g.split_month), 0)
            as family_fatalities_best_before,
        coalesce(sum(i.fatalities_best) filter (where i.group_family_id = g.family_id
                                                      and i.month_start > g.split_month), 0)
            as family_fatalities_best_after,
        count(*) filter (where i.group_family_id = g.family_id
                               and i.month_start < g.split_month and i.fatalities_best is null)
            as family_incidents_unknown_fatalities_before,
        count(*) filter (where i.group_family_id = g.family_id
                               and i.month_start > g.split_month and i.fatalities_best is null)
            as family_incidents_unknown_fatalities_after,
        count(*) filter (where i.group_family_id = g.family_id and i.month_start < g.split_month and i.is_doubtful)
            as family_doubtful_incidents_before,
        count(*) filter (where i.group_family_id = g.family_id and i.month_start > g.split_month and i.is_doubtful)
            as family_doubtful_incidents_after
    from grid g
    left join marts.incident_facts i
      on i.source = g.source
     and i.month_start >= (g.split_month - to_months(g.window_months))::date
     and i.month_start <  (g.split_month + to_months(g.window_months + 1))::date
     and (coalesce(i.violence_class, 'unclassified') = g.violence_class
          or (g.violence_class = 'all' and coalesce(i.violence_class, 'unclassified')
                                           not in ('foreign_air_strike', 'not_political_violence')))
    group by all
),
covered as (
    select distinct v.source, v.country, v.month_start from core.source_coverage v where v.countable
),
window_coverage as (
    select g.parent_group_id, g.child_group_id, g.split_date, g.window_months, g.source,
           count(distinct c.month_start) filter (where c.month_start <> g.split_month) as covered_months
    from (select distinct s.parent_group_id, s.child_group_id, s.split_date, s.split_month, w.window_months, x.source,
                 coalesce(p.base_country, 'Pakistan') as country
          from splits s cross join windows w cross join (select distinct source from sources) x
          left join core.groups p on p.group_id = s.parent_group_id) g
    left join covered c
      on c.source = g.source and c.country = g.country
     and c.month_start between (g.split_month - to_months(g.window_months))::date
                           and (g.split_month + to_months(g.window_months))::date
    group by all
)
select c.*, g.family_id as family_group_id,
       coalesce(v.covered_months, 0) = 2 * c.window_months as window_covered
from counted c
join splits g using (parent_group_id, child_group_id, split_date)
left join window_coverage v using (parent_group_id, child_group_id, split_date, window_months, source)
order by parent_group_id, child_group_id, split_date, window_months, source, violence_class
