-- severity: WARN
-- description: coordinates, where present, fall inside the bounding box of the incident's country (swapped
-- latitude/longitude or a wrong country show up here)
with boxes(country, lat_min, lat_max, lon_min, lon_max) as (values
    ('Pakistan', 23.5, 37.2, 60.8, 77.9),
    ('Afghanistan', 29.3, 38.6, 60.4, 75.0)
)
select i.incident_id || ' (' || i.latitude || ', ' || i.longitude || ')' as id
from core.incidents i
join boxes b using (country)
where i.latitude is not null and i.longitude is not null
  and (i.latitude not between b.lat_min and b.lat_max or i.longitude not between b.lon_min and b.lon_max)
