"""Loaders of the group-lineage sources (UCDP Actor Dataset, Stanford Mapping Militants).

These are not incident sources: they feed core.group_relations and core.group_external_ids, not
core.incidents, so they are not adapters of pipelines/defs/incidents/sources/ and have no partitions. Each loader
follows the same steps (detect, read, stage, describe quarantine) and accounts for every row in
dq.file_loads / dq.quarantine.
"""
