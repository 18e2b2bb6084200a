-- core.incidents from staging.curated_incidents (our notable incidents, each with its source).
-- Sources give a range of deaths: fatalities_best is the low end (the most conservative figure, as ACLED
-- does) and every disputed count is in core.claims.
select
    'curated:' || source_event_id      as incident_id,
    'curated'                          as source,
    source_event_id,
    'attack'                           as event_type,
    event_date,
    date_precision,
    cast(null as date)                 as event_end_date,
    country,
    conform_admin1(country, admin1, event_date) as admin1,
    admin1                             as admin1_published,
    admin2,
    location,
    latitude,
    longitude,
    case when latitude is not null then 'curated' end as geo_precision,
    attack_type,
    target_type,
    perpetrator_raw,
    group_id,
    cast(fatalities_low as double)     as fatalities_best,
    cast(fatalities_low as double)     as fatalities_low,
    cast(fatalities_high as double)    as fatalities_high,
    cast(wounded as double)            as wounded,
    coalesce(is_suicide, attack_type = 'suicide_bombing') as is_suicide,
    cast(null as boolean)              as is_doubtful,
    'attack'                           as source_category,
    source_file
from staging.curated_incidents
