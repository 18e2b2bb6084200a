-- severity: ERROR
-- description: a relation does not end before it starts
select relation_id as id from core.group_relations where end_date < start_date
