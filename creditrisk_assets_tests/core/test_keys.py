"""Every asset key is spelled out once (``creditrisk_assets/keys.py``); groups are key prefixes.

The scan reads the package's source as Python syntax, so it sees what the code does, not what
its docstrings say: a key spelled out anywhere but ``keys.py`` - an ``AssetKey(...)``, a list of
key parts, a lake path such as ``"model/candidate"``, a literal group name - fails it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from creditrisk_assets import keys
from creditrisk_assets.definitions import defs

PACKAGE = Path(keys.__file__).parent
KEYS_MODULE = Path(keys.__file__)
GRAPH_KEYS = list(defs.resolve_asset_graph().get_all_asset_keys())
#: Key names that are also ordinary words of the code, with what else they name: for these only
#: a key-shaped use (AssetKey, list of parts, lake path) counts, not every string that says so.
SHARED_WORDS = {
    "feature_store": "the SQL view (and SQL file) the feature SQL reads",
    "train": "the split's SQL view and the training split's label",
    "test": "the split's SQL view and the test split's label",
    "candidate": "the canary report's field for the candidate's outcome",
    "log": "matplotlib's logarithmic axis scale (decisions/log is the decision log)",
}
#: Calls whose string arguments would name a group or key prefix.
GROUP_CALLS = {"groups", "key_prefixes"}


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes (text about keys is fine; code naming them is not)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def key_literals(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each place ``source`` spells out an asset key or group itself."""
    paths = {"/".join(k.path) for k in GRAPH_KEYS}
    parts = {tuple(k.path) for k in GRAPH_KEYS}
    names = {k.path[-1] for k in GRAPH_KEYS if k.path[0] != keys.RAW} - set(SHARED_WORDS)
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name == "AssetKey":
                yield node.lineno, "AssetKey(...)"
            args = [*node.args, *(kw.value for kw in node.keywords)]
            if name in GROUP_CALLS and any(isinstance(a, ast.Constant) for a in args):
                yield node.lineno, f"{name}() with a literal group"
            for kw in node.keywords:
                if kw.arg == "group_name" and isinstance(kw.value, ast.Constant):
                    yield node.lineno, f"group_name={kw.value.value!r}"
        elif isinstance(node, ast.List | ast.Tuple):
            values = tuple(getattr(e, "value", None) for e in node.elts)
            if values in parts:
                yield node.lineno, f"key parts {list(values)}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                continue
            if node.value in paths:
                yield node.lineno, f"lake path {node.value!r}"
            elif node.value in names:
                yield node.lineno, f"key name {node.value!r}"


def test_every_key_is_spelled_out_only_in_keys_py() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != KEYS_MODULE
        for line, what in key_literals(path.read_text())
    ]
    assert found == [], "asset keys spelled out outside creditrisk_assets/keys.py"


@pytest.mark.parametrize(
    "snippet",
    [
        'KEY = dg.AssetKey(["model", "candidate"])',
        '@dg.asset(key=["deploy", "canary_report"])\ndef f(): ...',
        'lake.read_json("monitoring/drift_report", partition, "x.json")',
        'tags = {"batch_scores": 1}',
        'selection = dg.AssetSelection.groups("features")',
        '@dg.asset(group_name="model")\ndef f(): ...',
    ],
)
def test_the_scan_sees_a_spelled_out_key(snippet: str) -> None:
    assert list(key_literals(snippet)), snippet


def test_the_scan_ignores_docstrings_and_other_words() -> None:
    source = (
        '"""``model/candidate`` and drift_report."""\nsplit = "train"\nview = "feature_store"\n'
    )
    assert list(key_literals(source)) == []


def test_every_asset_group_is_its_key_prefix() -> None:
    graph = defs.resolve_asset_graph()
    groups = {key: graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups, "no assets in the code location"
    assert {k.to_user_string(): g for k, g in groups.items() if g != k.path[0]} == {}
    assert set(groups.values()) == set(keys.GROUPS)


def test_every_key_in_keys_py_is_an_asset_of_the_graph() -> None:
    defined = {v for v in vars(keys).values() if isinstance(v, dg.AssetKey)}
    assert defined <= set(GRAPH_KEYS), defined - set(GRAPH_KEYS)
    assert {keys.raw_key(t) for t in ("application_train", "bureau")} <= set(GRAPH_KEYS)


def test_lake_path_is_the_key_joined_by_slashes() -> None:
    assert keys.lake_path(keys.TEST_PREDICTIONS) == "model/test_predictions"
    assert keys.raw_path("bureau") == "raw/bureau"
    assert keys.group_of(keys.DRIFT_REPORT) == "monitoring"
