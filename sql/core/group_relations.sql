-- core.group_relations: dated relations, read "from_group <relation_type> to_group", reconciled over every
-- source (core.group_relation_sources). Groups, type, source and note come from the preferred assertion
-- (curated, then UCDP, then MMP); the start date from the first source in that order that gives one (UCDP
-- gives none); `sources` lists every source system asserting the relation, preferred first.
with ranked as (
    select *, case source_system when 'curated' then 1 when 'ucdp' then 2 else 3 end as source_rank
    from core.group_relation_sources
    where relation_id is not null
),
dates as (
    select relation_id,
           arg_min(start_date, [source_rank::varchar, source_record]) as start_date,
           arg_min(start_precision, [source_rank::varchar, source_record]) as start_precision
    from ranked where start_date is not null
    group by relation_id
),
systems as (
    select relation_id, list(source_system order by source_rank) as sources
    from (select distinct relation_id, source_system, source_rank from ranked)
    group by relation_id
),
curated as (select relation_id, end_date, end_precision from staging.curated_group_relations)
select p.relation_id, p.from_group_id, p.to_group_id, p.relation_type,
       d.start_date, d.start_precision, c.end_date, c.end_precision,
       p.source, p.source_url, p.note, s.sources
from ranked p
left join dates d using (relation_id)
left join systems s using (relation_id)
left join curated c using (relation_id)
where p.is_preferred
