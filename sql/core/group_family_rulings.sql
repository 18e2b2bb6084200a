-- core.group_family_rulings: for a split_from or faction_of relation, whether the child stays in its parent's
-- family (stays_in_movement), is its own family (own_organisation) or leaves the family at the split
-- (left_movement), each cited. Read by marts.group_family_membership.
select relation_id, ruling, note, source, source_url
from staging.curated_group_family_rulings
