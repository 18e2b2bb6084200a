-- core.incidents from staging.newamerica_drones: every row is one US drone strike (perpetrator the United
-- States, a state actor: no group). Deaths: low = total_low, best = total_avg, high = total_high, as
-- published. admin1 from province; where province is blank, from region: a tribal agency of FATA
-- (Waziristan, Kurram, Khyber, Bajaur, Orakzai, Mohmand) stands for FATA, a province name for itself.
-- admin2 = region (agency or district), location = village. The targeted organisation is in
-- core.incident_perpetrators (role target).
select
    'newamerica_drones:' || s.source_event_id           as incident_id,
    'newamerica_drones'                                  as source,
    s.source_event_id,
    'drone_strike'                                       as event_type,
    s.strike_date                                        as event_date,
    'day'                                                as date_precision,
    cast(null as date)                                   as event_end_date,
    'Pakistan'                                           as country,
    conform_admin1('Pakistan', coalesce(s.province,
        case when regexp_matches(lower(s.region), '(waziristan|kurram|khyber agency|^khyber$|bajaur|orakzai|mohmand)')
             then 'Federally Administered Tribal Areas' else s.region end), s.strike_date) as admin1,
    coalesce(s.province, s.region)                       as admin1_published,
    s.region                                             as admin2,
    s.village                                            as location,
    s.geo_lat                                            as latitude,
    s.geo_lon                                            as longitude,
    cast(null as varchar)                                as geo_precision,
    coalesce(s.strike_type, 'Drone strike')              as attack_type,
    s.target_type,
    'United States'                                      as perpetrator_raw,
    count_or_unknown(s.total_avg)                        as fatalities_best,
    count_or_unknown(s.total_low)                        as fatalities_low,
    count_or_unknown(s.total_high)                       as fatalities_high,
    cast(null as double)                                 as wounded,
    cast(null as boolean)                                as is_suicide,
    cast(null as boolean)                                as is_doubtful,
    'drone_strike'                                       as source_category,
    s.source_file
from staging.newamerica_drones s
