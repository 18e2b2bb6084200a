-- severity: ERROR
-- description: a version's known period is ordered (known_to after known_from), a closed version says what
-- closed it, a deleted one was closed by the deletion, and a current one is open
select incident_id || ' ' || coalesce(release, '?') || ' (known ' || coalesce(known_from::varchar, '?') || ' to '
       || coalesce(known_to::varchar, 'now') || ', ' || coalesce(closed_by, 'current') || ')' as id
from core.incident_versions
where known_to < known_from
   or (is_current and (known_to is not null or closed_by is not null or deleted_at is not null))
   or (not is_current and closed_by is null)
   or (deleted_at is not null and deleted_at is distinct from known_to)
