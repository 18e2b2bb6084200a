"""Analytic marts: one SQL model per mart under sql/marts/, built only after the blocking checks passed.

marts.incident_facts, the one as large as core.incidents, is refreshed file by file (pipelines/defs/incidents/incident_facts.py).
"""

import dagster as dg

from pipelines.defs.incidents.incident_facts import refresh_incident_facts
from pipelines.defs.linkage.linked_counts import fill_linked_event_estimates
from pipelines.defs.marts.stats import (
    fill_decapitation_pooled,
    fill_policy_did,
    fill_policy_outcome_statistics,
    fill_policy_outcomes_joint,
)
from pipelines.engine.resources import WarehouseResource
from pipelines.engine.sql_assets import model_asset_args, refresh_metadata, sql_model_asset, table_metadata

GROUP = "marts"
MARTS = [
    "group_lineage",
    "group_family_membership",
    "incident_facts",
    "incident_participants",
    "attack_trends",
    "split_outcomes",
    "event_monthly_series",
    "policy_outcomes",
    "decapitation_event_study",
    "source_reconciliation",
    "group_timeline",
    "policy_outcomes_joint",
    "decapitation_pooled",
    "policy_did",
    "linked_event_histories",
    "linked_event_counts",
]
# Statistics SQL cannot compute, run on each mart once its SQL has built it (pipelines/defs/marts/stats.py, linked_counts.py).
AFTER = {
    "policy_outcomes": fill_policy_outcome_statistics,
    "policy_outcomes_joint": fill_policy_outcomes_joint,
    "decapitation_pooled": fill_decapitation_pooled,
    "policy_did": fill_policy_did,
    "linked_event_counts": fill_linked_event_estimates,
}


def incident_facts_asset() -> dg.AssetsDefinition:
    @dg.asset(**model_asset_args("marts", "incident_facts", GROUP))
    def _incident_facts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            refresh = refresh_incident_facts(con)
            metadata = table_metadata(con, "marts", "incident_facts", refresh.rows)
        context.log.info(
            f"{refresh.mode} ({refresh.reason}): {refresh.rows_deleted:,} rows deleted, "
            f"{refresh.rows_inserted:,} inserted"
        )
        metadata.update(refresh_metadata(refresh))
        return dg.MaterializeResult(metadata=metadata)

    return _incident_facts


mart_assets = [
    incident_facts_asset() if name == "incident_facts" else sql_model_asset("marts", name, GROUP, after=AFTER.get(name))
    for name in MARTS
]
