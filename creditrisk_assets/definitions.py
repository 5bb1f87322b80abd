"""The code location: every domain's assets, checks, jobs and sensors, plus shared resources.

Kept thin on purpose: each domain folder exports its own ``defs`` and this module only merges
them, so adding a domain never means editing another's code. Domains are imported as modules
(not their ``defs`` objects): Dagster's loader refuses a module with more than one
``Definitions`` object at module scope.
"""

from __future__ import annotations

import dagster as dg

from creditrisk_assets import (
    alerts,
    automation,
    decisions,
    deploy,
    features,
    ingest,
    modeling,
    monitoring,
    scoring,
)
from creditrisk_assets.wiring import default_resources

#: The domains a snapshot moves through, raw files to scores, with the automation that drives
#: them: the graph the end-to-end tests build on their own resources. The code location adds the
#: decision log and the alerts.
PIPELINE = (ingest, features, modeling, monitoring, deploy, scoring, automation)

defs = dg.Definitions.merge(
    # One process per run, steps in it: a step process re-imports the code location (seconds of
    # CPU for xgboost, mlflow, duckdb) and on a small machine that costs more than running the
    # steps side by side gains. Scale-out is per partition: many snapshot runs at once, each
    # on its own machine (deploy/dagster.yaml's run launcher), as DESIGN.md describes.
    dg.Definitions(resources=default_resources(), executor=dg.in_process_executor),
    *(domain.defs for domain in PIPELINE),
    decisions.defs,
    alerts.defs,
)
