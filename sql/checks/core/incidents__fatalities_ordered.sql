-- severity: WARN
-- description: fatalities_low <= fatalities_best <= fatalities_high; a source that contradicts itself is loaded
-- as published and listed here
select incident_id as id from core.incidents
where fatalities_low > fatalities_best or fatalities_best > fatalities_high or fatalities_low > fatalities_high
