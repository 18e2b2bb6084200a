-- severity: ERROR
-- description: every family ruling names a split_from or faction_of relation of core.group_relations
select f.relation_id as id from core.group_family_rulings f
left join core.group_relations r on r.relation_id = f.relation_id and r.relation_type in ('split_from', 'faction_of')
where r.relation_id is null
