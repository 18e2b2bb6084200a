-- severity: WARN
-- description: per source and file, incidents dated (to the month) outside the period core.source_coverage gives
-- the file for their country: kept as published, but no event study or policy outcome counts them (e.g. the two
-- July 2018 rows appended to the Kaggle suicide file, the Candidate release's late additions from earlier months).
select i.source_file || ': ' || count(*) || ' incidents outside its coverage, e.g. ' || min(i.incident_id) as id
from core.incidents i
where i.source <> 'curated' and i.date_precision in ('day', 'month', 'range')
  and not exists (select 1 from core.source_coverage c
                  where c.source = i.source and c.country = i.country
                    and c.month_start = date_trunc('month', i.event_date))
group by i.source_file
