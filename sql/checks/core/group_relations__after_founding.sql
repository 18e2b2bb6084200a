-- severity: WARN
-- description: a relation does not start before either group was founded (each date read at its precision: a
-- relation dated "December 2007" is fine for a group founded on 14 December 2007)
select r.relation_id || ' (' || g.group_id || ' founded ' || g.founded_on || ')' as id
from core.group_relations r
join core.groups g on g.group_id in (r.from_group_id, r.to_group_id)
where r.start_date is not null and g.founded_on is not null
  and period_end(r.start_date, r.start_precision) < g.founded_on
  and r.relation_type not in ('renamed_to')
