-- core.policy_events: policies, laws, institutions, military operations and external shocks.
select
    policy_event_id, name, category, start_date, start_precision, end_date, end_precision,
    scope_country, scope_admin1, target_group_id, description, source, source_url
from staging.curated_policy_events
