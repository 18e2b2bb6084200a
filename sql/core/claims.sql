-- core.claims: every source's version of a disputed fact; one version per fact is preferred.
select claim_id, subject_table, subject_id, attribute, value, is_preferred, note, source, source_url
from staging.curated_claims
