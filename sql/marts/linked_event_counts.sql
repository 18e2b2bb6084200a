-- marts.linked_event_counts: per year x country x province x event class x group family, the distinct events
-- (clusters, docs/linkage.md), each source's count, the pairwise overlaps and a multiple-systems estimate of all
-- events with its 95% interval. The estimate columns are filled by pipelines/defs/linkage/linked_counts.py (Chapman for two
-- sources, Poisson log-linear models for three or more, the model chosen by AIC: docs/data_dictionary.md).
-- source_events: source -> events it recorded; pairwise_overlaps: one entry per pair of the cell's sources with the
-- events in A only (a_only), in B only (b_only) and in both (in_both).
with h as (
    select *, string_split(capture_history, '+') as sources from marts.linked_event_histories
),
cells as (
    select period_start, country, admin1, event_class, group_family,
           sum(events)::bigint as distinct_events,
           list_sort(list_distinct(flatten(list(sources)))) as sources
    from h group by all
),
per_source as (
    select period_start, country, admin1, event_class, group_family, s as source, sum(events)::bigint as events
    from h, unnest(sources) u(s)
    group by all
),
pairs as (
    select c.period_start, c.country, c.admin1, c.event_class, c.group_family, a.s as source_a, b.s as source_b
    from cells c, unnest(c.sources) a(s), unnest(c.sources) b(s)
    where a.s < b.s
),
pair_counts as (
    select p.period_start, p.country, p.admin1, p.event_class, p.group_family, p.source_a, p.source_b,
           coalesce(sum(h.events) filter (where list_contains(h.sources, p.source_a)
                                            and not list_contains(h.sources, p.source_b)), 0)::bigint as a_only,
           coalesce(sum(h.events) filter (where list_contains(h.sources, p.source_b)
                                            and not list_contains(h.sources, p.source_a)), 0)::bigint as b_only,
           coalesce(sum(h.events) filter (where list_contains(h.sources, p.source_a)
                                            and list_contains(h.sources, p.source_b)), 0)::bigint as in_both
    from pairs p
    join h on h.period_start = p.period_start and h.country is not distinct from p.country
          and h.admin1 is not distinct from p.admin1 and h.event_class is not distinct from p.event_class
          and h.group_family is not distinct from p.group_family
    group by all
),
overlap_lists as (
    select period_start, country, admin1, event_class, group_family,
           list({source_a: source_a, source_b: source_b, a_only: a_only, b_only: b_only, in_both: in_both}
                order by source_a, source_b) as pairwise_overlaps
    from pair_counts group by all
)
select c.period_start, c.country, c.admin1, c.event_class, c.group_family, c.distinct_events,
       len(c.sources) as n_sources,
       (select map(list(source order by source), list(events order by source)) from per_source s
        where s.period_start = c.period_start and s.country is not distinct from c.country
          and s.admin1 is not distinct from c.admin1 and s.event_class is not distinct from c.event_class
          and s.group_family is not distinct from c.group_family) as source_events,
       o.pairwise_overlaps,
       null::varchar as estimator,
       null::double  as estimated_events,
       null::double  as estimate_low,
       null::double  as estimate_high
from cells c
left join overlap_lists o
  on o.period_start = c.period_start and o.country is not distinct from c.country
 and o.admin1 is not distinct from c.admin1 and o.event_class is not distinct from c.event_class
 and o.group_family is not distinct from c.group_family
order by c.period_start, c.country, c.admin1, c.event_class, c.group_family
