-- core.leaders: leaders and commanders; aliases as a list of other spellings.
-- Curated leaders, plus every leader New America names as killed in a drone strike
-- (staging.newamerica_drones.leaders_named) who matches no curated leader. Matching is exact, never fuzzy:
-- after normalisation (lower case, accents dropped, every run of other characters one space) one of the
-- New America spellings equals the curated name, the name without its quoted nickname ("Khalid Mehsud
-- 'Sajna'"), an alias, or the leader_id read as words ("ilyas_kashmiri"): the table macro
-- newamerica_leader_persons() (sql/macros/), shared with sql/core/leadership_events.sql. A new leader's leader_id
-- is the slug of its name, its group the strike's target_organization_name resolved through core.group_aliases
-- (newamerica, then curated) unless raw/curated/non_group_perpetrators.csv classes that name as not a group for
-- newamerica.
with unmatched as (
    select * from newamerica_leader_persons() where not matches_curated
),
new_leaders as (
    select
        u.leader_id,
        arg_min(u.name, (u.strike_date, u.source_event_id, u.person_ordinal)) as name,
        list_sort(list_distinct(flatten(list(u.aliases)))) as aliases,
        arg_min(u.target_organization_name, (u.strike_date, u.source_event_id, u.person_ordinal))
            as target_organization_name,
        arg_min(u.leader_description, (u.strike_date, u.source_event_id, u.person_ordinal)) as leader_description
    from unmatched u
    where u.leader_id not in (select leader_id from staging.curated_leaders)
    group by u.leader_id
),
alias_lookup as (
    -- names classed as not a group for New America ('Taliban', 'Unclear') give no group, even where a
    -- curated alias would resolve them
    select source_system, alias_normalized, min(group_id) as group_id from core.group_aliases
    where alias_normalized not in (select normalize_group_name(perpetrator_raw)
                                   from staging.curated_non_group_perpetrators where source_system = 'newamerica')
    group by all
)
select leader_id, name, aliases, group_id, role, note, source, source_url
from staging.curated_leaders
union all by name
select
    n.leader_id, n.name, n.aliases,
    coalesce(own.group_id, cur.group_id) as group_id,
    cast(null as varchar) as role,
    'Named killed in a US drone strike by New America; its description: ' || coalesce(n.leader_description, 'none')
        || ' (strike target: ' || coalesce(n.target_organization_name, 'blank') || ')' as note,
    'newamerica' as source,
    'https://www.newamerica.org/future-security/reports/americas-counterterrorism-wars/the-drone-war-in-pakistan/'
        as source_url
from new_leaders n
left join alias_lookup own on own.source_system = 'newamerica'
      and own.alias_normalized = normalize_group_name(n.target_organization_name)
left join alias_lookup cur on cur.source_system = 'curated'
      and cur.alias_normalized = normalize_group_name(n.target_organization_name)
