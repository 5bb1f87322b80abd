"""Every module of the package imports, and no two modules import each other, even lazily.

A cycle hidden by an import inside a function still couples the two modules both ways: each
needs the other to be understood, and moving either breaks the other at call time, not at
import time. The graph is read from the source with ``ast`` (module-level, function-level and
``TYPE_CHECKING`` imports alike), so a lazy import cannot hide one.

An edge goes to the module an import names: ``from pkg import name`` points at ``pkg.name``
when that is a module, else at ``pkg`` (its ``__init__``). A module's own package
``__init__`` running first is how Python imports submodules, not a dependency of the module, so
it is no edge.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import creditrisk_assets

PACKAGE = creditrisk_assets.__name__
ROOT = Path(creditrisk_assets.__file__).parent


def _modules() -> dict[str, Path]:
    """Dotted name -> source file of every module and package in the package."""
    out = {PACKAGE: ROOT / "__init__.py"}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join((PACKAGE, *parts))] = path
    return out


MODULES = _modules()


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of a (possibly relative) ``from ... import`` source."""
    if level == 0:
        return name or ""
    base = module.split(".")
    base = base[: len(base) - level + (1 if is_package else 0)]
    return ".".join([*base, name] if name else base)


def _imports(module: str) -> set[str]:
    """Modules of the package that ``module`` imports anywhere in its source."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                found.add(sub if sub in MODULES else source)
    return {m for m in found if m in MODULES and m != module}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or ``None`` (iterative DFS)."""
    done: set[str] = set()
    for root in sorted(graph):
        if root in done:
            continue
        path = [root]
        stack = [iter(sorted(graph[root]))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                done.add(path.pop())
                stack.pop()
            elif nxt in path:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in done:
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def test_the_cycle_finder_finds_a_lazy_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    assert _resolve("p.q.r", False, 1, "s") == "p.q.s"
    assert _resolve("p.q", True, 1, "s") == "p.q.s"
    assert _resolve("p.q.r", False, 2, None) == "p"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports(module: str) -> None:
    assert importlib.import_module(module).__name__ == module


def test_no_import_cycle_lazy_imports_included() -> None:
    graph = {m: _imports(m) for m in MODULES}
    assert sum(len(e) for e in graph.values()) > len(graph)  # the parser does see imports
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_no_module_is_over_300_lines() -> None:
    """Issue 15: a module a reader can hold in mind; the package and the benchmarks alike."""
    sources = [*ROOT.rglob("*.py"), *(ROOT.parent / "benchmarks").glob("*.py")]
    long = {str(p): n for p in sources if (n := len(p.read_text().splitlines())) > 300}
    assert len(sources) > 100 and not long, long
