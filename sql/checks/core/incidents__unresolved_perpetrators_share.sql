-- severity: WARN
-- description: per source, at most 5% of the incidents in Pakistan and Afghanistan name a perpetrator that is neither resolved to a group nor
-- classed as "not a group" (raw/curated/non_group_perpetrators.csv). Above that, aliases are missing: see
-- dq.unresolved_groups for the names, most frequent first.
with not_groups as (
    select distinct normalize_group_name(perpetrator_raw) as name from staging.curated_non_group_perpetrators
),
per_source as (
    select i.source,
           count(*) as incidents,
           count(*) filter (where i.group_id is null and i.perpetrator_raw is not null and ng.name is null)
               as unresolved
    from core.incidents i
    left join not_groups ng on ng.name = normalize_group_name(i.perpetrator_raw)
    where i.country in ('Pakistan', 'Afghanistan')
      and i.source <> 'curated'  -- curated rows name their group themselves; NULL there is deliberate
    group by i.source
)
select source || ': ' || unresolved || ' of ' || incidents || ' (' || round(100.0 * unresolved / incidents, 1)
       || '%) unresolved' as id
from per_source
where unresolved > 0.05 * incidents
