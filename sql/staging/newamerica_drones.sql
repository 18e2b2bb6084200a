-- staging.newamerica_drones: New America drone strikes in Pakistan, typed and as published. Reads temp
-- table raw_rows, one row per data row. Counts are DOUBLE (total_avg has halves); blanks stay NULL.
-- source_event_id = strike date + ordinal of the row among that date's strikes in file order
-- ("20090805-1"): the sheet has no id, and several strikes share date, village and region, so a hash of
-- those would not be unique. Stable across re-runs of one file. A row repeating another row in every
-- column is quarantined and takes no ordinal.
-- sources: the seven columns all headed `Source` (DuckDB renames them Source, Source_1, ...), blanks dropped.
-- leaders_named: leader_names split into persons, each {name, aliases} (rules at `persons` below).
-- _reject_column / _reject_reason: why a row is quarantined instead of staged (first problem found).
with marked as (
    select
        r.*,
        try_strptime(trim(r.date), '%m/%d/%Y')::date as _strike_date,
        min(r._row_number) over (partition by md5(cast(struct_pack(*columns(* exclude (_row_number))) as varchar)))
            as _first_same_row,
        [*columns('^Source(_[0-9]+)?$')] as _source_cells
    from raw_rows r
),
numbered as (
    select
        *,
        case when _first_same_row = _row_number and _strike_date is not null
             then row_number() over (partition by _strike_date, _first_same_row = _row_number order by _row_number)
        end as _ordinal_in_date
    from marked
),
persons as (
    -- Several persons (leaders_killed > 1) are separated by commas and "and"; one person's other spellings
    -- by "aka", "also known as", "/" or commas ("Jamil-ud-Din (RFE/RL), Jamiuddin (Reuters)"). Bracketed
    -- attributions, a leading "Identified as" and the hedge "probably" are dropped (leader_names keeps them).
    select
        _row_number,
        case when code_int(leaders_killed) = 1 then [_names_cell]
             else string_split_regex(_names_cell, '\s*,\s*(?:and\s+)?|\s+and\s+', 'i') end as _person_cells
    from (select _row_number, leaders_killed,
                 nullif(trim(regexp_replace(regexp_replace(trim(leader_names), '^identified as\s+', '', 'i'),
                                            '[\s.,;]+$', '')), '') as _names_cell
          from numbered)
),
named as (
    select
        _row_number,
        list_transform(
            list_filter(list_transform(_person_cells, lambda p: list_filter(
                list_transform(string_split_regex(regexp_replace(p, '\s*\([^)]*\)', '', 'g'),
                                                  '\s*,?\s+(?:aka|also known as)\s+|\s*/\s*|\s*,\s*', 'i'),
                               lambda s: trim(s)),
                lambda s: s <> '' and lower(s) <> 'probably')), lambda spellings: len(spellings) > 0),
            lambda spellings: {'name': spellings[1], 'aliases': spellings[2:]}) as leaders_named
    from persons
    where _person_cells is not null
),
typed as (
    select
        n._row_number,
        strftime(n._strike_date, '%Y%m%d') || '-' || n._ordinal_in_date  as source_event_id,
        code_int(n.strikes)                        as strikes,
        n._strike_date                             as strike_date,
        nullif(trim(n.village), '')                as village,
        nullif(trim(n.region), '')                 as region,
        code_int(n.year)                           as year,
        code_int(n.leaders_killed)                 as leaders_killed,
        nullif(trim(n.leader_names), '')           as leader_names,
        coalesce(l.leaders_named, [])              as leaders_named,
        nullif(trim(n.leader_description), '')     as leader_description,
        try_cast(n.militants_low as double)        as militants_low,
        try_cast(n.militants_high as double)       as militants_high,
        try_cast(n.militants_avg as double)        as militants_avg,
        try_cast(n.unknown_low as double)          as unknown_low,
        try_cast(n.unknown_high as double)         as unknown_high,
        try_cast(n.unknown_avg as double)          as unknown_avg,
        try_cast(n.civilians_low as double)        as civilians_low,
        try_cast(n.civilians_high as double)       as civilians_high,
        try_cast(n.civilians_avg as double)        as civilians_avg,
        try_cast(n.total_low as double)            as total_low,
        try_cast(n.total_high as double)           as total_high,
        try_cast(n.total_avg as double)            as total_avg,
        nullif(trim(n.president_name), '')         as president_name,
        code_int(n.president_number)               as president_number,
        nullif(trim(n.target_type), '')            as target_type,
        nullif(trim(n.target_description), '')     as target_description,
        nullif(trim(n.target_organization_name), '') as target_organization_name,
        nullif(trim(n.target_group), '')           as target_group,
        try_cast(n.geo_lat as double)              as geo_lat,
        try_cast(n.geo_lon as double)              as geo_lon,
        nullif(trim(n.province), '')               as province,
        nullif(trim(n.strike_type), '')            as strike_type,
        list_filter(list_transform(n._source_cells, lambda s: trim(s)), lambda s: nullif(s, '') is not null)
                                                   as sources,
        -- for the reject rules
        n._first_same_row,
        n.date as _date_text,
        case
            when not_a_number(n.strikes) then 'strikes'
            when not_a_number(n.leaders_killed) then 'leaders_killed'
            when not_a_number(n.militants_low) then 'militants_low'
            when not_a_number(n.militants_high) then 'militants_high'
            when not_a_number(n.militants_avg) then 'militants_avg'
            when not_a_number(n.unknown_low) then 'unknown_low'
            when not_a_number(n.unknown_high) then 'unknown_high'
            when not_a_number(n.unknown_avg) then 'unknown_avg'
            when not_a_number(n.civilians_low) then 'civilians_low'
            when not_a_number(n.civilians_high) then 'civilians_high'
            when not_a_number(n.civilians_avg) then 'civilians_avg'
            when not_a_number(n.total_low) then 'total_low'
            when not_a_number(n.total_high) then 'total_high'
            when not_a_number(n.total_avg) then 'total_avg'
            when not_a_number(n.geo_lat) then 'geo_lat'
            when not_a_number(n.geo_lon) then 'geo_lon'
        end as _bad_number_column,
        to_json(n) as _raw
    from numbered n
    left join named l using (_row_number)
)
select
    * exclude (_first_same_row, _date_text, _bad_number_column, _raw),
    case
        when strike_date is null then 'date'
        when _first_same_row < _row_number then null
        when _bad_number_column is not null then _bad_number_column
        when leaders_killed < 0 then 'leaders_killed'
    end as _reject_column,
    case
        when strike_date is null
            then 'date ' || coalesce('''' || _date_text || '''', 'blank') || ' is not a date (m/d/Y)'
        when _first_same_row < _row_number
            then 'duplicate: every column repeats row ' || _first_same_row
        when _bad_number_column is not null
            then _bad_number_column || ' ''' || (_raw ->> _bad_number_column) || ''' is not a number'
        when leaders_killed < 0 then 'leaders_killed ' || leaders_killed || ' is negative'
    end as _reject_reason
from typed
