-- core.incidents from staging.acled: the current version of each event (core.incident_versions, is_current;
-- how versions are made and closed: sql/core/incident_versions/acled.sql). An event ACLED deleted has
-- no current version and is not here. Every column of core.incidents comes from the version model (select *).
select * exclude (release, known_from, known_to, deleted_at, closed_by, is_current, loaded_at,
                  admin1_harmonized, violence_class)
from core.incident_versions
where source = 'acled' and is_current
