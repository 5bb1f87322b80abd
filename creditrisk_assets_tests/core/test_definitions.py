"""The code location loads, and carries the shared resources."""

from __future__ import annotations

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
