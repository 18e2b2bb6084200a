"""The engine layer: imports nothing from pipelines.defs."""
