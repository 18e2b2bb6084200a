-- core.groups: one row per militant organisation (curated; later sources add aliases, not groups).
select
    group_id, name, short_name, ideology, base_country,
    founded_on, founded_precision, dissolved_on, dissolved_precision, proscribed_pk_on,
    note, source, source_url
from staging.curated_groups
