"""Small operator CLI around the Dagster instance: the steps a person runs by hand.

``add-snapshot`` registers a snapshot partition (the landing sensor does this automatically for
landed folders); ``demo`` is what ``make demo`` runs; ``status`` prints partitions, the champion
and the latest drift verdict; ``approve`` records a sign-off on a version's validation pack.
Jobs themselves run through Dagster's own CLI, so the commands shown here are the ones a person
would type.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Sequence

import dagster as dg

from creditrisk_assets import settings
from creditrisk_assets.keys import DRIFT_REPORT, FEATURE_STORE, lake_path, raw_key
from creditrisk_assets.partitions import SNAPSHOT_PARTITIONS_NAME, register_snapshot

WHOLE_GRAPH_JOB = "all_assets"


def _instance() -> dg.DagsterInstance:
    if not settings.dagster_home():
        sys.exit("DAGSTER_HOME is not set (the Makefile sets it to .creditrisk/dagster)")
    return dg.DagsterInstance.get()


def job_command(job: str, snapshot: str, extra_tags: dict[str, str] | None = None) -> list[str]:
    """The ``dagster job execute`` command line for one job on one snapshot."""
    tags = json.dumps({"dagster/partition": snapshot, **(extra_tags or {})})
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    module = "creditrisk_assets.definitions"
    return [dagster, "job", "execute", "-m", module, "-j", job, "--tags", tags]


def add_snapshot(snapshot: str) -> None:
    with _instance() as instance:
        new = register_snapshot(instance, snapshot)
    print(f"snapshot {snapshot} {'registered' if new else 'was already registered'}")


def demo(snapshot: str, applicants: int) -> None:
    """Register a snapshot, run the whole graph on a synthetic snapshot, say where to look.

    The run's console output (every event, DEBUG included) goes to a log file; the terminal
    gets one line per asset step from the run's events in the instance (``demo_progress``),
    where the full event log stays for the UI.
    """
    from creditrisk_assets.demo_progress import DEMO_TAG, follow

    add_snapshot(snapshot)
    env = {**os.environ, "CREDITRISK_SYNTHETIC_APPLICANTS": str(applicants)}
    token = uuid.uuid4().hex
    cmd = job_command(WHOLE_GRAPH_JOB, snapshot, {DEMO_TAG: token})
    shown = job_command(WHOLE_GRAPH_JOB, snapshot)  # the command a person would type
    log_path = settings.state_dir() / "logs" / f"demo-{snapshot}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print("$ " + " ".join(shown[:-1]) + f" '{shown[-1]}'")
    print(f"({applicants} synthetic applicants; full console log: {log_path})", flush=True)
    started = time.monotonic()
    with _instance() as instance, log_path.open("w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        progress = follow(instance, token, lambda: proc.poll() is None, _say)
        proc.wait()
    print(f"{progress.summary()}; {time.monotonic() - started:.0f} s in all")
    if proc.returncode != 0 or not progress.succeeded:
        sys.exit(f"the run failed: the lines above say where; details in {log_path} and the UI")
    catalog()
    print(where_to_look(snapshot, applicants))


def where_to_look(snapshot: str, applicants: int) -> str:
    """The demo's closing text: what ran and where each result can be seen."""
    from creditrisk_assets.automation.catalog import view_name

    home = settings.state_dir()
    store_view = view_name(lake_path(FEATURE_STORE))
    return f"""
Done: snapshot {snapshot} went through the whole graph ({applicants} synthetic applicants).
The full event log of the run is in the Dagster instance ({settings.dagster_home()}).

Where to look
  Dagster UI        make ui            -> http://127.0.0.1:3000 (assets, checks, runs)
  MLflow UI         .venv/bin/mlflow ui --backend-store-uri {settings.mlflow_tracking_uri()}
  Scoring API       make serve         -> http://127.0.0.1:8000/docs
  Lake (Parquet)    {settings.lake_uri()}
  SQL by hand       .venv/bin/python -c "import duckdb; duckdb.connect('{home / "catalog.duckdb"}',
                    read_only=True).sql('FROM {store_view} LIMIT 5').show()"
  Plots             the UI's model/test_metrics page: ROC, KS, calibration inline; 'plots'
  Drift report      the UI's monitoring/drift_report page: 'evidently_html' opens it
  Reports on disk   {settings.reports_dir()}
  State folder      {home}  (delete it to start over: make clean)
"""


def _say(line: str) -> None:
    print(line, flush=True)


