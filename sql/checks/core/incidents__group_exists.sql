-- severity: ERROR
-- description: every non-null group_id of an incident or of a perpetrator exists in core.groups
select incident_id || ' -> ' || group_id as id from core.incidents
where group_id is not null and group_id not in (select group_id from core.groups)
union all
select incident_id || ' -> ' || group_id from core.incident_perpetrators
where group_id is not null and group_id not in (select group_id from core.groups)
