-- staging.acled: ACLED export rows, typed and as published (categories kept as ACLED spells them, e.g.
-- disorder_type 'Demostrations' in the acledR sample). Numbers may be written as floats ('2022.0').
-- inter1/inter2/interaction are codes before ACLED's 2024 layout and labels after it: a whole number is
-- kept as its integer, any other text as published. timestamp = when ACLED last changed the event (Unix
-- seconds); it decides which export's version of an event wins in the core model.
-- event_date is ISO (2022-02-23) in API/export-tool CSVs and '23 February 2022' in older exports.
-- Reads temp table raw_rows, one row per data row.
-- _reject_column / _reject_reason: why a row is quarantined instead of staged (first problem found).
with typed as (
    select
        _row_number,
        nullif(trim(event_id_cnty), '')            as event_id_cnty,
        coalesce(try_cast(trim(event_date) as date),
                 try_cast(try_strptime(trim(event_date), '%d %B %Y') as date)) as event_date,
        code_int(year)                             as year,
        code_int(time_precision)                   as time_precision,
        nullif(trim(disorder_type), '')            as disorder_type,
        nullif(trim(event_type), '')               as event_type,
        nullif(trim(sub_event_type), '')           as sub_event_type,
        nullif(trim(actor1), '')                   as actor1,
        nullif(trim(assoc_actor_1), '')            as assoc_actor_1,
        coalesce(cast(code_int(inter1) as varchar), nullif(trim(inter1), ''))           as inter1,
        nullif(trim(actor2), '')                   as actor2,
        nullif(trim(assoc_actor_2), '')            as assoc_actor_2,
        coalesce(cast(code_int(inter2) as varchar), nullif(trim(inter2), ''))           as inter2,
        coalesce(cast(code_int(interaction) as varchar), nullif(trim(interaction), '')) as interaction,
        nullif(trim(civilian_targeting), '')       as civilian_targeting,
        code_int(iso)                              as iso,
        nullif(trim(region), '')                   as region,
        nullif(trim(country), '')                  as country,
        nullif(trim(admin1), '')                   as admin1,
        nullif(trim(admin2), '')                   as admin2,
        nullif(trim(admin3), '')                   as admin3,
        nullif(trim(location), '')                 as location,
        try_cast(latitude as double)               as latitude,
        try_cast(longitude as double)              as longitude,
        code_int(geo_precision)                    as geo_precision,
        nullif(trim(source), '')                   as source,
        nullif(trim(source_scale), '')             as source_scale,
        nullif(trim(notes), '')                    as notes,
        try_cast(fatalities as double)             as fatalities,
        nullif(trim(tags), '')                     as tags,
        code_int("timestamp")                      as "timestamp",
        -- for the reject rules
        count(*) over (partition by nullif(trim(event_id_cnty), ''))            as _id_count,
        min(_row_number) over (partition by nullif(trim(event_id_cnty), ''))    as _id_first_row,
        event_date as _date_text, time_precision as _precision_text, fatalities as _fatalities_text,
        "timestamp" as _timestamp_text
    from raw_rows
)
select
    * exclude (_id_count, _id_first_row, _date_text, _precision_text, _fatalities_text, _timestamp_text),
    case
        when event_id_cnty is null then 'event_id_cnty'
        when _id_count > 1 and _row_number > _id_first_row then 'event_id_cnty'
        when event_date is null then 'event_date'
        when time_precision is null or time_precision not in (1, 2, 3) then 'time_precision'
        when not_a_number(_fatalities_text) then 'fatalities'
        when fatalities < 0 then 'fatalities'
        when nullif(trim(_timestamp_text), '') is not null and "timestamp" is null then 'timestamp'
    end as _reject_column,
    case
        when event_id_cnty is null then 'event_id_cnty is empty'
        when _id_count > 1 and _row_number > _id_first_row
            then 'duplicate event_id_cnty ' || event_id_cnty || ' (first at row ' || _id_first_row || ')'
        when event_date is null then 'event_date ' || coalesce(_date_text, 'blank') || ' is not a date'
        when time_precision is null or time_precision not in (1, 2, 3)
            then 'time_precision ' || coalesce(_precision_text, 'blank') || ' is not 1, 2 or 3'
        when not_a_number(_fatalities_text) then 'fatalities ' || _fatalities_text || ' is not a number'
        when fatalities < 0 then 'fatalities ' || _fatalities_text || ' is negative'
        when nullif(trim(_timestamp_text), '') is not null and "timestamp" is null
            then 'timestamp ' || _timestamp_text || ' is not a whole number of seconds'
    end as _reject_reason
from typed
