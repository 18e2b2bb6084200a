"""Live sources: the UCDP GED API and the ACLED API, pulled into staged files under raw/ (docs/sources_api.md).

Nothing here runs unless asked: ``python -m pipelines pull ...`` or the Dagster assets of the group ``live``
(off unless their credentials are set). The embedded default run never reaches the network.
"""
