"""One folder per domain: its Dagster definitions beside the logic they wrap (docs/architecture.md)."""
