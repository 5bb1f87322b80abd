"""Deploy domain: the canary gate and the promotion that writes the deploy manifest."""

import dagster as dg

from creditrisk_assets.deploy.assets import canary_passed, canary_report, deploy_manifest

defs = dg.Definitions(assets=[canary_report, deploy_manifest], asset_checks=[canary_passed])
