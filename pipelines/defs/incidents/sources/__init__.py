"""Incident source adapters: one module per source format, all sharing the interface in base.py."""
