-- severity: WARN
-- description: every incident's source category has a rule in raw/curated/violence_classes.csv, so that it has a
-- violence_class (an unclassified incident is counted only in 'all' rows as 'unclassified'): add the missing rule.
select source || ' category ' || coalesce(source_category, '(none)') || ': ' || count(*) || ' incidents' as id
from core.incidents
where violence_class is null
group by source, source_category
order by count(*) desc
