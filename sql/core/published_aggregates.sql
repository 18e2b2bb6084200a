-- core.published_aggregates: totals as published, each with its own definition and edition (`report`): several
-- editions or definitions of one figure are several rows, one preferred. Curated yearly totals (PIPS, PICSS,
-- CRSS, SATP) and ACLED's country-month aggregates by event type (raw/acled_aggregates/: one edition per file,
-- named by the months it spans; where files overlap, the one reaching furthest is preferred).
select
    publisher, report, country, period_start, period_grain, measure, value, definition, note,
    source, source_url, cast(null as varchar) as event_type, is_preferred, cast(null as varchar) as source_file
from staging.curated_published_aggregates
union all
select
    'ACLED' as publisher,
    'ACLED country-month aggregates, ' || strftime(first_month, '%Y-%m') || ' to ' || strftime(last_month, '%Y-%m')
        as report,
    country, period_start, 'month' as period_grain, measure, value,
    -- one definition for the events and the fatalities of a type, so that they sit on one reconciliation row
    'ACLED event type ' || event_type || ': ' || case event_type
        when 'Battles' then 'violent clashes between two armed, organised groups (state forces, rebels, militias)'
        when 'Explosions/Remote violence' then 'one-sided attacks with explosives or remote weapons '
            || '(bombs, IEDs, suicide attacks, air and drone strikes, shelling)'
        when 'Violence against civilians' then 'an organised armed group deliberately harming unarmed non-combatants'
        when 'Protests' then 'non-violent demonstrations (not political violence)'
        when 'Riots' then 'violent demonstrations and mob violence'
        when 'Strategic developments'
            then 'non-violent events of note (agreements, arrests, territory changes), not violence'
        else 'as ACLED defines it' end
        || ' (ACLED codebook; every actor, state forces included)' as definition,
    cast(null as varchar) as note,
    'ACLED (Armed Conflict Location & Event Data), country-month aggregates' as source,
    'https://acleddata.com/' as source_url,
    event_type,
    -- a figure in several files (editions): the one of the file reaching furthest is preferred
    row_number() over (partition by country, period_start, event_type, measure
                       order by last_month desc, source_file desc) = 1 as is_preferred,
    source_file
from (select *, min(period_start) over (partition by source_file) as first_month,
             max(period_start) over (partition by source_file) as last_month
      from staging.acled_aggregates)
