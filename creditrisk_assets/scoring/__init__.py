"""Batch scoring domain: the champion scores each snapshot's application_test population."""

import dagster as dg

from creditrisk_assets.scoring.assets import batch_scores

defs = dg.Definitions(assets=[batch_scores])
