-- dq.unmapped_ucdp_actors: every UCDP actor located in Pakistan or Afghanistan that maps to no group in
-- core.group_external_ids, with the reason (UCDP's Org code says whether it is an organisation at all).
with actors as (
    select * from staging.ucdp_actors
    qualify row_number() over (partition by actor_id order by version desc nulls last, source_file desc) = 1
)
select a.actor_id, coalesce(a.name_data, a.name_orig) as name, a.org, a.location,
    case a.org when 4 then 'state_actor: a government, not a militant group'
               when 3 then 'identity_group: an ethnic, tribal or clan group, not an organisation'
               when 2 then 'informal_supporters: supporters of a party or person, not an organisation'
               else 'no_curated_group: no spelling of this actor in core.group_aliases (ucdp) or among our group names'
    end as reason,
    a.source_file
from actors a
where (list_contains(a.locations, 'Pakistan') or list_contains(a.locations, 'Afghanistan'))
  and cast(a.actor_id as varchar) not in (select external_id from core.group_external_ids where system = 'ucdp')
order by a.actor_id
