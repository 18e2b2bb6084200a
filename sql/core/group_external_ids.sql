-- core.group_external_ids: each group's id in UCDP and in the Stanford MMP. A UCDP actor is matched by name
-- through core.group_aliases (UCDP's own spellings first, then our group names; no fuzzy matching), trying its
-- current name (NameData, then the last NewName) before its earlier and full names; MMP ids come from the
-- curated crosswalk raw/curated/mmp_group_crosswalk.csv. UCDP reuses short names across countries ('BRA' is
-- also the Bougainville Revolutionary Army, 'JEM' Sudan's Justice and Equality Movement): an actor located
-- elsewhere than Pakistan or Afghanistan is matched only by a UCDP spelling that no actor located there holds.
with actors as (
    select *, list_contains(locations, 'Pakistan') or list_contains(locations, 'Afghanistan') as is_pak_afg
    from staging.ucdp_actors
    qualify row_number() over (partition by actor_id order by version desc nulls last, source_file desc) = 1
),
names as (
    select actor_id, name_data, version, is_pak_afg, unnest(names) as name, generate_subscripts(names, 1) as name_rank
    from (select actor_id, name_data, version, is_pak_afg,
                 [name_data, new_names[-1], new_name_full_eng, name_orig, name_orig_full_eng, name_orig_full] as names
          from actors)
),
matches as (
    select n.actor_id, n.name_data, n.version, a.group_id, a.alias, a.source_system,
           n.name_rank, case a.source_system when 'ucdp' then 1 else 2 end as system_rank
    from names n
    join core.group_aliases a
      on a.alias_normalized = normalize_group_name(n.name) and a.source_system in ('ucdp', 'curated')
    where n.name is not null
      and (n.is_pak_afg or (a.source_system = 'ucdp' and a.alias_normalized not in (
          select normalize_group_name(x.name) from names x where x.is_pak_afg and x.name is not null)))
)
select group_id, 'ucdp' as system, cast(actor_id as varchar) as external_id, name_data as external_name,
       'alias ''' || alias || ''' (' || source_system || ')' as matched_by,
       'UCDP Actor Dataset ' || coalesce(version, '') as source, 'https://ucdp.uu.se/downloads/' as source_url
from matches
qualify row_number() over (partition by actor_id order by system_rank, name_rank, group_id) = 1
union all
select group_id, 'mmp', cast(mmp_group_id as varchar), mmp_name, 'raw/curated/mmp_group_crosswalk.csv', source,
       source_url
from staging.curated_mmp_group_crosswalk
