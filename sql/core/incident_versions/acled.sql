-- core.incident_versions from staging.acled: every version of every event. ACLED edits events in place (same
-- event_id_cnty, newer timestamp): each distinct (event_id_cnty, timestamp) is one version (the same version in
-- two exports or pulls is taken once, from the later file name), known from its timestamp (ACLED's own
-- time of the change, UTC) until the next version's timestamp (closed_by 'edited') or until ACLED deleted the
-- event (staging.acled_deletions: deleted_at, closed_by 'deleted'). A version with neither is current: it
-- is what core.incidents holds (sql/core/incidents/acled.sql).
-- The columns are those of core.incidents, plus release (the file), known_from, known_to, deleted_at, closed_by.
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
with staged as (
    select *
    from staging.acled
    qualify row_number() over (partition by event_id_cnty, "timestamp" order by source_file desc) = 1
),
deletions as (
    select event_id_cnty, make_timestamp(deleted_timestamp * 1000000) as deleted_at from staging.acled_deletions
),
versioned as (
    select s.*, make_timestamp(s."timestamp" * 1000000) as known_from,
           lead(make_timestamp(s."timestamp" * 1000000)) over (
               partition by s.event_id_cnty order by s."timestamp" nulls first, s.source_file) as next_from
    from staged s
),
closed as (
    -- the first deletion at or after a version's start and before the next version ends it
    select v.*, (select min(d.deleted_at) from deletions d
                 where d.event_id_cnty = v.event_id_cnty
                   and d.deleted_at >= coalesce(v.known_from, '-infinity'::timestamp)
                   and (v.next_from is null or d.deleted_at < v.next_from)) as deleted_at
    from versioned v
),
dated as (
    select
        a.*,
        case a.time_precision when 1 then a.event_date
                              when 2 then a.event_date - 3
                              when 3 then date_trunc('month', a.event_date)::date end as period_start,
        case a.time_precision when 1 then 'day' when 2 then 'range' when 3 then 'month' end as date_precision
    from closed a
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
    d.source_file,
    regexp_extract(d.source_file, '[^/]*$')              as release,
    d.known_from,
    coalesce(d.deleted_at, d.next_from)                  as known_to,
    d.deleted_at,
    case when d.deleted_at is not null then 'deleted'
         when d.next_from is not null then 'edited' end  as closed_by,
    d.deleted_at is null and d.next_from is null         as is_current
from dated d
