-- A table macro, not a model: created (again) right before a model that calls it runs (create_macros in
-- pipelines/engine/warehouse.py), since DuckDB binds a table macro's tables when it is created; a model that calls it
-- depends on the tables it reads. Used by sql/core/leaders.sql and sql/core/leadership_events.sql.
-- newamerica_leader_persons(): every person New America names as killed in a drone strike
-- (staging.newamerica_drones.leaders_named), one row per strike and person (person_ordinal: its place in
-- leaders_named), and the leader it is. Matching is exact, never fuzzy: after normalize_person_name (lower case,
-- accents dropped, every run of other characters one space) one of the person's spellings (name and aliases)
-- equals the curated leader's name, the name without its quoted nickname ("Khalid Mehsud 'Sajna'"), an alias,
-- or the leader_id read as words ("ilyas_kashmiri"). matches_curated says whether any curated leader matched;
-- leader_id is the first (least) curated leader_id that did, else the slug of the person's name.
create or replace macro newamerica_leader_persons() as table
with curated_spellings as (
    select leader_id, normalize_person_name(spelling) as spelling
    from (select leader_id,
                 unnest(list_concat([name, regexp_replace(name, '\s*[''"‘’“”][^''"‘’“”]+[''"‘’“”]', '', 'g'),
                                     replace(leader_id, '_', ' ')], coalesce(aliases, []))) as spelling
          from staging.curated_leaders)
),
named_persons as (
    select s.source_event_id, s.strike_date, s.target_organization_name, s.leader_description, s.leader_names,
           'newamerica_drones:' || s.source_event_id as incident_id,
           s.leaders_named[i].name as name, s.leaders_named[i].aliases as aliases, i as person_ordinal,
           list_transform(list_concat([s.leaders_named[i].name], s.leaders_named[i].aliases),
                          lambda x: normalize_person_name(x))
               as spellings
    from staging.newamerica_drones s
    cross join lateral (select unnest(range(1, len(s.leaders_named) + 1)) as i) g
)
select p.*,
       exists (select 1 from curated_spellings c where list_contains(p.spellings, c.spelling)) as matches_curated,  -- noqa: LT06
       coalesce((select min(c.leader_id) from curated_spellings c where list_contains(p.spellings, c.spelling)),
                trim(regexp_replace(lower(strip_accents(p.name)), '[^a-z0-9]+', '_', 'g'), '_')) as leader_id
from named_persons p;
