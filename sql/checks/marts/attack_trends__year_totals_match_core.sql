-- severity: ERROR
-- description: per source, the year rows of marts.attack_trends add up to every incident of core.incidents and
-- to its known fatalities: no incident is dropped by a join or counted in two rows of one year (an undated
-- incident is in the row whose period_start is NULL)
with core_totals as (
    -- an exact copy of an earlier row (duplicate_of) is one incident, counted once by every mart
    select source, count(*) as incidents, coalesce(sum(fatalities_best), 0) as fatalities_best
    from core.incidents where duplicate_of is null group by all
),
mart_totals as (
    select source, sum(incidents) as incidents, coalesce(sum(fatalities_best), 0) as fatalities_best
    -- the linked events ('distinct_events') re-count the sources' incidents: checked against the clusters apart
    from marts.attack_trends where period_grain = 'year' and source <> 'distinct_events' group by all
)
select coalesce(c.source, m.source) || ': core.incidents ' || coalesce(c.incidents, 0) || ' incidents, '
       || coalesce(c.fatalities_best, 0) || ' killed; attack_trends years ' || coalesce(m.incidents, 0)
       || ' incidents, ' || coalesce(m.fatalities_best, 0) || ' killed' as id
from core_totals c
full join mart_totals m on m.source = c.source
where c.incidents is distinct from m.incidents
   or abs(coalesce(c.fatalities_best, 0) - coalesce(m.fatalities_best, 0))
      > 1e-6 * greatest(1, abs(coalesce(c.fatalities_best, 0)))
