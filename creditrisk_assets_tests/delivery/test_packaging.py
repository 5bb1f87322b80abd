"""The image and the Makefile install the same locked dependency set, and run unprivileged."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_direct_dependencies_are_pinned_and_in_the_lock() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    lock = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    for dep in deps:
        name, _, version = re.sub(r"\[.*\]", "", dep).partition("==")
        assert version, f"{dep} is not pinned exactly"
        assert lock.get(name.lower().replace("_", "-")) == version, f"{dep} differs from the lock"


def test_makefile_and_dockerfile_install_with_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-c requirements.lock" in makefile
    assert "-c requirements.lock" in dockerfile
    assert re.search(r"^USER app$", dockerfile, re.M), "the image must not run as root"


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


def test_sql_ships_as_package_data(monkeypatch) -> None:
    """An installed wheel finds the SQL through the package itself, with no CREDITRISK_SQL_DIR;
    the top-level ``sql/`` people open is the same folder (a link into the package)."""
    from importlib import resources

    from creditrisk_assets import settings
    from creditrisk_assets.resources.warehouse import read_sql

    packaged = resources.files("creditrisk_assets") / "sql"
    names = {entry.name for entry in packaged.iterdir()}
    assert {"feature_store.sql", "ingest_read_csv.sql", "drift_sample.sql"} <= names
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "sql/*.sql" in package_data["package-data"]["creditrisk_assets"]
    monkeypatch.delenv("CREDITRISK_SQL_DIR", raising=False)
    assert settings.sql_dir() == Path(str(packaged)).resolve()
    assert read_sql("feature_store") == (packaged / "feature_store.sql").read_text()
    assert (ROOT / "sql").resolve() == settings.sql_dir()
    assert "CREDITRISK_SQL_DIR" not in (ROOT / "Dockerfile").read_text()


#: Import names that differ from the distribution's.
IMPORT_NAMES = {
    "scikit-learn": "sklearn",
    "imbalanced-learn": "imblearn",
    "pysimdjson": "simdjson",
}
#: Dependencies the platform runs rather than imports: (file that uses it, the text showing it).
RUN_NOT_IMPORTED = {
    "dagster-webserver": ("deploy/entrypoint.sh", "exec dagster-webserver"),
    "dagster-postgres": ("deploy/dagster.yaml", "postgres_db:"),
    "uvicorn": ("creditrisk_assets/serving/launch.py", '"-m", "uvicorn"'),
    "httpx": ("benchmarks/api_load.py", "import httpx"),
}


def _imported_top_level_names() -> set[str]:
    import ast

    names: set[str] = set()
    for path in (ROOT / "creditrisk_assets").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_every_direct_dependency_is_used() -> None:
    """Nothing is installed for nothing (issue 23: dagster-mlflow was, and is gone)."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    imported = _imported_top_level_names()
    unused = []
    for dep in deps:
        name = re.sub(r"\[.*\]", "", dep).partition("==")[0].lower()
        if name in RUN_NOT_IMPORTED:
            where, text = RUN_NOT_IMPORTED[name]
            if text not in (ROOT / where).read_text():
                unused.append(f"{name} (expected {text!r} in {where})")
        elif IMPORT_NAMES.get(name, name.replace("-", "_")) not in imported:
            unused.append(name)
    assert not unused, f"direct dependencies nothing uses: {unused}"
    assert "dagster-mlflow" not in " ".join(deps)
