-- core.incidents from staging.gtd. GTD gives one figure per event: low = best = high.
-- imonth unknown (0, or the codes -9/-99) -> precision year (event_date = 1 January); iday unknown ->
-- precision month (the 1st).
-- Labels missing from the file (attacktype1_txt, targtype1_txt, country_txt) come from the GTD codebook.
with attack_types(code, label) as (values
    (1, 'Assassination'), (2, 'Armed Assault'), (3, 'Bombing/Explosion'), (4, 'Hijacking'),
    (5, 'Hostage Taking (Barricade Incident)'), (6, 'Hostage Taking (Kidnapping)'),
    (7, 'Facility/Infrastructure Attack'), (8, 'Unarmed Assault'), (9, 'Unknown')
),
target_types(code, label) as (values
    (1, 'Business'), (2, 'Government (General)'), (3, 'Police'), (4, 'Military'), (5, 'Abortion Related'),
    (6, 'Airports & Aircraft'), (7, 'Government (Diplomatic)'), (8, 'Educational Institution'),
    (9, 'Food or Water Supply'), (10, 'Journalists & Media'), (11, 'Maritime'), (12, 'NGO'), (13, 'Other'),
    (14, 'Private Citizens & Property'), (15, 'Religious Figures/Institutions'), (16, 'Telecommunication'),
    (17, 'Terrorists/Non-State Militia'), (18, 'Tourists'), (19, 'Transportation'), (20, 'Unknown'),
    (21, 'Utilities'), (22, 'Violent Political Party')
),
countries(code, label) as (values
    (4, 'Afghanistan'), (92, 'India'), (94, 'Iran'), (153, 'Pakistan'), (44, 'China'), (213, 'Uzbekistan')
),
dated as (
    select
        g.*,
        case when g.imonth <= 0 then make_date(g.iyear, 1, 1)
             when g.iday <= 0 then make_date(g.iyear, g.imonth, 1)
             else make_date(g.iyear, g.imonth, g.iday) end as event_date,
        case when g.imonth <= 0 then 'year' when g.iday <= 0 then 'month' else 'day' end as date_precision,
        coalesce(g.country_txt, c.label, 'GTD country code ' || g.country) as country_name
    from staging.gtd g
    left join countries c on c.code = g.country
)
select
    'gtd:' || d.eventid                                  as incident_id,
    'gtd'                                                as source,
    d.eventid                                            as source_event_id,
    'attack'                                             as event_type,
    d.event_date,
    d.date_precision,
    cast(null as date)                                   as event_end_date,
    d.country_name                                       as country,
    conform_admin1(d.country_name, d.provstate, d.event_date) as admin1,
    d.provstate                                          as admin1_published,
    cast(null as varchar)                                as admin2,
    d.city                                               as location,
    d.latitude,
    d.longitude,
    cast(d.specificity as varchar)                       as geo_precision,
    coalesce(d.attacktype1_txt, a.label)                 as attack_type,
    coalesce(d.targtype1_txt, t.label)                   as target_type,
    d.gname                                              as perpetrator_raw,
    count_or_unknown(d.nkill)                            as fatalities_best,
    count_or_unknown(d.nkill)                            as fatalities_low,
    count_or_unknown(d.nkill)                            as fatalities_high,
    count_or_unknown(d.nwound)                           as wounded,
    case d.suicide when 1 then true when 0 then false end  as is_suicide,
    case d.doubtterr when 1 then true when 0 then false end as is_doubtful,
    'attack'                                             as source_category,
    count_or_unknown(d.nkillter)                         as deaths_perpetrators,
    d.source_file
from dated d
left join attack_types a on a.code = d.attacktype1
left join target_types t on t.code = d.targtype1
