-- Candidate pairs for record linkage (pipelines/defs/linkage/matching.py), from temp table link_input
-- (sql/linkage/event_link_input.sql). Blocking, as docs/linkage.md argues:
--   date: each record stands for every day from date_start - 1 to date_end + 1, so two records meet when
--     their periods are at most two days apart (a month-precise date meets every day of its month; a
--     year-precise one, or a range longer than 62 days, says too little to place it and is not blocked);
--   place: within 50 km when both have coordinates, or the same district/agency, or the same province when
--     one side names no district (coordinates of some lists are an agency's centre, so the district also
--     counts when both have coordinates); a record with no place below the country (the GTD extract) meets
--     any record of its country on those days;
--   class: a drone strike only meets drone strikes and battles, a bombing never a drone strike.
-- Variable link_changed_ids: when set, only pairs with at least one side among those incidents (an
-- incremental re-link); NULL = every pair.
with days as not materialized (
    select incident_id, source, country,
           unnest(generate_series(date_start - 1, date_end + 1, interval 1 day))::date as day
    from link_input
    where date_start is not null and date_end - date_start <= 62
),
-- Every (country, day) key once per partner source present in the country, with the side the record is on:
-- the joins below are equi-joins between two sources' records only, so that a source that never meets itself
-- (GTD: 125,000 rows, 12,000 a year in Iraq) costs in proportion to its size, never its square, and a
-- country where no other source reports (most of GTD's) gives no keys at all.
partners as (select distinct country, source, compare_within_source from link_input),
keyed as not materialized (
    select d.incident_id, d.country, d.day, least(d.source, p.source) as source_low,
           greatest(d.source, p.source) as source_high, d.source < p.source as is_low
    from days d join partners p on p.country = d.country and p.source <> d.source
),
within as not materialized (
    select d.* from days d join partners p on p.country = d.country and p.source = d.source
    where p.compare_within_source
),
met as (
    select distinct least(c.incident_id, d.incident_id) as id_l, greatest(c.incident_id, d.incident_id) as id_r
    from keyed c
    join keyed d on d.country = c.country and d.day = c.day and d.source_low = c.source_low
                and d.source_high = c.source_high and d.is_low = (not c.is_low)
    where getvariable('link_changed_ids') is null or list_contains(getvariable('link_changed_ids'), c.incident_id)
    union
    select least(c.incident_id, d.incident_id), greatest(c.incident_id, d.incident_id)
    from within c
    join within d on d.country = c.country and d.day = c.day and d.source = c.source
                 and d.incident_id <> c.incident_id
    where getvariable('link_changed_ids') is null or list_contains(getvariable('link_changed_ids'), c.incident_id)
)
select '0' as match_key, m.id_l as join_key_l, m.id_r as join_key_r
from met m
join link_input l on l.incident_id = m.id_l
join link_input r on r.incident_id = m.id_r
where len(list_intersect(l.class_groups, r.class_groups)) > 0
  and (  -- great-circle distance (km) within 50 when both have coordinates
          2 * 6371 * asin(sqrt(pow(sin(radians(r.latitude - l.latitude) / 2), 2)
              + cos(radians(l.latitude)) * cos(radians(r.latitude))
                * pow(sin(radians(r.longitude - l.longitude) / 2), 2)))
              <= 50
       or l.admin2_key = r.admin2_key
       or ((l.admin2_key is null or r.admin2_key is null) and l.admin1 = r.admin1)
       or (l.admin1 is null and l.admin2_key is null and l.latitude is null)
       or (r.admin1 is null and r.admin2_key is null and r.latitude is null))
