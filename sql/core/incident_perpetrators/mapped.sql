-- core.incident_perpetrators from staging.mapped: every name of the mapping's `perpetrators` column in order
-- (primary, secondary, tertiary, then additional), suspected when the cell marks it so (NULL when the mapping
-- names no suspected_marker); a dataset mapping only perpetrator_raw gives that one name as primary.
-- The same row per event as core.incidents: that of the file whose path sorts last.
with latest as (
    select *,
           coalesce(perpetrators, case when perpetrator_raw is not null
                                       then [{'name': perpetrator_raw, 'suspected': null::boolean}] end) as names
    from staging.mapped
    qualify row_number() over (partition by source_name, source_event_id order by source_file desc) = 1
)
select source_name || ':' || source_event_id as incident_id,
       name.name as perpetrator_raw,
       case position when 1 then 'primary' when 2 then 'secondary' when 3 then 'tertiary' else 'additional' end
           as role,
       source_file,
       -- the column's name said, not left to DuckDB's naming of a struct field
       name.suspected as suspected  -- noqa: AL09
from (select source_name, source_event_id, source_file, unnest(names) as name,
             unnest(range(1, len(names) + 1)) as position
      from latest where names is not null)
