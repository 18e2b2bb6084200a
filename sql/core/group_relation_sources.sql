-- core.group_relation_sources: every source's assertion of a relation, reconciled onto one relation per fact.
-- Precedence: curated, then UCDP, then MMP (docs/data_dictionary.md). A UCDP or MMP assertion supports an
-- existing relation when it links the same groups (MMP links carry no direction: either order) with a
-- compatible type (merged_into ~ rejoined; an MMP 'aff' ~ pledged_allegiance_to or faction_of) and, for
-- one-time events (split, merger, rename, faction, pledge), dates at most a year apart (each read at its
-- precision; the nearest relation wins). Alliances and rivalries are states, not events: an MMP link of
-- either supports the relation of the same groups whatever its date. Otherwise the assertion becomes a
-- relation of its own (a split dated more than a year from ours keeps our direction and is listed in
-- dq.relation_conflicts), or stays unmapped with its reason (relation_id NULL). UCDP assertions are undated
-- and support every matching relation.
with actors as (
    select * from staging.ucdp_actors
    qualify row_number() over (partition by actor_id order by version desc nulls last, source_file desc) = 1
),
actor_group as (
    select cast(external_id as bigint) as actor_id, group_id from core.group_external_ids where system = 'ucdp'
),
alias_group as (  -- a UCDP name to a group: UCDP's spellings first, then our names
    select alias_normalized, group_id
    from core.group_aliases where source_system in ('ucdp', 'curated')
    qualify row_number() over (partition by alias_normalized
                               order by case source_system when 'ucdp' then 1 else 2 end, group_id) = 1
),
curated as (
    select relation_id, 'curated' as source_system, relation_id as source_record, relation_type as source_type,
           null::varchar as from_external_id, null::varchar as to_external_id, from_group_id, to_group_id,
           relation_type, start_date, start_precision, source, source_url, note
    from staging.curated_group_relations
),
ucdp_fields as (
    select actor_id, version, 'Splinter' as field, unnest(actor_ids_prev) as other_id, 'split_from' as relation_type
    from actors where splinter
    union all
    select actor_id, version, 'SplitTemp', unnest(actor_ids_split_temp), 'faction_of' from actors where split_temp
    union all
    select actor_id, version, 'JoinGroup', unnest(actor_ids_group), 'merged_into' from actors where join_group
    union all
    select actor_id, version, 'Alliance', unnest(actor_ids_alliance), 'allied_with' from actors where alliance
),
ucdp_by_id as (
    select 'ucdp' as source_system,
           'ucdp actor ' || f.actor_id || ' ' || f.field || ' ' || f.other_id as source_record, f.field as source_type,
           cast(f.actor_id as varchar) as from_external_id, cast(f.other_id as varchar) as to_external_id,
           a.group_id as from_group_id, b.group_id as to_group_id, f.relation_type, f.version
    from ucdp_fields f
    left join actor_group a on a.actor_id = f.actor_id
    left join actor_group b on b.actor_id = f.other_id
),
rename_names as (  -- NameOrig, then every NewName in order: each step of the chain is a rename
    select actor_id, version, names[t.i] as old_name, names[t.i + 1] as new_name
    from (select actor_id, version, list_prepend(name_orig, new_names) as names from actors where name_change),
         range(1, 50) t(i)
    where t.i < len(names)
),
ucdp_renames as (
    select 'ucdp' as source_system,
           'ucdp actor ' || r.actor_id || ' NameChange ''' || r.old_name || ''' > ''' || r.new_name || ''''
               as source_record,
           'NameChange' as source_type, cast(r.actor_id as varchar) as from_external_id,
           cast(r.actor_id as varchar) as to_external_id,
           a.group_id as from_group_id, b.group_id as to_group_id, 'renamed_to' as relation_type, r.version
    from rename_names r
    left join alias_group a on a.alias_normalized = normalize_group_name(r.old_name)
    left join alias_group b on b.alias_normalized = normalize_group_name(r.new_name)
    where normalize_group_name(r.old_name) is distinct from normalize_group_name(r.new_name)
),
ucdp as (
    select *, 'UCDP Actor Dataset ' || coalesce(version, '') as source, 'https://ucdp.uu.se/downloads/' as source_url
    from (
        select * from ucdp_by_id
        union all
        select * from ucdp_renames
    )
),
ucdp_matches as (  -- a UCDP assertion supports every curated relation of the same groups and type class
    select c.relation_id, u.source_record
    from ucdp u
    join curated c
      on ((c.from_group_id = u.from_group_id and c.to_group_id = u.to_group_id)
          or (u.relation_type = 'allied_with' and c.from_group_id = u.to_group_id and c.to_group_id = u.from_group_id))
     and replace(c.relation_type, 'rejoined', 'merged_into') = u.relation_type
),
ucdp_new as (
    select u.*, u.from_group_id || '__' || u.relation_type || '__' || u.to_group_id || '__ucdp' as relation_id
    from ucdp u
    where u.from_group_id is not null and u.to_group_id is not null and u.from_group_id <> u.to_group_id
      and u.source_record not in (select source_record from ucdp_matches)
),
base as (  -- the relations MMP links can support: curated ones and those UCDP added
    select relation_id, from_group_id, to_group_id, relation_type, start_date, start_precision from curated
    union all
    select distinct relation_id, from_group_id, to_group_id, relation_type, null::date, null::varchar from ucdp_new
),
pakistan_groups as (
    select distinct mg.group_id
    from staging.mmp_map_groups mg join staging.mmp_maps m using (map_id)
    where m.name ilike 'pakistan%'
),
mmp as (
    select 'mmp' as source_system, 'mmp link ' || l.link_id as source_record, l.link_type as source_type,
           cast(l.group1_id as varchar) as from_external_id, cast(l.group2_id as varchar) as to_external_id,
           x1.group_id as group1, x2.group_id as group2,
           case l.link_type when 'spl' then 'split_from' when 'mer' then 'merged_into' when 'all' then 'allied_with'
                            when 'riv' then 'rival_of' end as relation_type,
           l.link_type, l.start_date, l.start_precision,
           (l.group1_id in (select group_id from pakistan_groups)
            or l.group2_id in (select group_id from pakistan_groups))
               as touches_pakistan_map,
           'Stanford Mapping Militant Organizations, link ' || l.link_id as source,
           'https://web.stanford.edu/group/mappingmilitants/cgi-bin/' as source_url,
           l.description as note
    from staging.mmp_links l
    left join staging.curated_mmp_group_crosswalk x1 on x1.mmp_group_id = l.group1_id
    left join staging.curated_mmp_group_crosswalk x2 on x2.mmp_group_id = l.group2_id
),
mmp_candidates as (
    select m.source_record, b.relation_id, b.from_group_id, b.to_group_id, b.relation_type as matched_type,
           -- days between the two dated periods (0 when they overlap or either is undated)
           coalesce(greatest(0, datediff('day', least(period_end(m.start_date, m.start_precision),
                                                      period_end(b.start_date, b.start_precision)),
                                                greatest(m.start_date, b.start_date))), 0) as gap_days
    from mmp m
    join base b
      on ((b.from_group_id = m.group1 and b.to_group_id = m.group2)
          or (b.from_group_id = m.group2 and b.to_group_id = m.group1))
     and (case m.link_type when 'aff' then b.relation_type in ('pledged_allegiance_to', 'faction_of')
                           when 'mer' then b.relation_type in ('merged_into', 'rejoined')
                           else b.relation_type = m.relation_type end)
),
mmp_matches as (
    select c.* from mmp_candidates c join mmp m using (source_record)
    where m.link_type in ('all', 'riv') or c.gap_days <= 365
    qualify row_number() over (partition by source_record order by gap_days, relation_id) = 1
),
mmp_far as (  -- the same kind of event between the same groups, dated more than a year from ours
    select * from mmp_candidates
    where source_record not in (select source_record from mmp_matches)
    qualify row_number() over (partition by source_record order by gap_days, relation_id) = 1
),
mmp_pair as (  -- the nearest relation of any kind between the same groups: it gives a split or merger its direction
    select m.source_record, b.relation_id, b.from_group_id, b.to_group_id
    from mmp m
    join base b
      on (b.from_group_id = m.group1 and b.to_group_id = m.group2)
         or (b.from_group_id = m.group2 and b.to_group_id = m.group1)
    where b.relation_type not in ('allied_with', 'rival_of')
    qualify row_number() over (partition by m.source_record order by
        abs(coalesce(datediff('day', b.start_date, m.start_date), 0)), b.relation_id) = 1
),
mmp_placed as (
    select m.*,
        coalesce(mm.relation_id, n.relation_id) as relation_id,
        coalesce(mm.from_group_id, n.from_group_id) as from_group_id,
        coalesce(mm.to_group_id, n.to_group_id) as to_group_id, mm.matched_type,
        case
            when m.group1 is null or m.group2 is null then 'group(s) not in raw/curated/mmp_group_crosswalk.csv: '
                || concat_ws(', ', case when m.group1 is null then 'MMP ' || m.from_external_id end,
                                   case when m.group2 is null then 'MMP ' || m.to_external_id end)
            when m.group1 = m.group2 then 'both MMP groups map to the same group (' || m.group1 || ')'
            when mm.relation_id is not null or n.relation_id is not null then null
            when m.link_type = 'aff' then 'affiliation with no pledge or faction relation between these groups '
                || coalesce('within a year of it (nearest: ' || far.relation_id || ')', 'to attach to')
                || ' (MMP gives neither the direction nor the kind of an affiliation)'
            else 'direction unknown: MMP lists the groups of a ' || m.link_type || ' link in no fixed order, no '
                || 'relation of ours links the two groups, and our founding dates do not tell the younger group'
        end as unmapped_reason
    from mmp m
    left join mmp_matches mm using (source_record)
    left join mmp_far far using (source_record)
    left join mmp_pair pair using (source_record)
    left join lateral (  -- a new relation: alliances and rivalries as listed; a split or merger in the direction
                         -- of our nearest relation between the two groups, else a split from the older group
        select case when m.link_type in ('all', 'riv') then m.group1
                    when pair.relation_id is not null then pair.from_group_id
                    when g1.founded_on > g2.founded_on then m.group1 else m.group2 end as from_group_id,
               case when m.link_type in ('all', 'riv') then m.group2
                    when pair.relation_id is not null then pair.to_group_id
                    when g1.founded_on > g2.founded_on then m.group2 else m.group1 end as to_group_id,
               null as relation_id
        from core.groups g1, core.groups g2
        where g1.group_id = m.group1 and g2.group_id = m.group2 and mm.relation_id is null and m.group1 <> m.group2
          and (m.link_type in ('all', 'riv') or (m.link_type in ('spl', 'mer') and pair.relation_id is not null)
               or (m.link_type = 'spl' and g1.founded_on is not null and g2.founded_on is not null
                   and g1.founded_on <> g2.founded_on))
    ) n0 on true
    left join lateral (
        select n0.from_group_id, n0.to_group_id,
               -- one relation per pair and type, whichever order MMP lists the groups in
               case when m.link_type in ('all', 'riv') then least(n0.from_group_id, n0.to_group_id) || '__'
                        || m.relation_type || '__' || greatest(n0.from_group_id, n0.to_group_id)
                    else n0.from_group_id || '__' || m.relation_type || '__' || n0.to_group_id || '__'
                         || coalesce(cast(year(m.start_date) as varchar), 'undated') end || '__mmp' as relation_id
        where n0.from_group_id is not null
    ) n on true
),
assertions as (
    select relation_id, source_system, source_record, source_type, from_external_id, to_external_id,
           from_group_id, to_group_id, relation_type, start_date, start_precision,
           null::boolean as touches_pakistan_map,
           null::varchar as unmapped_reason, source, source_url, note, 1 as source_rank
    from curated
    union all
    select m.relation_id, u.source_system, u.source_record, u.source_type, u.from_external_id, u.to_external_id,
           u.from_group_id, u.to_group_id, u.relation_type, null, null, null, null, u.source, u.source_url,
           null, 2
    from ucdp u join ucdp_matches m using (source_record)
    union all
    select relation_id, source_system, source_record, source_type, from_external_id, to_external_id,
           from_group_id, to_group_id, relation_type, null, null, null, null, source, source_url, null, 2
    from ucdp_new
    union all
    select null, source_system, source_record, source_type, from_external_id, to_external_id,
           from_group_id, to_group_id, relation_type, null, null, null,
           case when from_group_id is null or to_group_id is null then 'actor(s) mapped to no group: '
                    || concat_ws(', ', case when from_group_id is null then 'UCDP ' || from_external_id end,
                                       case when to_group_id is null and to_external_id <> from_external_id
                                            then 'UCDP ' || to_external_id end,
                                       case when to_group_id is null and to_external_id = from_external_id
                                            then 'a name of UCDP ' || to_external_id end)
                else 'both UCDP actors map to the same group (' || from_group_id || ')' end,
           source, source_url, null, 2
    from ucdp
    where source_record not in (select source_record from ucdp_matches)
      and source_record not in (select source_record from ucdp_new)
    union all
    select relation_id, source_system, source_record, source_type, from_external_id, to_external_id,
           coalesce(from_group_id, group1), coalesce(to_group_id, group2),
           coalesce(relation_type, matched_type, 'affiliated (aff)'), start_date, start_precision, touches_pakistan_map,
           unmapped_reason, source, source_url, note, 3
    from mmp_placed
)
select relation_id, source_system, source_record, source_type, from_external_id, to_external_id,
       from_group_id, to_group_id, relation_type, start_date, start_precision,
       relation_id is not null and row_number() over (
           partition by relation_id order by source_rank, start_date nulls last, source_record) = 1 as is_preferred,
       touches_pakistan_map, unmapped_reason, source, source_url, note
from assertions
