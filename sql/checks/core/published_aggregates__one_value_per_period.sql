-- severity: ERROR
-- description: one value per (publisher, country, period, measure)
select publisher || ':' || country || ':' || period_start || ':' || measure as id
from core.published_aggregates
group by publisher, country, period_start, period_grain, measure
having count(*) > 1
