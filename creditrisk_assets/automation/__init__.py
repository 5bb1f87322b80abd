"""Automation: the cross-domain jobs and the sensors that chain drift, retrain and promotion."""

import dagster as dg

from creditrisk_assets.automation.approval import approval_sensor
from creditrisk_assets.automation.catalog import catalog_sensor
from creditrisk_assets.automation.jobs import JOBS
from creditrisk_assets.automation.sensors import SENSORS

defs = dg.Definitions(jobs=JOBS, sensors=[*SENSORS, catalog_sensor, approval_sensor])
