-- marts.group_timeline: one ordered timeline per group: founding, leaders taking over and being removed,
-- relations it or another group entered into (splits, mergers, rejoinings, renames, pledges, alliances,
-- rivalries, and their ends), proscription and dissolution, each with every source that asserts it.
-- A leader's start is the founding for a founder, else the removal of the predecessor that names him as
-- successor (the day the group confirmed it, else the removal's own date). Undated events come last.
with rel_sources as (
    -- every source of the relation, the preferred first, then curated, UCDP, MMP
    select relation_id,
           list(source_system order by rank) filter (where first_of_system) as source_systems,
           list(source order by rank) as sources, list(source_url order by rank) as source_urls
    from (select *, row_number() over (partition by relation_id, source_system order by rank) = 1 as first_of_system
          from (select relation_id, source_system, source, min(source_url) as source_url,
                       min([(not is_preferred)::int, case source_system when 'curated' then 1 when 'ucdp' then 2
                                                                       else 3 end]) as rank
                from core.group_relation_sources where relation_id is not null
                group by relation_id, source_system, source))
    group by relation_id
),
names as (select group_id, coalesce(short_name, name) as label from core.groups),
events as (
    select g.group_id, g.founded_on as event_date, g.founded_precision as date_precision, 'founded' as event_kind,
           1 as kind_rank, g.name || ' founded' as description, null as related_group_id, null as leader_id,
           null as relation_id, ['curated'] as source_systems, [g.source] as sources, [g.source_url] as source_urls
    from core.groups g where g.founded_on is not null
    union all
    select g.group_id, g.proscribed_pk_on, 'day', 'proscribed_pk', 6, g.name || ' proscribed in Pakistan', null, null,
           null, ['curated'], [g.source], [g.source_url]
    from core.groups g where g.proscribed_pk_on is not null
    union all
    select g.group_id, g.dissolved_on, g.dissolved_precision, 'dissolved', 9, g.name || ' dissolved', null, null,
           null, ['curated'], [g.source], [g.source_url]
    from core.groups g where g.dissolved_on is not null
    union all
    -- a founder leads from the founding
    select l.group_id, g.founded_on, g.founded_precision, 'leader_start', 2,
           l.name || ' (' || l.role || ') leads from the founding', null, l.leader_id, null,
           ['curated'], list_distinct([l.source, g.source]), list_distinct([l.source_url, g.source_url])
    from core.leaders l join core.groups g using (group_id)
    where l.role = 'founder' and g.founded_on is not null
    union all
    -- a successor takes over when the predecessor's removal is confirmed
    select coalesce(e.group_id, s.group_id), coalesce(e.confirmed_by_group_date, e.event_date),
           case when e.confirmed_by_group_date is not null then 'day' else e.event_precision end,
           'leader_start', 4, s.name || ' succeeds ' || p.name || ' (' || e.event_type || ' ' || e.event_date || ')',
           null,
           s.leader_id, null, ['curated'], list_distinct([e.source, s.source]),
           list_distinct([e.source_url, s.source_url])
    from core.leadership_events e
    join core.leaders s on s.leader_id = e.successor_leader_id
    join core.leaders p on p.leader_id = e.leader_id
    where e.event_type <> 'false_report'
    union all
    select coalesce(e.group_id, l.group_id), e.event_date, e.event_precision, 'leader_' || e.event_type, 3,
           l.name || ' (' || coalesce(l.role, 'member') || ') ' || e.event_type
               || coalesce(' (' || nullif(e.method, 'unknown') || ')', ''), null, l.leader_id, null,
           ['curated'], [e.source], [e.source_url]
    from core.leadership_events e join core.leaders l using (leader_id)
    where e.event_type <> 'false_report'
    union all
    -- a relation is on the timeline of both its groups
    select gid, r.start_date, r.start_precision, r.relation_type, 5,
           f.label || ' ' || replace(r.relation_type, '_', ' ') || ' ' || t.label,
           case when gid = r.from_group_id then r.to_group_id else r.from_group_id end, null, r.relation_id,
           rs.source_systems, rs.sources, rs.source_urls
    from core.group_relations r
    join rel_sources rs using (relation_id)
    join names f on f.group_id = r.from_group_id
    join names t on t.group_id = r.to_group_id
    cross join unnest([r.from_group_id, r.to_group_id]) u(gid)
    union all
    select gid, r.end_date, r.end_precision, r.relation_type || '_ended', 5,
           f.label || ' ' || replace(r.relation_type, '_', ' ') || ' ' || t.label || ': ended',
           case when gid = r.from_group_id then r.to_group_id else r.from_group_id end, null, r.relation_id,
           rs.source_systems, rs.sources, rs.source_urls
    from core.group_relations r
    join rel_sources rs using (relation_id)
    join names f on f.group_id = r.from_group_id
    join names t on t.group_id = r.to_group_id
    cross join unnest([r.from_group_id, r.to_group_id]) u(gid)
    where r.end_date is not null
)
select group_id,
       row_number() over (partition by group_id order by event_date nulls last, kind_rank, description) as event_order,
       event_date, date_precision, event_kind, description, related_group_id, leader_id, relation_id,
       source_systems, sources, source_urls
from events
where group_id is not null
order by group_id, event_order
