"""The store's join done in NumPy for the scoring API: the same rows at half the cost.

``ServingSession`` runs the feature store's SQL over one request's records. Profiling showed that
on a few applicants most of an execution is not the features but their assembly: the six
families together cost ~9 ms, the store query ~19 ms, because each ``LEFT JOIN`` sets up a hash
table for ~50 payload columns to join one row. So the session runs the family queries as
``UNION ALL`` statements (each family's row packed as one list; the families split across
connections that run at once, ``family_split.py``) and this module joins them by
``SK_ID_CURR``, in NumPy, into the store's columns.

The store's own SQL still decides every value, the join included, because the plan is derived
from it when the session starts:

- which family column is which store column: by name, from the queries' result columns. A store
  column no family produces (a feature computed in ``feature_store.sql`` itself) means the store
  is more than a join: ``plan`` returns ``None`` and the session runs the store query instead;
- what an applicant without a family's records gets (``absent``): the store query's own row for
  a probe applicant with no history, NULL or its ``coalesce`` default. The store applies that
  ``coalesce`` to every row, so a NULL in a present family row takes the same default.

The parity tests hold this path bit for bit equal to the store query
(``test_serving_sessions.py``) and to the batch feature store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from creditrisk_assets.serving.feature_rows import FeatureRows

#: The prepared statement's name on the session's connections.
STATEMENT = "family_rows"


def statement_sql(families: Sequence[tuple[int, str]]) -> str:
    """One statement over ``(index, view)`` families: a row per applicant and family, tagged
    with the family's index in ``FamilyRows.families``, its columns packed as one list."""
    return " UNION ALL ".join(
        f"SELECT {i}::INTEGER AS family, SK_ID_CURR, "
        f"list_value(*COLUMNS(* EXCLUDE (SK_ID_CURR)))::DOUBLE[] AS features FROM {view}"
        for i, view in families
    )


@dataclass(frozen=True)
class _Family:
    store_columns: np.ndarray  # where each used family column goes among the store's features
    family_columns: np.ndarray  # which positions of the family's packed row those are
    width: int  # length of the family's packed row


@dataclass(frozen=True)
class FamilyRows:
    """How to build the store query's rows from the families' packed rows (see module doc)."""

    names: list[str]
    families: list[_Family]  # in FAMILY_FILES order; the first is the applicants' own
    absent: np.ndarray  # float64 per store column: NaN, or the store's default without records
    defaulted: np.ndarray  # bool per store column: whether ``absent`` holds a default

    @classmethod
    def plan(
        cls,
        con: duckdb.DuckDBPyConnection,
        family_views: Sequence[str],
        names: list[str],
        without_history: np.ndarray,
    ) -> FamilyRows | None:
        """The join of ``family_views`` (as described on ``con``) into the store's columns, or
        ``None`` if the store is not a left join of them on ``SK_ID_CURR`` (the caller then runs
        the store query). The caller prepares ``statement_sql`` over the families.

        ``without_history``: the store query's row for an applicant with no history records.
        """
        where = {name: i for i, name in enumerate(names)}
        families, seen = [], set()
        for view in family_views:
            cols = [c[0] for c in con.execute(f"SELECT * FROM {view} LIMIT 0").description]
            if "SK_ID_CURR" not in cols:
                return None
            packed = [c for c in cols if c != "SK_ID_CURR"]
            used = [(where[c], j) for j, c in enumerate(packed) if c in where]
            seen.update(c for c in packed if c in where)
            families.append(
                _Family(
                    store_columns=np.array([s for s, _ in used], dtype=np.intp),
                    family_columns=np.array([j for _, j in used], dtype=np.intp),
                    width=len(packed),
                )
            )
        if seen != set(names) or sum(len(f.store_columns) for f in families) != len(names):
            return None
        absent = np.asarray(without_history, dtype=np.float64)
        defaulted = ~np.isnan(absent)
        defaulted[families[0].store_columns] = False  # every applicant has its own row
        absent = np.where(defaulted, absent, np.nan)
        return cls(names, families, absent, defaulted)

    def assemble(self, result: pa.Table) -> FeatureRows | None:
        """The store's rows from the families' rows (``statement_sql``'s columns, families in
        any order, split over any number of chunks), or ``None`` when an applicant id comes
        twice in the application records or in one family's rows (the store's join would
        repeat rows: run the store query instead)."""
        family = result.column("family").to_numpy()
        row_ids = result.column("SK_ID_CURR").to_numpy()
        lists = result.column("features").combine_chunks()
        starts = lists.offsets.to_numpy()[:-1]
        flat = lists.values  # offsets index into the whole child array
        values = flat.to_numpy(zero_copy_only=False)
        nulls = flat.is_null().to_numpy(zero_copy_only=False)

        own = family == 0
        ids = np.sort(row_ids[own])
        if len(ids) > 1 and (ids[1:] == ids[:-1]).any():
            return None
        out = np.tile(self.absent, (len(ids), 1))
        for f, spec in enumerate(self.families):
            rows = np.flatnonzero(family == f)
            if f and len(np.unique(row_ids[rows])) != len(rows):
                return None  # a family with two rows for one applicant: the store's join repeats
            at = np.searchsorted(ids, row_ids[rows])
            kept = at < len(ids)
            kept[kept] = ids[at[kept]] == row_ids[rows[kept]]  # records of unknown applicants
            rows, at = rows[kept], at[kept]
            cells = starts[rows][:, None] + spec.family_columns[None, :]
            block = values[cells]
            fill = self.defaulted[spec.store_columns]
            if fill.any():  # the store's coalesce applies to present rows' NULLs too
                block = np.where(nulls[cells] & fill, self.absent[spec.store_columns], block)
            out[np.ix_(at, spec.store_columns)] = block
        return FeatureRows(ids=ids, values=out, names=self.names)
