-- staging.acled_deletions: events ACLED deleted, as its deletions endpoint publishes them (event_id_cnty,
-- deleted_timestamp = Unix seconds of the deletion). One file per pull under raw/acled/deletions/.
-- Reads temp table raw_rows (all VARCHAR, _row_number); _reject_column / _reject_reason as every model.
with typed as (
    select
        _row_number,
        nullif(trim(event_id_cnty), '')   as event_id_cnty,
        code_int(deleted_timestamp)       as deleted_timestamp,
        deleted_timestamp                 as _deleted_text
    from raw_rows
)
select
    * exclude (_deleted_text),
    case when event_id_cnty is null then 'event_id_cnty'
         when deleted_timestamp is null then 'deleted_timestamp' end as _reject_column,
    case when event_id_cnty is null then 'event_id_cnty is empty'
         when deleted_timestamp is null
             then 'deleted_timestamp is not a whole number: ' || coalesce(_deleted_text, '(empty)')
    end as _reject_reason
from typed