def catalog() -> None:
    """Refresh the hand-query DuckDB catalog over the lake and print its views."""
    from creditrisk_assets.automation.catalog import refresh_catalog
    from creditrisk_assets.wiring import default_resources

    resources = default_resources()
    views = refresh_catalog(resources["lake"], resources["warehouse"])  # type: ignore[arg-type]
    print(f"{resources['warehouse'].catalog_path}: {', '.join(views) or '(lake is empty)'}")


def status() -> None:
    """Snapshots, raw-data freshness against the SLA, the champion, the latest drift verdict."""
    from creditrisk_assets.ingest.assets import raw_freshness_policy
    from creditrisk_assets.modeling.registry import CHAMPION
    from creditrisk_assets.wiring import default_resources

    with _instance() as instance:
        snapshots = instance.get_dynamic_partitions(SNAPSHOT_PARTITIONS_NAME)
        print(f"snapshots: {', '.join(snapshots) or '(none)'}")
        sla_hours = raw_freshness_policy().fail_window.to_timedelta().total_seconds() / 3600
        raw = instance.get_latest_materialization_event(raw_key("application_train"))
        if raw is None:
            print(f"raw data: never ingested (SLA {sla_hours:g} h)")
        else:
            age = (time.time() - raw.timestamp) / 3600
            verdict = "fresh" if age <= sla_hours else "STALE"
            print(f"raw data: last ingested {age:.1f} h ago -> {verdict} (SLA {sla_hours:g} h)")
        event = instance.get_latest_materialization_event(DRIFT_REPORT)
        if event and event.asset_materialization:
            meta = event.asset_materialization.metadata
            shown = {k: getattr(v, "value", v) for k, v in meta.items() if "drift" in k}
            print(f"latest drift report ({event.asset_materialization.partition}): {shown}")
        else:
            print("latest drift report: none yet")
    registry = default_resources()["registry"]
    print(f"champion: v{registry.get_alias_version(CHAMPION) or ' none'}")  # type: ignore[attr-defined]


def approve(version: str, approved_by: str, reason: str, pack_sha256: str | None) -> None:
    """Record a sign-off on a registered version's validation pack (``deploy.signoff``)."""
    from creditrisk_assets.deploy.signoff import approve as record_approval
    from creditrisk_assets.wiring import default_resources

    registry = default_resources()["registry"]
    try:
        record = record_approval(registry, version, approved_by, reason, pack_sha256)  # type: ignore[arg-type]
    except ValueError as err:  # ApprovalRefused, or a record build_approval refuses
        sys.exit(f"approval refused: {err}")
    print(
        f"v{record.version} approved by {record.approved_by} at {record.approved_at} "
        f"(pack sha256 {record.pack_sha256}): {record.reason}"
    )
    policy = "on" if settings.require_approval() else "off"
    print(
        f"require_approval is {policy} here; the approval sensor (or promote_job by hand) "
        "promotes the version once its canary passes"
    )


def main(argv: Sequence[str] | None = None) -> None:
    # Dagster's API-stability notices (beta, preview) are for developers, not for an operator
    # reading the demo's progress; the code location's own runs still log them.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    parser = argparse.ArgumentParser(prog="python -m creditrisk_assets.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("add-snapshot", help="register a snapshot partition (YYYY-MM-DD)")
    p.add_argument("snapshot")
    p = sub.add_parser("demo", help="generate a synthetic snapshot and run the whole graph")
    p.add_argument("--snapshot", default="2026-11-01")
    p.add_argument("--applicants", type=int, default=20_000)
    sub.add_parser("status", help="snapshots, freshness, champion and the latest drift verdict")
    sub.add_parser("catalog", help="refresh the DuckDB catalog of lake views")
    p = sub.add_parser("approve", help="sign off a registered version's validation pack")
    p.add_argument("version", help="registered model version, e.g. 3")
    p.add_argument("--by", required=True, dest="approved_by", help="the approver's name")
    p.add_argument("--reason", required=True, help="why the version is approved")
    p.add_argument(
        "--pack-sha256", help="checksum of the pack you read (refused if it is not the current)"
    )
    args = parser.parse_args(argv)
    if args.command == "add-snapshot":
        add_snapshot(args.snapshot)
    elif args.command == "demo":
        demo(args.snapshot, args.applicants)
    elif args.command == "catalog":
        catalog()
    elif args.command == "approve":
        approve(args.version, args.approved_by, args.reason, args.pack_sha256)
    else:
        status()


if __name__ == "__main__":
    main()
