"""The code location: every domain's assets, checks, jobs and sensors, plus shared resources.

Kept thin on purpose: each domain folder exports its own ``defs`` and this module only merges
them, so adding a domain never means editing another's code.
"""

from __future__ import annotations

import dagster as dg

from creditrisk_assets.features import defs as features_defs
from creditrisk_assets.ingest import defs as ingest_defs
from creditrisk_assets.resources import default_resources

defs = dg.Definitions.merge(
    dg.Definitions(resources=default_resources()),
    ingest_defs,
    features_defs,
)
