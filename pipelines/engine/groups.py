"""Asset groups by domain: each group holds every table of one concern, from its staged rows to its marts.

Layers (staging / core / dq / marts) are already in every asset key; the group says what a table is about,
so that e.g. core.group_relations and its per-source assertions core.group_relation_sources sit together.
A table not listed keeps the group its factory gives it (a new mart lands in ``marts`` until listed here).
"""

DOMAINS = {
    "groups_and_lineage": [
        "staging.curated_groups",
        "staging.curated_group_aliases",
        "staging.curated_group_relations",
        "staging.curated_mmp_group_crosswalk",
        "staging.ucdp_actors",
        "staging.mmp_links",
        "staging.mmp_map_groups",
        "staging.mmp_maps",
        "core.groups",
        "core.group_aliases",
        "core.group_relations",
        "core.group_relation_sources",
        "core.group_external_ids",
        "dq.relation_conflicts",
        "dq.unmapped_relation_assertions",
        "dq.unmapped_ucdp_actors",
        "marts.group_lineage",
        "marts.group_timeline",
        "staging.curated_group_family_rulings",
        "core.group_family_rulings",
        "marts.group_family_membership",
    ],
    "incidents": [
        "staging.curated_incidents",
        "staging.curated_non_group_perpetrators",
        "core.incidents",
        "core.incident_perpetrators",
        "dq.unresolved_groups",
        "marts.incident_facts",
        "marts.attack_trends",
        "staging.curated_violence_classes",
        "core.source_coverage",
        "marts.incident_participants",
    ],
    "record_linkage": [
        "core.event_links",
        "core.event_clusters",
        "marts.linked_event_histories",
        "marts.linked_event_counts",
    ],
    "leaders_and_policies": [
        "staging.curated_leaders",
        "staging.curated_leadership_events",
        "staging.curated_policy_events",
        "core.leaders",
        "core.leadership_events",
        "core.policy_events",
    ],
    "published_totals_and_claims": [
        "staging.curated_claims",
        "staging.curated_published_aggregates",
        "core.claims",
        "core.published_aggregates",
        "marts.source_reconciliation",
        "staging.acled_aggregates",
    ],
    "event_studies": [
        "marts.split_outcomes",
        "marts.event_monthly_series",
        "marts.policy_outcomes",
        "marts.decapitation_event_study",
        "marts.policy_outcomes_joint",
        "marts.decapitation_pooled",
        "marts.policy_did",
    ],
}
GROUP_OF = {table: group for group, tables in DOMAINS.items() for table in tables}


def domain_group(table: str, default: str) -> str:
    """The group of ``table`` (``schema.name``), or ``default`` when it is not listed."""
    return GROUP_OF.get(table, default)
