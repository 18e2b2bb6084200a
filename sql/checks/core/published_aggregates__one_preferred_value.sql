-- severity: ERROR
-- description: one preferred value per (publisher, country, period, measure, event type); every edition or definition of a figure is one row
select publisher || ':' || country || ':' || period_start || ':' || measure || coalesce(':' || event_type, '') as id
from core.published_aggregates
group by publisher, country, period_start, period_grain, measure, event_type
having count(*) filter (where is_preferred) <> 1
union all
select publisher || ':' || country || ':' || period_start || ':' || measure || ' (' || coalesce(report, '') || ') twice'
    as id
from core.published_aggregates
group by publisher, report, country, period_start, period_grain, measure, event_type, definition
having count(*) > 1
