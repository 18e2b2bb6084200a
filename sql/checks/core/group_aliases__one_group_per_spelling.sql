-- severity: ERROR
-- description: within one source system a normalised spelling resolves to exactly one group
select source_system || ':' || alias_normalized || ' -> ' || string_agg(distinct group_id, '|') as id
from core.group_aliases
group by source_system, alias_normalized
having count(distinct group_id) > 1
