"""Column lineage of the feature SQL: which raw columns each feature is computed from.

Why: a protected attribute must not reach the model *through a derived feature* either (a ratio,
a flag, a missing-value count). Listing derived features by hand would silently miss the next
one somebody adds to ``sql/features_*.sql``; reading the lineage from the SQL itself catches it.

The scan is deliberately conservative (it may over-report a dependency, never drop one):

- every ``<expression> AS <alias>`` item of a SELECT list (or of a ``* REPLACE (...)``) makes the
  alias depend on every identifier in the expression; ``CAST(x AS type)`` and table/CTE aliases
  are not items and add nothing;
- a star inside an expression (``list_value(*COLUMNS(* EXCLUDE (...)))``, ``app.*``) depends on
  every known column except those its ``EXCLUDE (...)`` list names; ``COLUMNS(lambda c: ...)``
  is evaluated by DuckDB itself over the known column names, so it selects exactly what the SQL
  would;
- aliases of all files share one graph (an alias reused with another meaning in another file
  can only add dependencies), and the closure follows aliases transitively;
- a name that no SELECT item defines (a pass-through column) depends on itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb

_TOKEN = re.compile(
    r"(?P<comment>--[^\n]*)|(?P<str>'(?:[^']|'')*')|(?P<qid>\"(?:[^\"]|\"\")*\")"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<num>\d+(?:\.\d*)?)|(?P<sym>[(),.*\[\]:;]|[^\s\w])"
)
#: Keywords that end a SELECT list at its depth: an ``AS`` reached past one names a table.
_CLAUSES = {
    "FROM",
    "JOIN",
    "WHERE",
    "GROUP",
    "ORDER",
    "HAVING",
    "ON",
    "USING",
    "WITH",
    "UNION",
    "PIVOT",
    "QUALIFY",
    "WINDOW",
    "LIMIT",
}


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper()


def _tokens(sql: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(sql):
        kind = m.lastgroup or "sym"
        if kind == "comment":
            continue
        text = m.group()
        if kind == "qid":
            kind, text = "word", text[1:-1].replace('""', '"')
        out.append(_Tok(kind, text, m.start(), m.end()))
    return out


def _item_start(toks: list[_Tok], as_index: int) -> int | None:
    """Index of the first token of the SELECT item ending at ``toks[as_index]`` (an ``AS``), or
    None when that ``AS`` is not a SELECT item's (a CAST's type, a table or CTE alias)."""
    depth = 0
    for i in range(as_index - 1, -1, -1):
        t = toks[i]
        if t.text == ")":
            depth += 1
        elif t.text == "(":
            depth -= 1
            if depth < 0:  # an unmatched "(": the AS sits inside a call or a list
                return i + 1 if i > 0 and toks[i - 1].upper == "REPLACE" else None
        elif depth == 0 and (t.text == "," or t.upper in ("SELECT", "DISTINCT")):
            return i + 1
        elif depth == 0 and t.upper in _CLAUSES:
            return None
    return None


def _list_head(toks: list[_Tok], start: int) -> int:
    """Index of the SELECT (or ``REPLACE (``) that opens the list holding the item at ``start``:
    items of one list share it, and a star cannot see its own list's aliases."""
    depth = 0
    for i in range(start - 1, -1, -1):
        t = toks[i]
        depth += t.text == ")"
        depth -= t.text == "("
        if depth < 0 or (depth == 0 and t.upper == "SELECT"):
            return i
    return -1


def _span_refs(sql: str, toks: list[_Tok], universe: tuple[str, ...]) -> set[str]:
    """Names an expression reads: its identifiers, plus the columns its stars expand to."""
    refs: set[str] = set()
    excluded: set[str] = set()
    star = False
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.upper == "EXCLUDE" and i + 1 < len(toks) and toks[i + 1].text == "(":
            j, depth = i + 1, 0
            while j < len(toks):
                depth += toks[j].text == "("
                depth -= toks[j].text == ")"
                if toks[j].kind == "word":
                    excluded.add(toks[j].text)
                if depth == 0:
                    break
                j += 1
            i = j + 1
            continue
        if t.upper == "LAMBDA" and i >= 2 and toks[i - 1].text == "(":
            j, depth = i, 1
            while j < len(toks) and depth:
                depth += toks[j].text == "("
                depth -= toks[j].text == ")"
                j += 1
            refs.update(_lambda_columns(sql[t.start : toks[j - 1].start], universe))
            i = j
            continue
        if t.text == "*" and _is_expansion(toks, i):
            star = True
        elif t.kind == "word":
            refs.add(t.text)
        i += 1
    if star:
        refs.update(c for c in universe if c not in excluded)
    return refs


def _is_expansion(toks: list[_Tok], i: int) -> bool:
    """Whether the ``*`` at ``toks[i]`` stands for columns (not a product, ``count(*)``, nor the
    unpacking mark of ``*COLUMNS(...)``, whose argument decides the columns)."""
    prev = toks[i - 1] if i else None
    after = toks[i + 1] if i + 1 < len(toks) else None
    if not (prev is None or prev.text in ("(", ",", ".") or prev.upper == "SELECT"):
        return False  # a product: a * b
    if after is not None and after.upper == "COLUMNS":
        return False
    in_columns_call = prev is not None and prev.text == "(" and toks[i - 2].upper == "COLUMNS"
    return not (after is not None and after.text == ")" and not in_columns_call)


def _lambda_columns(lambda_text: str, universe: tuple[str, ...]) -> list[str]:
    """The columns ``COLUMNS(<lambda_text>)`` selects, asked of DuckDB over ``universe``."""
    con = duckdb.connect()
    try:
        row = con.execute(f"SELECT list_filter($names, {lambda_text})", {"names": list(universe)})
        return list(row.fetchone()[0])
    finally:
        con.close()


def alias_graph(sql_texts: Iterable[str], universe: Iterable[str]) -> dict[str, set[str]]:
    """alias -> names its defining expressions read (direct edges, over all texts)."""
    universe = tuple(universe)
    items = []  # (text, tokens, alias, first token, AS token, (text number, list head))
    for n, sql in enumerate(sql_texts):
        toks = _tokens(sql)
        for i, t in enumerate(toks[:-1]):
            if t.upper == "AS" and toks[i + 1].kind == "word":
                start = _item_start(toks, i)
                if start is not None:
                    head = (n, _list_head(toks, start))
                    items.append((sql, toks, toks[i + 1].text, start, i, head))
    graph: dict[str, set[str]] = {}
    for sql, toks, alias, start, end, head in items:
        # a star sees raw columns and aliases of other lists, never its own list's
        visible = sorted({it[2] for it in items if it[5] != head})
        names = tuple(dict.fromkeys([*universe, *visible]))
        graph.setdefault(alias, set()).update(_span_refs(sql, toks[start:end], names))
    return graph


def upstream(names: Iterable[str], graph: Mapping[str, set[str]]) -> dict[str, frozenset[str]]:
    """name -> every name it reads, transitively (itself included)."""
    out: dict[str, frozenset[str]] = {}
    for name in names:
        seen = {name}
        todo = [name]
        while todo:
            for ref in graph.get(todo.pop(), ()):
                if ref not in seen:
                    seen.add(ref)
                    todo.append(ref)
        out[name] = frozenset(seen)
    return out


def derived_from(
    features: Iterable[str],
    sources: Iterable[str],
    sql_texts: Iterable[str],
    universe: Iterable[str],
) -> dict[str, tuple[str, ...]]:
    """feature -> the ``sources`` it is computed from, for each feature reading any of them."""
    wanted = set(sources)
    graph = alias_graph(sql_texts, universe)
    lineage = upstream(features, graph)
    return {f: tuple(sorted(deps & wanted)) for f, deps in lineage.items() if deps & wanted}
