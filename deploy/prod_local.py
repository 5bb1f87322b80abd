"""The production topology on one machine, with real services: ``make prod-local``.

    python deploy/prod_local.py start [--dir .prod-local] [--source landing|synthetic]
    python deploy/prod_local.py env   [--dir .prod-local]   # shell exports to talk to it
    python deploy/prod_local.py stop  [--dir .prod-local]

What runs (each its own process group, logs under ``<dir>/logs``):

- PostgreSQL (the server on 127.0.0.1:5432): three fresh, uniquely named databases, for the
  Dagster instance (runs, events, schedules), the MLflow backend store and the decision log;
- moto's S3 server on 127.0.0.1: bucket ``creditrisk-lake`` (the lake, Dagster compute logs)
  and bucket ``creditrisk-mlflow`` (MLflow artifacts);
- ``mlflow server``: backend store on PostgreSQL, ``--artifacts-destination s3://...``, so
  clients log and download artifacts through the server over HTTP and need no S3 credentials;
- ``dagster code-server`` (the code location), ``dagster-daemon`` and ``dagster-webserver``
  on an instance made from ``deploy/dagster.yaml`` with the ``DefaultRunLauncher`` in place of
  ECS (each run its own process, started by the code server) and the queued run coordinator's
  limits kept (``--max-runs`` overrides the fleet-wide number for a small machine);
- the scoring API (uvicorn), reading the champion from the tracking server over HTTP.

``CREDITRISK_HOME`` points at ``<dir>/state``; nothing there holds lake or MLflow data (the
delivery test asserts it). Ports are the usual ones (3000 UI, 8000 API, 5000 MLflow) unless
``--free-ports``. ``<dir>/topology.json`` records ports, databases, pids and the environment.
How each process is started, waited on and stopped is ``local_services.py``'s.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import time
import uuid
from pathlib import Path

import yaml

# Run as a script (``make prod-local``) or loaded by path (test_compose.py): either way the
# helpers beside this file are importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from local_services import (
    PG,
    REPO,
    Topology,
    admin,
    free_port,
    group_members,
    signal_group,
    wait_http,
    wait_port,
)

BIN = Path(sys.executable).parent
LAKE_BUCKET, MLFLOW_BUCKET = "creditrisk-lake", "creditrisk-mlflow"
DEFAULT_PORTS = {"moto": 5001, "mlflow": 5000, "code": 4000, "webserver": 3000, "api": 8000}
#: Fake credentials for moto; a real deployment gets them from its role, never from a file.
FAKE_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def instance_yaml(max_runs: int | None, root: Path | None = None) -> dict:
    """``deploy/dagster.yaml`` with the one-machine launcher: same storage, queue and limits;
    with ``root``, compute logs are staged under it (not in the shared ``/tmp`` folder)."""
    profile = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())
    profile["run_launcher"] = {"module": "dagster.core.launcher", "class": "DefaultRunLauncher"}
    profile["compute_logs"]["config"]["endpoint_url"] = {"env": "CREDITRISK_S3_ENDPOINT_URL"}
    if root is not None:
        profile["compute_logs"]["config"]["local_dir"] = str(root / "compute-logs")
    # Resuming a run needs a launcher that can re-attach to it (ECS, Kubernetes): not this one.
    profile["run_monitoring"]["max_resume_run_attempts"] = 0
    if max_runs is not None:
        profile["concurrency"]["runs"]["max_concurrent_runs"] = max_runs
    return profile


def _environment(root: Path, ports: dict[str, int], dbs: dict[str, str], args) -> dict[str, str]:
    s3 = f"http://127.0.0.1:{ports['moto']}"
    env = {
        **FAKE_AWS,
        "AWS_DEFAULT_REGION": "us-east-1",
        "DAGSTER_HOME": str(root / "dagster"),
        "DAGSTER_PG_HOST": PG["host"],
        "DAGSTER_PG_PORT": str(PG["port"]),
        "DAGSTER_PG_USER": PG["user"],
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": dbs["dagster"],
        "CREDITRISK_HOME": str(root / "state"),
        "CREDITRISK_LAKE_URI": f"s3://{LAKE_BUCKET}/lake",
        "CREDITRISK_S3_ENDPOINT_URL": s3,
        "CREDITRISK_S3_BUCKET": LAKE_BUCKET,
        # This topology's own S3 staging and read cache (not the shared /tmp default).
        "CREDITRISK_LAKE_CACHE_DIR": str(root / "lake-cache"),
        "CREDITRISK_SOURCE": args.source,
        "CREDITRISK_LANDING_DIR": str(root / "landing"),
        "CREDITRISK_SYNTHETIC_APPLICANTS": str(args.applicants),
        "CREDITRISK_REPORTS_DIR": str(root / "reports"),
        "CREDITRISK_SENSOR_INTERVAL_SECONDS": str(args.sensor_interval),
        "MLFLOW_TRACKING_URI": f"http://127.0.0.1:{ports['mlflow']}",
        "CREDITRISK_API_DECISION_LOG_SINK": "postgres",
        "CREDITRISK_API_DECISION_LOG_DSN": f"host={PG['host']} port={PG['port']} "
        f"user={PG['user']} dbname={dbs['decisions']}",
        "CREDITRISK_API_POLL_SECONDS": "5",
    }
    env["PYTHONPATH"] = str(REPO)  # this checkout's package, whatever the venv points at
    return env


def start(args: argparse.Namespace) -> None:
    root = Path(args.dir).resolve()
    if (root / "topology.json").is_file():
        raise SystemExit(f"{root} holds a running topology: stop it first")
    for sub in ("logs", "dagster", "state", "landing", "reports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    ports = {k: free_port() if args.free_ports else v for k, v in DEFAULT_PORTS.items()}
    tag = uuid.uuid4().hex[:8]
    dbs = {role: f"creditrisk_{role}_{tag}" for role in ("dagster", "mlflow", "decisions")}
    topo = Topology(root)
    topo.state.update(ports=ports, databases=dbs)
    topo.save()
    for db in dbs.values():
        admin(f'CREATE DATABASE "{db}"')
    env = _environment(root, ports, dbs, args)
    topo.state["env"] = env
    dagster_home = root / "dagster"
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(instance_yaml(args.max_runs, root)))
    workspace = root / "workspace.yaml"
    grpc = {"host": "127.0.0.1", "port": ports["code"], "location_name": "creditrisk_assets"}
    workspace.write_text(yaml.safe_dump({"load_from": [{"grpc_server": grpc}]}))
    logs = root / "logs"

    moto = topo.spawn(
        "moto",
        [str(BIN / "python"), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(ports["moto"])],
        env,
    )
    wait_http(f"{env['CREDITRISK_S3_ENDPOINT_URL']}/moto-api/", moto, logs / "moto.log", 60)
    import boto3

    s3 = boto3.client(
        "s3", endpoint_url=env["CREDITRISK_S3_ENDPOINT_URL"], region_name="us-east-1", **_creds()
    )
    for bucket in (LAKE_BUCKET, MLFLOW_BUCKET):
        s3.create_bucket(Bucket=bucket)

    backend = f"postgresql+psycopg2://{PG['user']}@{PG['host']}:{PG['port']}/{dbs['mlflow']}"
    # No MLflow server jobs (GenAI evaluation, trace roll-ups): nothing here uses them, and they
    # cost seven idle worker processes on a two-core machine.
    mlflow_env = {
        **env,
        "MLFLOW_S3_ENDPOINT_URL": env["CREDITRISK_S3_ENDPOINT_URL"],
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }
    mlflow = topo.spawn(
        "mlflow",
        [
            str(BIN / "mlflow"),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(ports["mlflow"]),
            "--backend-store-uri",
            backend,
            "--artifacts-destination",
            f"s3://{MLFLOW_BUCKET}/artifacts",
            "--workers",
            "1",
        ],
        mlflow_env,
    )
    code = topo.spawn(
        "code-server",
        [
            str(BIN / "dagster"),
            "code-server",
            "start",
            "-h",
            "127.0.0.1",
            "-p",
            str(ports["code"]),
            "-m",
            "creditrisk_assets.definitions",
            "--location-name",
            "creditrisk_assets",
        ],
        env,
    )
    wait_http(f"{env['MLFLOW_TRACKING_URI']}/health", mlflow, logs / "mlflow.log", 180)
    wait_port(ports["code"], code, logs / "code-server.log", 180)
    daemon = topo.spawn("daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)], env)
    web = topo.spawn(
        "webserver",
        [
            str(BIN / "dagster-webserver"),
            "-h",
            "127.0.0.1",
            "-p",
            str(ports["webserver"]),
            "-w",
            str(workspace),
        ],
        env,
    )
    api = topo.spawn(
        "api",
        [
            str(BIN / "python"),
            "-m",
            "creditrisk_assets.serving.launch",  # as the image's api role
            "--host",
            "127.0.0.1",
            "--port",
            str(ports["api"]),
        ],
        env,
    )
    wait_http(
        f"http://127.0.0.1:{ports['webserver']}/server_info", web, logs / "webserver.log", 180
    )
    wait_http(f"http://127.0.0.1:{ports['api']}/health", api, logs / "api.log", 180)
    if daemon.poll() is not None:
        raise SystemExit(f"daemon exited:\n{(logs / 'daemon.log').read_text()[-3000:]}")
    print(
        f"""production topology up (state in {root}):
  Dagster UI   http://127.0.0.1:{ports["webserver"]}   (instance on PostgreSQL db {dbs["dagster"]})
  MLflow       {env["MLFLOW_TRACKING_URI"]}   (backend db {dbs["mlflow"]}, artifacts s3://{MLFLOW_BUCKET})
  Scoring API  http://127.0.0.1:{ports["api"]}/docs
  S3 (moto)    {env["CREDITRISK_S3_ENDPOINT_URL"]}   lake {env["CREDITRISK_LAKE_URI"]}
  Landing      {env["CREDITRISK_LANDING_DIR"]}/YYYY-MM-DD/  (source: {args.source})
  Shell        eval "$({BIN / "python"} deploy/prod_local.py env --dir {root})"
  Stop         make prod-local-stop""",
        flush=True,
    )


def _creds() -> dict[str, str]:
    return {
        "aws_access_key_id": FAKE_AWS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": FAKE_AWS["AWS_SECRET_ACCESS_KEY"],
    }


def stop(args: argparse.Namespace) -> None:
    """SIGINT to every group (the daemon and webserver stop their children), then SIGKILL; fails
    if any process of those groups (run processes included: the code server's children) is
    still alive after that, naming them."""
    topo = Topology(Path(args.dir).resolve())
    if not topo.file.is_file():  # never started, or stopped already: nothing to do
        print(f"no topology in {topo.root}: nothing to stop")
        return
    pids = list(topo.state["pids"].values())
    for pid in reversed(pids):
        signal_group(pid, signal.SIGINT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and group_members(set(pids)):
        time.sleep(0.5)
    for pid in pids:
        signal_group(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and group_members(set(pids)):
        time.sleep(0.2)
    if not args.keep_databases:
        for db in topo.state.get("databases", {}).values():
            admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    topo.file.unlink()
    left = group_members(set(pids))
    if left:
        raise SystemExit(f"processes still alive after SIGKILL: {left}")
    print(f"stopped; logs kept in {topo.root / 'logs'}")


def print_env(args: argparse.Namespace) -> None:
    topo = Topology(Path(args.dir).resolve())
    for key, value in sorted(topo.state.get("env", {}).items()):
        print(f"export {key}={shlex.quote(value)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "stop", "env"):
        p = sub.add_parser(name)
        p.add_argument("--dir", default=str(REPO / ".prod-local"), help="state of this topology")
    p_start = sub.choices["start"]
    p_start.add_argument("--source", choices=("landing", "synthetic"), default="landing")
    p_start.add_argument("--applicants", type=int, default=20000, help="synthetic source size")
    p_start.add_argument("--max-runs", type=int, default=2, help="max concurrent runs (cores)")
    p_start.add_argument("--sensor-interval", type=int, default=10)
    p_start.add_argument("--free-ports", action="store_true", help="any free ports (tests)")
    sub.choices["stop"].add_argument("--keep-databases", action="store_true")
    args = parser.parse_args(argv)
    {"start": start, "stop": stop, "env": print_env}[args.command](args)


if __name__ == "__main__":
    main()
