-- severity: ERROR
-- description: per source, marts.incident_facts holds exactly the incidents of core.incidents (same count, same
-- known fatalities): every mart counts from it, so an incident lost or doubled by its file-by-file refresh
-- would be lost or doubled in every mart
with core_totals as (
    -- an exact copy of an earlier row (duplicate_of) is one incident, counted once by every mart
    select source, count(*) as incidents, coalesce(sum(fatalities_best), 0) as fatalities_best
    from core.incidents where duplicate_of is null group by all
),
mart_totals as (
    select source, count(*) as incidents, coalesce(sum(fatalities_best), 0) as fatalities_best
    from marts.incident_facts group by all
)
select coalesce(c.source, m.source) || ': core.incidents ' || coalesce(c.incidents, 0) || ' incidents, '
       || coalesce(c.fatalities_best, 0) || ' killed; marts.incident_facts ' || coalesce(m.incidents, 0)
       || ' incidents, ' || coalesce(m.fatalities_best, 0) || ' killed' as id
from core_totals c
full join mart_totals m on m.source = c.source
where c.incidents is distinct from m.incidents
   or abs(coalesce(c.fatalities_best, 0) - coalesce(m.fatalities_best, 0))
      > 1e-6 * greatest(1, abs(coalesce(c.fatalities_best, 0)))
