"""``approval_sensor``: an approved version goes to promotion.

Under ``require_approval`` the promotion sensor skips a candidate with "awaiting approval of vN"
and moves on; the approval arrives later, from a person (``cli approve``), as registry tags, not
as a Dagster event. This sensor reads the registry each tick and asks for ``promote_job`` on a
version that carries a valid approval (quoting its current validation pack), is its snapshot's
newest version (the one ``promote_job`` canaries), was trained in a run whose blocking checks
all passed, never was promoted, and is newer than the champion (an old approval never rolls the
champion back). The run key includes the pack checksum, so one
approval asks once; the canary in ``promote_job`` still gates it.
"""

import dagster as dg

from creditrisk_assets.automation.sensors import _blocking_failures
from creditrisk_assets.deploy.signoff import approval_required, promotion_approval
from creditrisk_assets.modeling.registry import CHAMPION, ModelRegistry
from creditrisk_assets.modeling.registry_records import TAG_DAGSTER_RUN
from creditrisk_assets.partitions import snapshot_run


@dg.sensor(
    job_name="promote_job",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Under require_approval: a newly approved version (valid sign-off on its "
    "current validation pack, blocking checks passed) goes to the promotion job.",
)
def approval_sensor(context: dg.SensorEvaluationContext, registry: ModelRegistry):
    if not approval_required(False):
        return dg.SkipReason("require_approval is off: promotion_sensor promotes candidates")
    champion = registry.get_alias_version(CHAMPION)
    requests, skips = [], []
    versions = registry.list_versions()  # oldest first: the last of a snapshot is its candidate
    latest = {v.partition: v.version for v in versions}
    for info in versions:
        if latest[info.partition] != info.version:
            continue  # promote_job promotes a snapshot's newest version only
        newer = champion is None or int(info.version) > int(champion)
        if not newer or "promoted_at" in info.tags or info.partition is None:
            continue
        approved, why, record = promotion_approval(info)
        if not approved or record is None:
            skips.append(f"v{info.version}: {why}")
            continue
        run_id = info.tags.get(TAG_DAGSTER_RUN)
        evaluated, failed = (
            (0, []) if run_id is None else _blocking_failures(context.instance, run_id)
        )
        if failed or not evaluated:
            skips.append(f"v{info.version}: approved, but blocking checks {failed or 'not run'}")
            continue
        requests.append(
            snapshot_run(
                info.partition,
                f"approved:{info.partition}:v{info.version}:{record['pack_sha256'][:16]}",
                trigger="approval",
                candidate=info.version,
                approved_by=record["approved_by"],
            )
        )
    if requests:
        return dg.SensorResult(run_requests=requests)
    return dg.SkipReason("; ".join(skips) or "no approved version newer than the champion")
