"""The automation sensor: evaluates every asset's ``AutomationCondition`` (see ``conditions``).

Dagster creates an implicit ``default_automation_condition_sensor`` that starts stopped; this
explicit one starts running, so a fresh instance under ``dagster-daemon run`` moves by itself,
and ticks at ``CREDITRISK_SENSOR_INTERVAL_SECONDS``. Pause it with
``dagster sensor stop automation_condition_sensor`` (README, "What runs by itself").
"""

import dagster as dg

from creditrisk_assets import settings

automation_condition_sensor = dg.AutomationConditionSensorDefinition(
    "automation_condition_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=settings.sensor_interval_seconds(),
    run_tags={"creditrisk/trigger": "automation"},
    description="Evaluates each asset's AutomationCondition (features, drift report, batch "
    "scores follow new, checked data) and launches the runs.",
)
