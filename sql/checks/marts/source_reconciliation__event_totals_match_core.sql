-- severity: ERROR
-- description: per source, the event-data rows of marts.source_reconciliation add up to every incident of
-- core.incidents and to its known fatalities, so that the yearly figures set beside PIPS's totals are the
-- warehouse's own (no year or country lost on the way)
with core_totals as (
    -- an exact copy of an earlier row (duplicate_of) is one incident, counted once by every mart
    select source, count(*) as incidents, coalesce(sum(fatalities_best), 0) as fatalities_best
    from core.incidents where duplicate_of is null group by all
),
mart_totals as (
    select source, sum(incidents) as incidents, coalesce(sum(fatalities_best), 0) as fatalities_best
    -- the 'all' row of each year holds every violence class once
    from marts.source_reconciliation where kind = 'event_data' and violence_class = 'all' group by all
)
select coalesce(c.source, m.source) || ': core.incidents ' || coalesce(c.incidents, 0) || ' incidents, '
       || coalesce(c.fatalities_best, 0) || ' killed; source_reconciliation ' || coalesce(m.incidents, 0)
       || ' incidents, ' || coalesce(m.fatalities_best, 0) || ' killed' as id
from core_totals c
full join mart_totals m on m.source = c.source
where c.incidents is distinct from m.incidents
   or abs(coalesce(c.fatalities_best, 0) - coalesce(m.fatalities_best, 0))
      > 1e-6 * greatest(1, abs(coalesce(c.fatalities_best, 0)))
