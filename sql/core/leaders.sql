-- core.leaders: leaders and commanders; aliases as a list of other spellings.
select leader_id, name, aliases, group_id, role, note, source, source_url
from staging.curated_leaders
