"""The code location: every domain's assets, checks, jobs and sensors, plus shared resources.

Kept thin on purpose: each domain folder exports its own ``defs`` and this module only merges
them, so adding a domain never means editing another's code.
"""

from __future__ import annotations

import dagster as dg

from creditrisk_assets.automation import defs as automation_defs
from creditrisk_assets.deploy import defs as deploy_defs
from creditrisk_assets.features import defs as features_defs
from creditrisk_assets.ingest import defs as ingest_defs
from creditrisk_assets.monitoring import defs as monitoring_defs
from creditrisk_assets.resources import default_resources
from creditrisk_assets.scoring import defs as scoring_defs

defs = dg.Definitions.merge(
    dg.Definitions(resources=default_resources()),
    ingest_defs,
    features_defs,
    monitoring_defs,
    deploy_defs,
    scoring_defs,
    automation_defs,
)
