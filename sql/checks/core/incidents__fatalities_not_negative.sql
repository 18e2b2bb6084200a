-- severity: ERROR
-- description: fatality and wounded counts are not negative (unknown is NULL, never a negative code)
select incident_id as id from core.incidents
where fatalities_best < 0 or fatalities_low < 0 or fatalities_high < 0 or wounded < 0
