"""Analytic marts: one SQL model per mart under sql/marts/, built only after the blocking checks passed."""

from pipelines.assets.common import sql_model_asset
from pipelines.stats import fill_policy_outcome_statistics

GROUP = "marts"
MARTS = ["group_lineage", "incident_facts", "attack_trends", "split_outcomes", "event_monthly_series",
         "policy_outcomes", "decapitation_event_study", "source_reconciliation", "group_timeline"]
AFTER = {"policy_outcomes": fill_policy_outcome_statistics}

mart_assets = [sql_model_asset("marts", name, GROUP, after=AFTER.get(name)) for name in MARTS]
