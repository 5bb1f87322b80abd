"""The API launcher (``serving/launch.py``): which allocator uvicorn gets, and how it is asked.

The launch itself (exec, signals, jemalloc mapped into the server) is exercised by
``test_decision_log.py``, which starts the API exactly as ``make serve`` does.
"""

from __future__ import annotations

import sys

import pytest

from creditrisk_assets.serving.launch import (
    APP,
    TCACHE_TUNABLE,
    server_environment,
    uvicorn_command,
)
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


def test_the_system_allocator_gets_a_deeper_tcache_and_an_operator_s_own_setting_wins() -> None:
    env, chosen, _ = server_environment("system", LIB, {"PATH": "/bin"}, "", 1000)
    assert env == {"PATH": "/bin", "GLIBC_TUNABLES": f"{TCACHE_TUNABLE}=1000"}
    assert chosen == "system"
    mine = {"GLIBC_TUNABLES": "glibc.malloc.mxfast=0"}
    env, *_ = server_environment("system", LIB, mine, "", 1000)
    assert env["GLIBC_TUNABLES"] == f"glibc.malloc.mxfast=0:{TCACHE_TUNABLE}=1000"
    theirs = {"GLIBC_TUNABLES": f"{TCACHE_TUNABLE}=7"}
    assert server_environment("system", LIB, theirs, "", 1000)[0] == theirs
    assert "GLIBC_TUNABLES" not in server_environment("system", LIB, {}, "", 0)[0]
    env, _, fell_back = server_environment("jemalloc", None, {}, "", 1000)  # glibc serves
    assert fell_back and env["GLIBC_TUNABLES"] == f"{TCACHE_TUNABLE}=1000"
    env, *_ = server_environment("jemalloc", LIB, {}, "", 1000)  # jemalloc replaces malloc
    assert "GLIBC_TUNABLES" not in env


def test_the_tcache_setting_defaults_to_1000_and_stays_within_glibc_s_range() -> None:
    assert ServingSettings.from_env({}).glibc_tcache_count == 1000
    assert (
        ServingSettings.from_env({"CREDITRISK_API_GLIBC_TCACHE_COUNT": "0"}).glibc_tcache_count == 0
    )
    with pytest.raises(ValueError, match="glibc_tcache_count"):
        ServingSettings.from_env({"CREDITRISK_API_GLIBC_TCACHE_COUNT": "70000"})


def test_main_execs_uvicorn_with_the_settings_allocator_environment(monkeypatch) -> None:
    from creditrisk_assets.serving import launch

    called: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.setattr(
        launch.os, "execve", lambda path, args, env: called.append((path, args, env))
    )
    monkeypatch.setenv("CREDITRISK_API_ALLOCATOR", "system")
    monkeypatch.setenv("CREDITRISK_API_GLIBC_TCACHE_COUNT", "500")
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    launch.main(["--port", "8123", "--log-level", "warning"])
    ((path, args, env),) = called
    assert path == sys.executable and args[-4:] == ["--port", "8123", "--log-level", "warning"]
    assert env["GLIBC_TUNABLES"] == f"{TCACHE_TUNABLE}=500"
