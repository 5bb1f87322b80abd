"""The API launcher (``serving/launch.py``): which allocator uvicorn gets, and how it is asked.

The launch itself (exec, signals, jemalloc mapped into the server) is exercised by
``test_decision_log.py``, which starts the API exactly as ``make serve`` does.
"""

from __future__ import annotations

import sys

import pytest

from creditrisk_assets.serving.launch import APP, server_environment, uvicorn_command
from creditrisk_assets.serving.settings import ServingSettings

LIB = "libjemalloc.so.2"


def test_jemalloc_is_preloaded_in_front_of_what_was_already_preloaded() -> None:
    env, chosen, fell_back = server_environment("jemalloc", LIB, {"PATH": "/bin"}, "")
    assert env == {"PATH": "/bin", "LD_PRELOAD": LIB} and chosen == LIB and not fell_back
    env, *_ = server_environment("jemalloc", LIB, {"LD_PRELOAD": "libmine.so"}, "libmine.so")
    assert env["LD_PRELOAD"] == f"{LIB} libmine.so"
    env, *_ = server_environment("jemalloc", LIB, {"LD_PRELOAD": LIB}, LIB)
    assert env["LD_PRELOAD"] == LIB  # never twice


@pytest.mark.parametrize(
    ("allocator", "library", "warned"), [("system", LIB, False), ("jemalloc", None, True)]
)
def test_the_system_allocator_serves_when_asked_or_when_jemalloc_is_missing(
    allocator: str, library: str | None, warned: bool
) -> None:
    env, chosen, fell_back = server_environment(allocator, library, {"PATH": "/bin"}, "")
    assert env == {"PATH": "/bin"} and chosen.startswith("system") and fell_back is warned


def test_the_setting_is_the_system_allocator_by_default_and_refuses_other_names() -> None:
    assert ServingSettings.from_env({}).allocator == "system"
    chosen = ServingSettings.from_env({"CREDITRISK_API_ALLOCATOR": "jemalloc"}).allocator
    assert chosen == "jemalloc"
    with pytest.raises(ValueError, match="allocator"):
        ServingSettings.from_env({"CREDITRISK_API_ALLOCATOR": "tcmalloc"})


def test_uvicorn_serves_the_app_factory_with_the_options_passed_through() -> None:
    cmd = uvicorn_command("0.0.0.0", 8000, ["--log-level", "warning"])
    assert cmd[:5] == [sys.executable, "-m", "uvicorn", "--factory", APP]
    assert cmd[5:] == ["--host", "0.0.0.0", "--port", "8000", "--log-level", "warning"]
