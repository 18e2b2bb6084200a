-- core.group_aliases: every spelling of a group by some source system, plus each group's own name and
-- short name (source_system 'curated'), so that a perpetrator written like our name resolves too.
with spellings as (
    select alias, group_id, source_system, note, source, source_url, 1 as priority
    from staging.curated_group_aliases
    union all
    select name, group_id, 'curated', 'the group''s name in core.groups', source, source_url, 2
    from staging.curated_groups
    union all
    select short_name, group_id, 'curated', 'the group''s short name in core.groups', source, source_url, 3
    from staging.curated_groups
    where short_name is not null
)
select distinct on (alias, source_system, group_id)
    alias,
    normalize_group_name(alias) as alias_normalized,
    group_id, source_system, note, source, source_url
from spellings
where normalize_group_name(alias) is not null
order by alias, source_system, group_id, priority
