-- dq.unmapped_relation_assertions: relation assertions of UCDP and MMP kept out of core.group_relations, with
-- the reason (a group not mapped, no direction, nothing to attach an affiliation to). Counted, never dropped.
select source_system, source_record, source_type, from_external_id, to_external_id, from_group_id, to_group_id,
       start_date, start_precision, touches_pakistan_map, unmapped_reason as reason
from core.group_relation_sources
where relation_id is null
order by source_system, source_record
