-- staging.mapped: rows of any mapped dataset (raw/mapped/<dataset>/), as incident fields typed per the dataset's
-- mapping.yaml (docs/mappings.md). The mapping arrives as temp tables mapping_fields (field -> source column or
-- constant, parser, on_error, replace rules), mapping_values, mapping_drop_rules and variables mapped_* (date
-- formats must be constants in DuckDB). Reads temp table raw_rows, one row per data row.
-- raw_values keeps every cell of the row as published (columns the mapping does not use included);
-- parse_notes says where a value was not taken literally ('40+' read as 40, a bad value set to NULL).
-- _reject_column / _reject_reason: why a row is quarantined instead of staged (first problem found).
with raw_cells as (
    select * from raw_rows
    unpivot include nulls (raw_text for source_column in (columns(* exclude (_row_number))))
),
cells as (
    select c._row_number, f.field, f.field_order, f.source_column, f.parser, f.on_error, f.unknown, c.raw_text,
           -- the field's replace rules, applied in order to the trimmed cell (sqlfluff cannot parse a lambda of
           -- two parameters: noqa: PRS below)
           trim(list_reduce(
               list_prepend({'pattern': null::varchar, 'replacement': trim(c.raw_text)}, f.replacements),  -- noqa: PRS
               lambda acc, r: {'pattern': null::varchar,
                               'replacement': regexp_replace(acc.replacement, r.pattern, r.replacement, 'g')}
           ).replacement) as clean_text
    from raw_cells c
    join mapping_fields f using (source_column)
    union all
    select r._row_number, f.field, f.field_order, null, f.parser, f.on_error, f.unknown, f.constant, f.constant
    from raw_rows r
    cross join mapping_fields f
    where f.source_column is null
),
translated as (
    select c.*,
           case when v.field is not null then v.field_value else c.clean_text end as translated_text
    from cells c
    left join mapping_values v on v.field = c.field and v.source_value = c.clean_text
),
valued as (
    select *,
           case when nullif(translated_text, '') is null
                  or list_contains(getvariable('mapped_null_values'), lower(translated_text))
                  -- the column's own unknown codes (columns.<field>.unknown: [-1, -9]), as text or as a number
                  or list_contains(unknown, translated_text)
                  or list_contains(list_transform(unknown, lambda u: try_cast(u as double)),
                                   try_cast(translated_text as double)) then null
                else translated_text end as text
    from translated
),
parsed as (
    select *,
           case parser
               when 'int' then code_int(text)::double
               when 'float' then try_cast(text as double)
               when 'int_lenient' then coalesce(code_int(text)::double, try_cast(replace(regexp_extract(text,
                   '^(?:~|>=?|about|approx\.?|at least|over|more than)?\s*([0-9][0-9,]*)\s*\+?$', 1, 'i'),
                   ',', '') as double))
           end as number_value,
           case field
               when 'event_date' then try_strptime(text, getvariable('mapped_event_date_formats'))::date
               when 'event_end_date' then try_strptime(text, getvariable('mapped_event_end_date_formats'))::date
           end as date_value,
           case field
               when 'event_date' then case
                   when try_strptime(text, getvariable('mapped_event_date_day_formats')) is not null then 'day'
                   when try_strptime(text, getvariable('mapped_event_date_month_formats')) is not null then 'month'
                   else 'year' end
               when 'event_end_date' then case
                   when try_strptime(text, getvariable('mapped_event_end_date_day_formats')) is not null then 'day'
                   when try_strptime(text, getvariable('mapped_event_end_date_month_formats')) is not null then 'month'
                   else 'year' end
           end as date_precision,
           case when parser = 'bool' then case
               when lower(text) in ('true', 't', 'yes', 'y', '1') then true
               when lower(text) in ('false', 'f', 'no', 'n', '0') then false end
           end as bool_value
    from valued
),
judged as (
    select *,
           coalesce(source_column, 'constant') || ' ' || coalesce('''' || raw_text || '''', 'blank') as _cell,
           case
               when text is null then null
               when parser in ('int', 'float', 'int_lenient') and number_value is null then
                   'is not ' || case parser when 'float' then 'a number' else 'a whole number' end
               when field in ('fatalities_best', 'fatalities_low', 'fatalities_high', 'wounded', 'wounded_low',
                              'wounded_high') and number_value < 0 and number_value not in (-9, -99)
                   then 'is negative (only -9/-99 mean unknown)'
               when parser = 'date' and date_value is null then 'matches none of the date_formats'
               when parser = 'bool' and bool_value is null then 'is not true/false/yes/no/1/0'
               when field = 'event_type'
                    and text not in ('attack', 'drone_strike', 'battle', 'one_sided_violence', 'other')
                   then 'is not an event_type (attack, drone_strike, battle, one_sided_violence, other)'
           end as _problem
    from parsed
),
noted as (
    select *,
           case
               when _problem is not null and on_error = 'null'
                   then _cell || ' ' || _problem || ': ' || field || ' left NULL'
               when _problem is null and parser = 'int_lenient' and code_int(text) is null and number_value is not null
                   then _cell || ' read as ' || number_value::bigint || ' (' || field || ')'
           end as _note
    from judged
),
per_row_fields as (
    select
        _row_number,
        case when getvariable('mapped_row_id_prefix')::varchar is not null
                 then getvariable('mapped_row_id_prefix')::varchar || _row_number
             when count(*) filter (where field = 'source_event_id' and text is null) = 0
             then string_agg(text, ' ' order by field_order) filter (where field = 'source_event_id') end
                                                                                    as source_event_id,
        any_value(text) filter (where field = 'event_type')                        as event_type,
        any_value(date_value) filter (where field = 'event_date')                  as event_date,
        any_value(date_precision) filter (where field = 'event_date' and date_value is not null) as date_precision,
        any_value(date_value) filter (where field = 'event_end_date')              as event_end_date,
        any_value(text) filter (where field = 'country')                           as country,
        any_value(text) filter (where field = 'admin1')                            as admin1,
        any_value(text) filter (where field = 'admin2')                            as admin2,
        any_value(text) filter (where field = 'location')                          as location,
        any_value(number_value) filter (where field = 'latitude' and _problem is null)  as latitude,
        any_value(number_value) filter (where field = 'longitude' and _problem is null) as longitude,
        any_value(text) filter (where field = 'geo_precision')                     as geo_precision,
        any_value(text) filter (where field = 'attack_type')                       as attack_type,
        any_value(text) filter (where field = 'target_type')                       as target_type,
        any_value(text) filter (where field = 'perpetrator_raw')                   as _perpetrator_text,
        any_value(text) filter (where field = 'perpetrators')                      as _perpetrators_text,
        any_value(number_value) filter (where field = 'event_date_year' and _problem is null)  as _year,
        any_value(number_value) filter (where field = 'event_date_month' and _problem is null) as _month,
        any_value(number_value) filter (where field = 'event_date_day' and _problem is null)   as _day,
        count(*) filter (where field = 'event_date_year') > 0                      as _date_in_parts,
        any_value(number_value) filter (where field = 'fatalities_best' and _problem is null) as fatalities_best,
        any_value(number_value) filter (where field = 'fatalities_low' and _problem is null)  as fatalities_low,
        any_value(number_value) filter (where field = 'fatalities_high' and _problem is null) as fatalities_high,
        any_value(number_value) filter (where field = 'wounded' and _problem is null)         as wounded,
        any_value(number_value) filter (where field = 'wounded_low' and _problem is null)     as wounded_low,
        any_value(number_value) filter (where field = 'wounded_high' and _problem is null)    as wounded_high,
        any_value(bool_value) filter (where field = 'is_suicide')                  as is_suicide,
        any_value(bool_value) filter (where field = 'is_doubtful')                 as is_doubtful,
        string_agg(_note, '; ' order by field_order)                               as parse_notes,
        -- the first problem that quarantines the row (a required field, or a field with on_error quarantine)
        arg_min(coalesce(source_column, field), field_order)
            filter (where _problem is not null and on_error = 'quarantine')        as _problem_column,
        arg_min(_cell || ' ' || _problem || ' (' || field || ')', field_order)
            filter (where _problem is not null and on_error = 'quarantine')        as _problem_reason,
        coalesce(any_value(coalesce(source_column, 'constant')) filter (where field = 'event_date'),
                 string_agg(source_column, '/' order by field_order)
                     filter (where field like 'event_date\_%' escape '\'))
                                                                                   as _date_column,
        any_value(coalesce(source_column, 'constant')) filter (where field = 'event_type') as _type_column
    from noted
    group by _row_number
),
per_row as (
    -- event_date from year/month/day columns: the precision is what is known (a day counts only with its month)
    select * exclude (event_date, date_precision, _perpetrator_text, _perpetrators_text, _year, _month, _day,
                      _date_in_parts, _date_parts),
           coalesce(event_date, _date_parts) as event_date,
           case when event_date is not null then date_precision
                when _date_parts is not null then case when _month is null then 'year'
                                                       when _day is null then 'month' else 'day' end
           end as date_precision,
           -- perpetrators: {column, separator, suspected_marker}: every name, and whether it is marked suspected
           _perpetrator_list::struct(name varchar, suspected boolean)[] as perpetrators,
           coalesce(_perpetrator_text, _perpetrator_list[1].name) as perpetrator_raw,
           case when _date_in_parts and _year is not null and _date_parts is null
                then _date_column || ' ' || _year::bigint || coalesce('-' || _month::bigint, '')
                     || coalesce('-' || _day::bigint, '') || ' is not a date (event_date)' end as _parts_problem
    from (
        select *,
               case when _date_in_parts and _year is not null then try_strptime(
                   printf('%04d-%02d-%02d', _year::bigint, coalesce(_month, 1)::bigint,
                          coalesce(case when _month is not null then _day end, 1)::bigint), '%Y-%m-%d')::date
               end as _date_parts,
               case when _perpetrators_text is not null then list_filter(list_transform(
                   string_split(_perpetrators_text, getvariable('mapped_perpetrator_separator')),
                   lambda n: {'name': nullif(trim(
                                  case when getvariable('mapped_suspected_marker')::varchar is null then n
                                       else regexp_replace(n, getvariable('mapped_suspected_marker')::varchar, '', 'gi')
                                  end), ''),
                              'suspected': case
                                  when getvariable('mapped_suspected_marker')::varchar is not null
                                      then regexp_matches(n, getvariable('mapped_suspected_marker')::varchar, 'i')
                              end}),
                   lambda p: p.name is not null) end as _perpetrator_list
        from per_row_fields
    )
),
dropped as (
    -- drop_rows rules: the first rule a row meets (e.g. a TOTALS line with a blank id) quarantines it
    select c._row_number, arg_min(d.source_column, d.rule_order) as _drop_column,
           arg_min(d.reason, d.rule_order) as _drop_reason
    from raw_cells c
    join mapping_drop_rules d using (source_column)
    where case d.kind
              when 'blank' then nullif(trim(c.raw_text), '') is null
              when 'equals' then trim(c.raw_text) = d.value
              when 'matches' then regexp_matches(coalesce(c.raw_text, ''), d.value)
          end
    group by c._row_number
),
typed as (
    select
        r._row_number,
        getvariable('mapped_dataset')       as dataset,
        getvariable('mapped_source_name')   as source_name,
        p.* exclude (_row_number, _problem_column, _problem_reason, _date_column, _type_column, _parts_problem),
        getvariable('mapped_best_estimate') as best_estimate,
        getvariable('mapped_coverage_from')::date          as coverage_from,
        getvariable('mapped_coverage_to')::date            as coverage_to,
        getvariable('mapped_coverage_countries')::varchar[] as coverage_countries,
        getvariable('mapped_alias_system')::varchar as alias_system,
        json_merge_patch(to_json(r), '{"_row_number": null}') as raw_values,
        d._drop_column, d._drop_reason, p._problem_column, p._problem_reason, p._date_column, p._type_column,
        p._parts_problem,
        count(*) over (partition by p.source_event_id, d._drop_reason is null) as _id_count,
        min(r._row_number) over (partition by p.source_event_id, d._drop_reason is null) as _id_first_row,
        -- id_column: _row_number: an exact copy of an earlier row (every cell equal) is marked as its duplicate
        case when getvariable('mapped_row_id_prefix')::varchar is not null then
            min(r._row_number) over (partition by json_merge_patch(to_json(r), '{"_row_number": null}')::varchar,
                                     d._drop_reason is null) end as _copy_first_row
    from raw_rows r
    left join per_row p using (_row_number)
    left join dropped d using (_row_number)
)
select
    * exclude (_drop_column, _drop_reason, _problem_column, _problem_reason, _date_column, _type_column,
               _id_count, _id_first_row, _copy_first_row, _parts_problem),
    (case when _copy_first_row < _row_number then getvariable('mapped_row_id_prefix')::varchar || _copy_first_row
     end)::varchar as duplicate_of_event,
    case
        when _drop_reason is not null then _drop_column
        when source_event_id is null then getvariable('mapped_id_columns')
        when _id_count > 1 and _row_number > _id_first_row then getvariable('mapped_id_columns')
        when _problem_reason is not null then _problem_column
        when _parts_problem is not null then _date_column
        when event_date is null then _date_column
        when event_type is null then _type_column
    end as _reject_column,
    case
        when _drop_reason is not null then _drop_reason
        when source_event_id is null then 'no event id: ' || getvariable('mapped_id_columns') || ' is blank'
        when _id_count > 1 and _row_number > _id_first_row
            then 'duplicate event id ' || source_event_id || ' in ' || getvariable('mapped_id_columns')
                 || ' (first at row ' || _id_first_row || ')'
        when _problem_reason is not null then _problem_reason
        when _parts_problem is not null then _parts_problem
        when event_date is null then _date_column || ' is blank: every incident needs a date (event_date)'
        when event_type is null then _type_column || ' is blank: every incident needs an event_type'
    end as _reject_reason
from typed
