"""The code location: every domain's assets, checks, jobs and sensors, plus shared resources.

Kept thin on purpose: each domain folder exports its own ``defs`` and this module only merges
them, so adding a domain never means editing another's code. Domains are imported as modules
(not their ``defs`` objects): Dagster's loader refuses a module with more than one
``Definitions`` object at module scope.
"""

from __future__ import annotations

import dagster as dg

from creditrisk_assets import (
    automation,
    deploy,
    features,
    ingest,
    modeling,
    monitoring,
    scoring,
)
from creditrisk_assets.resources import default_resources

defs = dg.Definitions.merge(
    dg.Definitions(resources=default_resources()),
    ingest.defs,
    features.defs,
    modeling.defs,
    monitoring.defs,
    deploy.defs,
    scoring.defs,
    automation.defs,
)
