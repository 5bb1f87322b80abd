"""The code location loads, and carries the shared resources."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg

from creditrisk_assets.definitions import defs


def test_definitions_load_and_validate() -> None:
    dg.Definitions.validate_loadable(defs)


def test_shared_resources_are_wired() -> None:
    assert {"source", "lake", "warehouse", "registry"} <= set(defs.resources)


def test_module_has_one_definitions_object() -> None:
    """``dagster job execute -m`` refuses a module with several Definitions at module scope."""
    import creditrisk_assets.definitions as module

    found = [name for name, v in vars(module).items() if isinstance(v, dg.Definitions)]
    assert found == ["defs"]


def test_loading_the_code_location_leaves_the_heavy_libraries_for_the_steps() -> None:
    """Every Dagster process imports the definitions; scipy.stats, matplotlib and xgboost
    (with scikit-learn) wait for the steps that use them (``lazy_imports.py``)."""
    probe = (
        "import sys, creditrisk_assets.definitions as d; assert d.defs; "
        "print(' '.join(m for m in ('scipy.stats', 'matplotlib', 'xgboost', 'sklearn') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip() == ""


def test_lazy_modules_work_once_used() -> None:
    from creditrisk_assets.lazy_imports import pyplot, stats, xgboost

    assert stats.norm.sf(0.0) == 0.5 and xgboost.DMatrix is not None
    fig, _ = pyplot.subplots()
    assert pyplot.get_backend().lower() == "agg"
    pyplot.close(fig)
