-- A scalar macro, not a model: the one statement of how a perpetrator name resolves to a group, used by
-- pipelines/defs/incidents/conform.py both when rows are conformed and when stored rows are re-resolved after the
-- aliases changed. group_of(system, spelling): the group of the normalised ``spelling`` in source system
-- ``system``: the system's own alias first, then the curated names, unless the system classes the spelling as
-- "not a group" (New America's "Taliban" is a generic label there). It reads the temp tables alias_lookup (one group
-- per system and spelling) and not_groups that conform.py builds from core.group_aliases and
-- staging.curated_non_group_perpetrators before it is created.
create or replace temp macro group_of(system, spelling) as coalesce(
    (
        select own.group_id from alias_lookup own
        where own.source_system = system and own.alias_normalized = spelling
    ),
    (
        select cur.group_id from alias_lookup cur
        where
            cur.source_system = 'curated' and cur.alias_normalized = spelling
            and not exists (
                select 1 from not_groups ng
                where ng.source_system = system and ng.alias_normalized = spelling
            )
    )
);
