-- The one input of record linkage (pipelines/defs/linkage/matching.py): every incident of marts.incident_facts with the
-- fields that block and compare candidate pairs. Switching linkage to other columns (a harmonized province, a
-- violence class, another group-family table) is an edit of this file only.
-- date_start/date_end: the period the event may have happened in (a month-precise date spans its month, a
-- year-precise one its year, a range to its end date). event_class: drone_strike, suicide_attack, attack,
-- battle, one_sided_violence. place_key: the first part of the place name ("Datta Khel, 12 miles west of
-- Miram Shah" -> "dattakhel"), lower case, letters only, with a few transliteration variants folded
-- (docs/linkage.md). admin2_key: the district or agency without "agency"/"district"/"frontier region".
-- group_family: the group family, or us_drone_programme for a US drone strike (a state actor, no group).
-- compare_within_source: whether two rows of the same source are compared (sources that repeat themselves;
-- GTD and UCDP GED publish one row per event by design and their extract rows carry no place to tell them apart).
with facts as (
    select * from marts.incident_facts
),
prepared as (
    select
        incident_id,
        source,
        source_file,
        case
            when event_type = 'drone_strike' then 'drone_strike'
            when is_suicide or attack_type ilike '%suicide%' then 'suicide_attack'
            else event_type
        end                                                                  as event_class,
        event_date                                                           as date_start,
        case when date_precision = 'range' then coalesce(event_end_date, event_date)
             else period_end(event_date, date_precision) end                 as date_end,
        date_precision,
        year(event_date)                                                     as event_year,
        country,
        -- admin1: one unit across the 2018 FATA merger
        admin1_harmonized                                                    as admin1,
        nullif(trim(regexp_replace(regexp_replace(lower(admin2),
            '\b(agency|district|frontier region|tehsil|province)\b', '', 'g'), '[^a-z]+', '', 'g')), '')
                                                                             as admin2_key,
        nullif(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            lower(trim(regexp_extract(location, '^[^,;(\-]*'))),
            '^(near|outskirts of|the outskirts of|village of|area of)\s+', ''),
            '\b(village|area|town|city|bazaar|bazar|tehsil|district|agency)\b', '', 'g'),
            '[^a-z]+', '', 'g'),
            -- transliteration variants: Miram Shah / Miranshah, Dattakhel / Datta Khel (spaces already gone)
            'miram', 'miran', 'g'), '')                                      as place_key,
        -- the whole place description, letters only, variants folded the same way
        nullif(regexp_replace(regexp_replace(lower(location), '[^a-z]+', '', 'g'), 'miram', 'miran', 'g'), '')
                                                                             as place_text,
        latitude,
        longitude,
        coalesce(group_family_id, case when event_type = 'drone_strike' then 'us_drone_programme' end)
                                                                             as group_family,
        nullif(lower(target_type), 'unknown')                                as target,
        fatalities_best                                                      as deaths_best,
        coalesce(fatalities_low, fatalities_best)                            as deaths_low,
        coalesce(fatalities_high, fatalities_best)                           as deaths_high,
        source not in ('gtd', 'ucdp_ged')                                    as compare_within_source
    from facts
)
select *,
       -- compatible classes are compared; others never (a drone strike is never a bombing)
       case when event_class in ('drone_strike') then ['air', 'ground_battle']
            when event_class = 'battle' then ['ground_battle', 'ground']
            else ['ground'] end                                              as class_groups,
       md5(row(event_class, date_start, date_end, date_precision, country, admin1, admin2_key, place_key, place_text,
               latitude, longitude, group_family, target, deaths_best, deaths_low, deaths_high)::varchar)
                                                                             as row_key
from prepared
