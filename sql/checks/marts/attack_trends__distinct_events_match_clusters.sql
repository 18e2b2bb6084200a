-- severity: ERROR
-- description: the year rows of source 'distinct_events' in marts.attack_trends add up to the clusters of
-- core.event_clusters whose representative is a counted incident (marts.incident_facts): each linked event is
-- counted once, in its representative's year, and none is lost
with clusters as (
    select count(*) as events
    from core.event_clusters c
    join marts.incident_facts f on f.incident_id = c.incident_id
    where c.is_representative
),
trend as (
    select coalesce(sum(incidents), 0) as events
    from marts.attack_trends where period_grain = 'year' and source = 'distinct_events'
)
select 'core.event_clusters ' || c.events || ' counted clusters; attack_trends distinct_events ' || t.events as id
from clusters c, trend t
where c.events <> t.events
