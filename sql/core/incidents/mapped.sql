-- core.incidents from staging.mapped: each mapping is its own source (source = the mapping's source_name,
-- incident_id = '<source_name>:<source_event_id>').
-- Files of one source_name are versions of one dataset (e.g. two Kaggle releases of the same sheet): per
-- event, the row of the file whose path sorts last wins, so newer files must sort later (docs/mappings.md).
-- A published range without a best figure gets fatalities_best (and wounded) per the mapping's
-- best_estimate: none (unknown), low, high or midpoint; a single published figure gives low = best = high.
with latest as (
    select *
    from staging.mapped
    qualify row_number() over (partition by source_name, source_event_id order by source_file desc) = 1
),
counted as (
    select *,
           count_or_unknown(fatalities_best) as best_given,
           count_or_unknown(fatalities_low)  as low_given,
           count_or_unknown(fatalities_high) as high_given,
           count_or_unknown(wounded)         as wounded_given,
           count_or_unknown(wounded_low)     as wounded_low_given,
           count_or_unknown(wounded_high)    as wounded_high_given
    from latest
)
select
    source_name || ':' || source_event_id                        as incident_id,
    source_name                                                  as source,
    source_event_id,
    event_type,
    event_date,
    case when event_end_date > event_date then 'range' else date_precision end as date_precision,
    event_end_date,
    country,
    conform_admin1(country, admin1, event_date)                  as admin1,
    admin1                                                       as admin1_published,
    admin2,
    location,
    latitude,
    longitude,
    geo_precision,
    attack_type,
    target_type,
    perpetrator_raw,
    coalesce(best_given, case best_estimate
        when 'low' then coalesce(low_given, high_given)
        when 'high' then coalesce(high_given, low_given)
        when 'midpoint' then (coalesce(low_given, high_given) + coalesce(high_given, low_given)) / 2
    end)                                                         as fatalities_best,
    case when low_given is null and high_given is null then best_given else low_given end  as fatalities_low,
    case when low_given is null and high_given is null then best_given else high_given end as fatalities_high,
    coalesce(wounded_given, case best_estimate
        when 'low' then coalesce(wounded_low_given, wounded_high_given)
        when 'high' then coalesce(wounded_high_given, wounded_low_given)
        when 'midpoint' then (coalesce(wounded_low_given, wounded_high_given)
                              + coalesce(wounded_high_given, wounded_low_given)) / 2
    end)                                                         as wounded,
    is_suicide,
    is_doubtful,
    'event_type=' || event_type                                  as source_category,
    source_file,
    source_name || ':' || duplicate_of_event                     as duplicate_of
from counted
