-- core.incident_versions from staging.ucdp_ged: every version of every event, one per release file that holds it.
-- A release (ucdp_release(): yearly 'YY.1' or candidate 'YY.0.M', else the file name) is known from when it
-- was pulled (pulled_at(); NULL for a file put in raw/ by hand). Releases are ordered by the last date they
-- cover, then by when they were known, then by file name (as core.incidents always chose the newer release).
-- A version is closed by the next release holding the same id ('revised in <release>'), or by a later
-- yearly release that covers the event's country and dates but lacks the id ('dropped by <release>': a
-- yearly release supersedes the candidate events of its period; deleted_at is then its known date). A
-- release whose kind its name does not say closes nothing by absence. The current versions (is_current)
-- are what core.incidents holds (sql/core/incidents/ucdp_ged.sql).
-- Columns as core.incidents. UCDP GED codes violence between two sides, not attacks:
-- type_of_violence 1 (state-based) and 2 (non-state) are 'battle', 3 (one-sided, against civilians) is
-- 'one_sided_violence'. The perpetrator is the militant side: for 1 the side that is not a government
-- (UCDP writes governments 'Government of ...'; none when both sides are governments, e.g. India - Pakistan),
-- for 2 side_a (both sides are in core.incident_perpetrators), for 3 side_a.
-- Placeholders for unidentified actors (Candidate releases: 'XXX770', the country's GW code) are kept as
-- published; no alias names them, so they resolve to no group (curated non_group_perpetrators classes them).
-- date_start..date_end is the period UCDP knows (date_prec 2-5 widen it): one day -> 'day', else 'range'.
-- best/low/high as published, including UCDP's own rows where low <= best <= high does not hold.
with files as (
    select source_file, coalesce(ucdp_release(source_file), regexp_extract(source_file, '[^/]*$')) as release,
           pulled_at(source_file) as known_at, regexp_full_match(coalesce(ucdp_release(source_file), ''),
           '[0-9]+\.1') as is_yearly, min(date_start) as covered_from, max(date_end) as covered_to,
           list(distinct country) as countries
    from staging.ucdp_ged
    group by source_file
),
releases as (
    select *, row_number() over (order by covered_to, known_at nulls first, source_file) as release_rank
    from files
),
versioned as (
    select g.*, r.release, r.known_at as known_from, r.release_rank,
           lead(r.release_rank) over (partition by g.id order by r.release_rank) as next_rank
    from staging.ucdp_ged g
    join releases r using (source_file)
),
dropped as (
    -- the first later yearly release covering the event's country and dates that lacks its id
    select v.id, v.release_rank, min(y.release_rank) as drop_rank
    from versioned v
    join releases y on y.is_yearly and y.release_rank > v.release_rank and list_contains(y.countries, v.country)
                   and v.date_start between y.covered_from and y.covered_to
    where not exists (select 1 from staging.ucdp_ged h where h.source_file = y.source_file and h.id = v.id)
    group by all
),
closed as (
    select v.*, least(v.next_rank, d.drop_rank) as close_rank,
           coalesce(d.drop_rank < v.next_rank or v.next_rank is null, false) and d.drop_rank is not null as was_dropped
    from versioned v
    left join dropped d using (id, release_rank)
)
select
    'ucdp_ged:' || g.id                                   as incident_id,
    'ucdp_ged'                                            as source,
    g.id                                                  as source_event_id,
    case when g.type_of_violence = 3 then 'one_sided_violence' else 'battle' end as event_type,
    g.date_start                                          as event_date,
    case when g.date_end = g.date_start then 'day' else 'range' end as date_precision,
    case when g.date_end <> g.date_start then g.date_end end as event_end_date,
    g.country,
    conform_admin1(g.country, g.adm_1, g.date_start)      as admin1,
    g.adm_1                                               as admin1_published,
    g.adm_2                                               as admin2,
    g.where_coordinates                                   as location,
    g.latitude,
    g.longitude,
    cast(g.where_prec as varchar)                         as geo_precision,
    cast(null as varchar)                                 as attack_type,
    cast(null as varchar)                                 as target_type,
    case g.type_of_violence
        -- state-based: the non-state side (UCDP puts the government on side_a, the opposition on side_b)
        when 1 then case when g.side_b not like 'Government of %' then g.side_b
                         when g.side_a not like 'Government of %' then g.side_a end
        else g.side_a
    end                                                   as perpetrator_raw,
    count_or_unknown(g.best)                              as fatalities_best,
    count_or_unknown(g.low)                               as fatalities_low,
    count_or_unknown(g.high)                              as fatalities_high,
    cast(null as double)                                  as wounded,
    cast(null as boolean)                                 as is_suicide,
    cast(null as boolean)                                 as is_doubtful,
    -- the key of raw/curated/violence_classes.csv (issue 14): one-sided violence split by a government side_a
    'type_of_violence=' || g.type_of_violence
        || case when g.type_of_violence = 3
                then case when g.side_a like 'Government of %' then ';side_a=government' else ';side_a=non_state' end
                else '' end                               as source_category,
    count_or_unknown(g.deaths_a)                          as deaths_side_a,
    count_or_unknown(g.deaths_b)                          as deaths_side_b,
    count_or_unknown(g.deaths_civilians)                  as deaths_civilians,
    count_or_unknown(g.deaths_unknown)                    as deaths_unknown_side,
    g.source_file,
    g.release,
    g.known_from,
    k.known_at                                            as known_to,
    case when g.was_dropped then k.known_at end           as deleted_at,
    case when g.was_dropped then 'dropped by ' || k.release
         when g.close_rank is not null then 'revised in ' || k.release end as closed_by,
    g.close_rank is null                                  as is_current
from closed g
left join releases k on k.release_rank = g.close_rank
