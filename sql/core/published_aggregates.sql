-- core.published_aggregates: yearly or monthly totals as published (PIPS, PICSS, ...), with what they count.
select
    publisher, report, country, period_start, period_grain, measure, value, definition, note,
    source, source_url
from staging.curated_published_aggregates
