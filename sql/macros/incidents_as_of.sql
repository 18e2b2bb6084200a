-- A table macro, not a model: created with core.incident_versions by pipelines/defs/incidents/conform.py (ensure_incident_versions).
-- core.incidents_as_of(d): core.incidents as the warehouse knew it at timestamp d (a DATE is its midnight).
-- Versioned sources (ACLED, UCDP GED: core.incident_versions) give the version valid then: known from d or
-- earlier (a version of a file put in raw/ by hand has no known date: taken as known) and not yet closed at
-- d (a version closed at an unknown date is taken as closed). Sources without versions keep no history:
-- their current rows are returned as they are. For figures computed wholly as of d (marts, checks, the
-- report) build a warehouse with `python -m pipelines run --as-of d`.
CREATE OR REPLACE MACRO core.incidents_as_of(d) AS TABLE
    SELECT * EXCLUDE (release, known_from, known_to, deleted_at, closed_by, is_current)
    FROM core.incident_versions
    WHERE coalesce(known_from <= d::timestamp, true)
      AND (is_current OR known_to > d::timestamp)
    UNION ALL BY NAME
    SELECT * FROM core.incidents
    WHERE source NOT IN (SELECT DISTINCT source FROM core.incident_versions);
