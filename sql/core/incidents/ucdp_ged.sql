-- core.incidents from staging.ucdp_ged. UCDP GED codes violence between two sides, not attacks:
-- type_of_violence 1 (state-based) and 2 (non-state) are 'battle', 3 (one-sided, against civilians) is
-- 'one_sided_violence'. The perpetrator is the militant side: for 1 the side that is not a government
-- (UCDP writes governments 'Government of ...'; none when both sides are governments, e.g. India - Pakistan),
-- for 2 side_a (both sides are in core.incident_perpetrators), for 3 side_a.
-- source_category ('type_of_violence=N', for 3 with ';side_a=government' or ';side_a=non_state') is the key of
-- raw/curated/violence_classes.csv: core.incidents.violence_class separates state-based from non-state clashes
-- and one-sided violence by governments from militants'. Deaths by side (deaths_a, deaths_b, deaths_civilians,
-- deaths_unknown) are kept as published.
-- Placeholders for unidentified actors (Candidate releases: 'XXX770', the country's GW code) are kept as
-- published; no alias names them, so they resolve to no group (curated non_group_perpetrators classes them).
-- date_start..date_end is the period UCDP knows (date_prec 2-5 widen it): one day -> 'day', else 'range'.
-- best/low/high as published, including UCDP's own rows where low <= best <= high does not hold.
-- Every GED release is a whole dataset, and releases share event ids: when two staged files hold the same
-- id, the newer release wins, i.e. the file whose events reach the latest date_end (ties: the later file
-- name). The adapter re-conforms all UCDP files whenever one changes.
with release_order as (
    select source_file, max(date_end) as covered_to from staging.ucdp_ged group by source_file
),
latest as (
    select g.*
    from staging.ucdp_ged g
    join release_order r using (source_file)
    qualify row_number() over (partition by g.id order by r.covered_to desc, g.source_file desc) = 1
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
    'type_of_violence=' || g.type_of_violence
        || case when g.type_of_violence = 3
                then case when g.side_a like 'Government of %' then ';side_a=government' else ';side_a=non_state' end
                else '' end                               as source_category,
    count_or_unknown(g.deaths_a)                          as deaths_side_a,
    count_or_unknown(g.deaths_b)                          as deaths_side_b,
    count_or_unknown(g.deaths_civilians)                  as deaths_civilians,
    count_or_unknown(g.deaths_unknown)                    as deaths_unknown_side,
    g.source_file
from latest g
