"""Configuration is read in one place and every variable it reads is documented in the README.

The scan works on the source text, so a variable added anywhere in the package (a literal such as
``"CREDITRISK_NEW_KNOB"``) fails here until the README's configuration reference lists it, and a
module that starts reading ``os.environ`` on its own fails until the read moves into a settings
module.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from creditrisk_assets import settings
from creditrisk_assets.serving.settings import ENV_VARS, ServingSettings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "creditrisk_assets"
#: The only modules that read the environment: the platform's settings and the API's.
SETTINGS_MODULES = {PACKAGE / "settings.py", PACKAGE / "serving" / "settings.py"}
VARIABLE = re.compile(r"(CREDITRISK_[A-Z0-9_]+|MLFLOW_[A-Z0-9_]+|KAGGLE_[A-Z0-9_]+|DAGSTER_HOME)")
ENV_READERS = {"environ", "getenv", "environb", "getenvb"}


def _modules(*folders: Path) -> Iterator[tuple[Path, ast.Module]]:
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            yield path, ast.parse(path.read_text(), filename=str(path))


def variables_in_code() -> dict[str, set[str]]:
    """Variable name -> package files holding it as a whole string literal."""
    found: dict[str, set[str]] = {}
    for path, tree in _modules(PACKAGE):
        for node in ast.walk(tree):
            literal = node.value if isinstance(node, ast.Constant) else None
            if isinstance(literal, str) and VARIABLE.fullmatch(literal):
                found.setdefault(literal, set()).add(str(path.relative_to(ROOT)))
    return found


def variables_in_readme() -> set[str]:
    """Backticked names in the first column of the README's configuration reference table."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z0-9_]+)`", row.split("|")[1])}


def test_every_variable_the_code_reads_is_in_the_readme() -> None:
    in_code, documented = variables_in_code(), variables_in_readme()
    # The scan must see the variables it is meant to police, or it would pass vacuously.
    assert {"CREDITRISK_HOME", "MLFLOW_TRACKING_URI", "KAGGLE_KEY", "DAGSTER_HOME"} <= set(in_code)
    assert set(ENV_VARS) <= set(in_code)
    undocumented = {v: sorted(where) for v, where in in_code.items() if v not in documented}
    assert not undocumented, f"read by the code, missing from the README's table: {undocumented}"
    stale = documented - set(in_code)
    assert not stale, f"documented in the README but read nowhere: {sorted(stale)}"


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _is_environment_read(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """``os.environ``/``os.getenv`` used to read. Setting a variable (``os.environ[k] = v``)
    and copying the environment for a child process (``{**os.environ, k: v}``) are not reads."""
    if isinstance(node, ast.ImportFrom) and node.module == "os":
        return any(alias.name in ENV_READERS for alias in node.names)
    if not (
        isinstance(node, ast.Attribute)
        and node.attr in ENV_READERS
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    ):
        return False
    parent = parents.get(node)
    if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store):
        return False
    return not (isinstance(parent, ast.Dict) and None in parent.keys)  # {**os.environ, ...}


def test_only_the_settings_modules_read_the_environment() -> None:
    readers = []
    for path, tree in _modules(PACKAGE, ROOT / "benchmarks"):
        parents = _parents(tree)
        if any(_is_environment_read(node, parents) for node in ast.walk(tree)):
            readers.append(path)
    assert set(readers) == SETTINGS_MODULES, (
        "read the environment outside creditrisk_assets/settings.py and serving/settings.py: "
        f"{sorted(str(p.relative_to(ROOT)) for p in set(readers) - SETTINGS_MODULES)}"
    )


def test_settings_read_the_environment_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDITRISK_SOURCE", "s3")
    monkeypatch.setenv("CREDITRISK_SYNTHETIC_APPLICANTS", "1200")
    monkeypatch.setenv("CREDITRISK_SYNTHETIC_DRIFT", "")  # empty counts as unset
    assert settings.source_options() == {"kind": "s3", "applicants": 1200}
    monkeypatch.setenv("CREDITRISK_REPORTS_DIR", str(tmp_path / "reports"))
    assert settings.reports_dir() == tmp_path / "reports" and settings.reports_dir().is_dir()
    monkeypatch.setenv("CREDITRISK_RAW_SLA_HOURS", "-1")
    with pytest.raises(ValueError, match="CREDITRISK_RAW_SLA_HOURS='-1' must be a positive"):
        settings.raw_sla_hours()
    monkeypatch.delenv("KAGGLE_KEY", raising=False)
    monkeypatch.setenv("KAGGLE_USERNAME", "lender")
    assert settings.kaggle_credentials() is None  # half a credential is none
    monkeypatch.setenv("CREDITRISK_FEATURE_SESSIONS", "3")
    assert ServingSettings.from_env().feature_sessions == 3
