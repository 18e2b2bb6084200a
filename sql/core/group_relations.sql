-- core.group_relations: dated relations, read "from_group <relation_type> to_group".
select
    relation_id, from_group_id, to_group_id, relation_type,
    start_date, start_precision, end_date, end_precision,
    source, source_url, note
from staging.curated_group_relations
