"""``deploy/compose.yaml`` stays consistent with the image it runs (no container runtime here).

Every service on the project's image runs a role the entrypoint knows, every role has a service,
the gRPC workspace points at the code-server service, the instance it mounts is the one
``deploy/prod_local.py`` derives from ``deploy/dagster.yaml``, and every platform variable it
sets is one the README documents.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import yaml

from creditrisk_assets_tests.delivery.test_configuration import variables_in_readme

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
IMAGE = "creditrisk-assets"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _entrypoint_roles() -> set[str]:
    text = (DEPLOY / "entrypoint.sh").read_text()
    return set(re.findall(r"^\s+([a-z][a-z-]*)\)", text, flags=re.MULTILINE))


def _prod_local():
    spec = importlib.util.spec_from_file_location("prod_local", DEPLOY / "prod_local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_service_on_the_image_runs_an_entrypoint_role() -> None:
    roles = _entrypoint_roles()
    assert roles == {"webserver", "daemon", "code-server", "api", "job"}
    services = _compose()["services"]
    on_image = {n: s for n, s in services.items() if s.get("image") == IMAGE}
    used = {s["command"][0] for s in on_image.values()}
    # mlflow runs through the entrypoint's fall-through (any command); the rest are roles.
    assert used - roles == {"mlflow"}
    assert roles <= used, f"entrypoint roles with no service: {sorted(roles - used)}"
    for name, service in on_image.items():
        if service["command"][0] in roles:
            assert name == service["command"][0], f"service {name} runs another role"


def test_workspace_reaches_the_code_server_service() -> None:
    compose = _compose()
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    grpc = workspace["load_from"][0]["grpc_server"]
    assert grpc["host"] in compose["services"] and grpc["port"] == 4000
    assert "-p 4000" in (DEPLOY / "entrypoint.sh").read_text()
    env = compose["services"]["daemon"]["environment"]
    assert env["DAGSTER_WORKSPACE"] == "/app/deploy/workspace.yaml"  # the image copies deploy/


def test_mounted_instance_is_prod_local_s() -> None:
    mounted = yaml.safe_load((DEPLOY / "dagster.compose.yaml").read_text())
    assert mounted == _prod_local().instance_yaml(None)
    assert mounted["run_launcher"]["class"] == "DefaultRunLauncher"
    volumes = _compose()["services"]["daemon"]["volumes"]
    assert "./dagster.compose.yaml:/home/app/dagster/dagster.yaml:ro" in volumes


def test_platform_variables_are_documented() -> None:
    documented = variables_in_readme()
    services = _compose()["services"]
    names = {k for s in services.values() for k in (s.get("environment") or {})}
    ours = {n for n in names if n.startswith(("CREDITRISK_", "MLFLOW_TRACKING"))}
    # Variables only the instance YAML reads (``env:``) are documented beside the profile.
    instance = set(re.findall(r"env: ([A-Z0-9_]+)", (DEPLOY / "dagster.compose.yaml").read_text()))
    readme = (DEPLOY.parent / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in instance), "instance variables undocumented"
    assert ours and ours <= documented | instance, f"undocumented: {sorted(ours - documented)}"
