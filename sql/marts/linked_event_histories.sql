-- marts.linked_event_histories: distinct events (clusters of core.event_clusters) per year x country x province x
-- event class x group family x capture history, the set of sources that recorded the event ('bij+newamerica_drones').
-- A cluster counts in the cell of its representative (its most precise telling); its history lists every source
-- with a member in it. The input of the multiple-systems estimates of marts.linked_event_counts.
with clusters as (
    select cluster_id,
           any_value(event_date) filter (where is_representative)   as event_date,
           any_value(country) filter (where is_representative)      as country,
           any_value(admin1) filter (where is_representative)       as admin1,
           any_value(event_class) filter (where is_representative)  as event_class,
           any_value(group_family) filter (where is_representative) as group_family,
           list_sort(list_distinct(list(source)))                   as sources
    from core.event_clusters
    group by cluster_id
)
select date_trunc('year', event_date)::date as period_start, country, admin1, event_class, group_family,
       array_to_string(sources, '+') as capture_history, len(sources) as n_sources, count(*) as events
from clusters
group by all
order by all
