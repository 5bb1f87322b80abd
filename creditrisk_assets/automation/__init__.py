"""Automation: the cross-domain jobs, the automation sensor and the sensors that decide.

Declarative automation moves new, checked data through the feature store, drift report and
batch scores (``creditrisk_assets.conditions``, ``declarative``); sensors make the decisions:
``retrain_sensor`` (the ``RetrainPolicy``), ``promotion_sensor`` (checks passed -> canary),
``rescore_sensor`` (new champion -> newest snapshot re-scored).
"""

import dagster as dg

from creditrisk_assets.automation.approval import approval_sensor
from creditrisk_assets.automation.catalog import catalog_sensor
from creditrisk_assets.automation.declarative import automation_condition_sensor
from creditrisk_assets.automation.jobs import JOBS
from creditrisk_assets.automation.rescore import rescore_sensor
from creditrisk_assets.automation.retrain import retrain_sensor
from creditrisk_assets.automation.retrain_policy import RetrainPolicy
from creditrisk_assets.automation.sensors import SENSORS

defs = dg.Definitions(
    jobs=JOBS,
    sensors=[
        *SENSORS,
        retrain_sensor,
        rescore_sensor,
        approval_sensor,
        catalog_sensor,
        automation_condition_sensor,
    ],
    resources={"retrain_policy": RetrainPolicy.from_env()},
)
