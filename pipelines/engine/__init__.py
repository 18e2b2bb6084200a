"""The lower layer every domain uses: configuration, warehouse files and publishing, row accounting,
fingerprints, faults, DuckDB and SQL-model helpers, Dagster resources. Imports nothing from ``pipelines.defs``."""
