-- severity: WARN
-- description: a relation does not start before either group was founded (allowing for the founding date's precision)
select r.relation_id as id
from core.group_relations r
join core.groups g on g.group_id in (r.from_group_id, r.to_group_id)
where r.start_date is not null and g.founded_on is not null
  and r.start_date < g.founded_on
  and r.relation_type not in ('renamed_to')
