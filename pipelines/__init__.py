"""Event-data warehouse for militant violence in Pakistan and Afghanistan.

Heavy libraries (dagster, pandas, great_expectations) are imported lazily so that
``python -m pipelines --help`` stays fast.
"""

__version__ = "0.1.0"
