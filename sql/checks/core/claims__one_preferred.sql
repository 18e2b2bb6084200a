-- severity: ERROR
-- description: every disputed fact has exactly one preferred claim
select subject_table || ':' || subject_id || ':' || attribute as id
from core.claims
group by subject_table, subject_id, attribute
having count(*) filter (where is_preferred) <> 1
