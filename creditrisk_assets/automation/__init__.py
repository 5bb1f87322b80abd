"""Automation: the cross-domain jobs and the sensors that chain drift, retrain and promotion."""

import dagster as dg

from creditrisk_assets.automation.catalog import catalog_sensor
from creditrisk_assets.automation.jobs import JOBS, fallback_jobs
from creditrisk_assets.automation.sensors import SENSORS


def _jobs_defined_by_domains() -> set[str]:
    """Job names the other domains' ``defs`` already carry (they own ingest/train jobs)."""
    from creditrisk_assets import ingest, modeling

    names: set[str] = set()
    for module in (ingest, modeling):
        for job in getattr(getattr(module, "defs", None), "jobs", None) or []:
            names.add(job.name)
    return names


defs = dg.Definitions(
    jobs=[*JOBS, *fallback_jobs(_jobs_defined_by_domains())], sensors=[*SENSORS, catalog_sensor]
)
