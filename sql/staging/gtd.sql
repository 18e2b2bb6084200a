-- staging.gtd: Global Terrorism Database rows, typed and as published (unknown codes such as -9 are
-- kept here; the core model turns them into NULL). imonth/iday of 0, -9 or -99 all mean unknown. Reads temp table raw_rows, one row per data row.
-- _reject_column / _reject_reason: why a row is quarantined instead of staged (first problem found).
-- Only rows that cannot be typed are quarantined; values that type but break a rule (a duplicated eventid,
-- a negative count) are staged as published and stopped by the blocking checks on core.incidents.
with typed as (
    select
        _row_number,
        nullif(trim(eventid), '')                  as eventid,
        code_int(iyear)                            as iyear,
        code_int(imonth)                           as imonth,
        code_int(iday)                             as iday,
        nullif(trim(approxdate), '')               as approxdate,
        code_int(extended)                         as extended,
        code_int(country)                          as country,
        nullif(trim(country_txt), '')              as country_txt,
        nullif(trim(region_txt), '')               as region_txt,
        nullif(trim(provstate), '')                as provstate,
        nullif(trim(city), '')                     as city,
        try_cast(latitude as double)               as latitude,
        try_cast(longitude as double)              as longitude,
        code_int(specificity)                      as specificity,
        code_int(crit1)                            as crit1,
        code_int(crit2)                            as crit2,
        code_int(crit3)                            as crit3,
        code_int(doubtterr)                        as doubtterr,
        code_int(multiple)                         as multiple,
        code_int(success)                          as success,
        code_int(suicide)                          as suicide,
        code_int(attacktype1)                      as attacktype1,
        nullif(trim(attacktype1_txt), '')          as attacktype1_txt,
        code_int(targtype1)                        as targtype1,
        nullif(trim(targtype1_txt), '')            as targtype1_txt,
        nullif(trim(gname), '')                    as gname,
        nullif(trim(gsubname), '')                 as gsubname,
        nullif(trim(gname2), '')                   as gname2,
        nullif(trim(gname3), '')                   as gname3,
        code_int(guncertain1)                      as guncertain1,
        try_cast(nkill as double)                  as nkill,
        try_cast(nkillter as double)               as nkillter,
        try_cast(nwound as double)                 as nwound,
        -- for the reject rules
        nkill as _nkill_text, nwound as _nwound_text, iyear as _iyear_text, imonth as _imonth_text,
        iday as _iday_text
    from raw_rows
)
select
    * exclude (_nkill_text, _nwound_text, _iyear_text, _imonth_text, _iday_text),
    case
        when eventid is null then 'eventid'
        when iyear is null then 'iyear'
        when imonth is null or (imonth not between 0 and 12 and imonth not in (-9, -99)) then 'imonth'
        when iday is null or (iday not between 0 and 31 and iday not in (-9, -99)) then 'iday'
        when imonth > 0 and iday > 0 and try_cast(printf('%04d-%02d-%02d', iyear, imonth, iday) as date) is null
            then 'iday'
        when country is null and country_txt is null then 'country_txt'
        when not_a_number(_nkill_text) then 'nkill'
        when not_a_number(_nwound_text) then 'nwound'
    end as _reject_column,
    case
        when eventid is null then 'eventid is empty'
        when iyear is null then 'iyear ' || coalesce(_iyear_text, 'blank') || ' is not a year'
        when imonth is null or (imonth not between 0 and 12 and imonth not in (-9, -99))
            then 'imonth ' || coalesce(_imonth_text, 'blank') || ' is not 0-12 (or an unknown code)'
        when iday is null or (iday not between 0 and 31 and iday not in (-9, -99))
            then 'iday ' || coalesce(_iday_text, 'blank') || ' is not 0-31 (or an unknown code)'
        when imonth > 0 and iday > 0 and try_cast(printf('%04d-%02d-%02d', iyear, imonth, iday) as date) is null
            then 'impossible date ' || printf('%04d-%02d-%02d', iyear, imonth, iday)
        when country is null and country_txt is null then 'no country (country_txt and country are blank)'
        when not_a_number(_nkill_text) then 'nkill ' || _nkill_text || ' is not a number'
        when not_a_number(_nwound_text) then 'nwound ' || _nwound_text || ' is not a number'
    end as _reject_reason
from typed
