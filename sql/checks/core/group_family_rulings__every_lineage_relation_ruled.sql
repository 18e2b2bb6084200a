-- severity: WARN
-- description: every split_from / faction_of relation has a family ruling (without one the child is taken to stay in its parent's family, basis unruled_split)
select r.relation_id as id from core.group_relations r
left join core.group_family_rulings f using (relation_id)
where r.relation_type in ('split_from', 'faction_of') and f.relation_id is null
