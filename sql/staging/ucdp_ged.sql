-- staging.ucdp_ged: UCDP GED events, typed and as published (any release; the HDX hashtag row is dropped
-- before this model runs). Deaths are DOUBLE and kept as UCDP gives them, including the rows where
-- low <= best <= high does not hold (a check flags those; they are not repaired here).
-- Dates are written '1990-10-04 00:00:00.000' by the HDX and Candidate exports and '1990-10-04' by others.
-- Reads temp table raw_rows, one row per data row.
-- _reject_column / _reject_reason: why a row is quarantined instead of staged (first problem found).
with typed as (
    select
        _row_number,
        nullif(trim(id), '')                       as id,
        nullif(trim(relid), '')                    as relid,
        code_int(year)                             as year,
        nullif(trim(active_year), '')              as active_year,
        nullif(trim(code_status), '')              as code_status,
        code_int(type_of_violence)                 as type_of_violence,
        nullif(trim(conflict_new_id), '')          as conflict_new_id,
        nullif(trim(conflict_name), '')            as conflict_name,
        nullif(trim(dyad_new_id), '')              as dyad_new_id,
        nullif(trim(dyad_name), '')                as dyad_name,
        nullif(trim(side_a_new_id), '')            as side_a_new_id,
        nullif(trim(side_a), '')                   as side_a,
        nullif(trim(side_b_new_id), '')            as side_b_new_id,
        nullif(trim(side_b), '')                   as side_b,
        code_int(number_of_sources)                as number_of_sources,
        nullif(trim(source_office), '')            as source_office,
        nullif(trim(source_original), '')          as source_original,
        code_int(where_prec)                       as where_prec,
        nullif(trim(where_coordinates), '')        as where_coordinates,
        nullif(trim(where_description), '')        as where_description,
        nullif(trim(adm_1), '')                    as adm_1,
        nullif(trim(adm_2), '')                    as adm_2,
        try_cast(latitude as double)               as latitude,
        try_cast(longitude as double)              as longitude,
        code_int(priogrid_gid)                     as priogrid_gid,
        nullif(trim(country), '')                  as country,
        code_int(country_id)                       as country_id,
        nullif(trim(region), '')                   as region,
        code_int(event_clarity)                    as event_clarity,
        code_int(date_prec)                        as date_prec,
        try_cast(try_cast(trim(date_start) as timestamp) as date) as date_start,
        try_cast(try_cast(trim(date_end) as timestamp) as date)   as date_end,
        try_cast(deaths_a as double)               as deaths_a,
        try_cast(deaths_b as double)               as deaths_b,
        try_cast(deaths_civilians as double)       as deaths_civilians,
        try_cast(deaths_unknown as double)         as deaths_unknown,
        try_cast(best as double)                   as best,
        try_cast(low as double)                    as low,
        try_cast(high as double)                   as high,
        -- for the reject rules
        count(*) over (partition by nullif(trim(id), ''))            as _id_count,
        min(_row_number) over (partition by nullif(trim(id), ''))    as _id_first_row,
        type_of_violence as _type_text, date_start as _start_text, date_end as _end_text,
        best as _best_text, low as _low_text, high as _high_text
    from raw_rows
)
select
    * exclude (_id_count, _id_first_row, _type_text, _start_text, _end_text, _best_text, _low_text, _high_text),
    case
        when id is null then 'id'
        when _id_count > 1 and _row_number > _id_first_row then 'id'
        when type_of_violence is null or type_of_violence not in (1, 2, 3) then 'type_of_violence'
        when date_start is null then 'date_start'
        when date_end is null then 'date_end'
        when not_a_number(_best_text) then 'best'
        when not_a_number(_low_text) then 'low'
        when not_a_number(_high_text) then 'high'
    end as _reject_column,
    case
        when id is null then 'id is empty'
        when _id_count > 1 and _row_number > _id_first_row
            then 'duplicate id ' || id || ' (first at row ' || _id_first_row || ')'
        when type_of_violence is null or type_of_violence not in (1, 2, 3)
            then 'type_of_violence ' || coalesce(_type_text, 'blank') || ' is not 1, 2 or 3'
        when date_start is null then 'date_start ' || coalesce(_start_text, 'blank') || ' is not a date'
        when date_end is null then 'date_end ' || coalesce(_end_text, 'blank') || ' is not a date'
        when not_a_number(_best_text) then 'best ' || _best_text || ' is not a number'
        when not_a_number(_low_text) then 'low ' || _low_text || ' is not a number'
        when not_a_number(_high_text) then 'high ' || _high_text || ' is not a number'
    end as _reject_reason
from typed
