-- severity: ERROR
-- description: date_precision is day, month, year or range; a range has an end date not before its start
select incident_id as id from core.incidents
where date_precision is null or date_precision not in ('day', 'month', 'year', 'range')
   or (date_precision = 'range' and (event_end_date is null or event_end_date < event_date))
