-- core.incidents from staging.acled, one row per event_id_cnty across every staged export: ACLED edits
-- events in place (same event_id_cnty, newer timestamp), so the version with the greatest timestamp wins
-- (ties: the later file name). The adapter re-conforms all ACLED files whenever one changes.
-- Dates (ACLED codebook, time_precision): 1 = the day; 2 = the source gives a week or a span of a few days
-- and ACLED codes its middle day (acledR sample: 'between 20 - 24 March' -> 22 March, 'week of' events on
-- the middle day), so the known period is the week centred on that day: 'range' event_date - 3 ..
-- event_date + 3; 3 = only the month is known (ACLED codes the 15th or so): 'month', the 1st of that month.
-- event_type: Battles -> battle; Explosions/Remote violence -> attack, but its sub_event_type
-- 'Air/drone strike' -> drone_strike; Violence against civilians -> one_sided_violence; Protests, Riots and
-- Strategic developments -> other. attack_type is ACLED's sub_event_type.
-- ACLED gives one fatality figure: low = best = high. Perpetrator: actor1 (its associated actors are in
-- core.incident_perpetrators). is_suicide: true for 'Suicide bomb', false for the other explosion
-- sub-types, unknown for events ACLED does not classify by method.
with latest as (
    select *
    from staging.acled
    qualify row_number() over (partition by event_id_cnty
                               order by "timestamp" desc nulls last, source_file desc) = 1
),
dated as (
    select
        a.*,
        case a.time_precision when 1 then a.event_date
                              when 2 then a.event_date - 3
                              when 3 then date_trunc('month', a.event_date)::date end as period_start,
        case a.time_precision when 1 then 'day' when 2 then 'range' when 3 then 'month' end as date_precision
    from latest a
)
select
    'acled:' || d.event_id_cnty                          as incident_id,
    'acled'                                              as source,
    d.event_id_cnty                                      as source_event_id,
    case
        when d.event_type = 'Battles' then 'battle'
        when d.event_type = 'Explosions/Remote violence' and d.sub_event_type = 'Air/drone strike' then 'drone_strike'
        when d.event_type = 'Explosions/Remote violence' then 'attack'
        when d.event_type = 'Violence against civilians' then 'one_sided_violence'
        else 'other'
    end                                                  as event_type,
    d.period_start                                       as event_date,
    d.date_precision,
    case when d.time_precision = 2 then d.event_date + 3 end as event_end_date,
    d.country,
    conform_admin1(d.country, d.admin1, d.period_start)  as admin1,
    d.admin1                                             as admin1_published,
    d.admin2,
    d.location,
    d.latitude,
    d.longitude,
    cast(d.geo_precision as varchar)                     as geo_precision,
    d.sub_event_type                                     as attack_type,
    cast(null as varchar)                                as target_type,
    d.actor1                                             as perpetrator_raw,
    d.fatalities                                         as fatalities_best,
    d.fatalities                                         as fatalities_low,
    d.fatalities                                         as fatalities_high,
    cast(null as double)                                 as wounded,
    case when d.sub_event_type = 'Suicide bomb' then true
         when d.event_type = 'Explosions/Remote violence' then false end as is_suicide,
    cast(null as boolean)                                as is_doubtful,
    -- ACLED's event type, and for armed violence the kind of actor (inter codes: 1 state forces, 8 external
    -- forces, i.e. a state's forces outside its own country; raw/curated/violence_classes.csv)
    case when d.event_type in ('Battles', 'Explosions/Remote violence', 'Violence against civilians')
         then d.event_type || ';' || case
             when d.event_type = 'Battles' and '1' in (d.inter1, d.inter2) then 'state_forces'
             when d.event_type = 'Battles' and '8' in (d.inter1, d.inter2) then 'external_forces'
             when d.event_type <> 'Battles' and d.inter1 = '1' then 'state_forces'
             when d.event_type <> 'Battles' and d.inter1 = '8' then 'external_forces'
             else 'non_state' end
         else d.event_type end                           as source_category,
    d.source_file
from dated d
