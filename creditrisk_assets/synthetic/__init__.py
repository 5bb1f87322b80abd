"""Synthetic Home Credit snapshots: the platform's embedded default data source.

``generate_snapshot(out_dir, snapshot, applicants)`` writes the eight Kaggle files
(``application_train.csv`` ... ``credit_card_balance.csv``, Kaggle's names, columns, order and
types from :func:`creditrisk_assets.schema.table_specs`), an ``MD5SUMS`` file over them, and the
oracle ``oracle_true_pd.csv`` (``SK_ID_CURR,TRUE_PD`` for every train and test applicant).
The oracle sits beside the raw tables and is not listed in ``MD5SUMS``: it is not part of the
lender's feed, only the answer key for tests and benchmarks.

Why synthetic: the real data cannot ship with the project, and a generator with a *known* true
PD lets the pipeline's model quality be checked against a ceiling. A latent creditworthiness
shapes the application columns and the history tables; ``TARGET`` is drawn from a PD that is a
function of the generated records only (see :mod:`.signal`), so the oracle AUC is the best any
model can reach.

Sizes: ``applicants`` is the number of ``application_train`` rows; ``application_test`` gets
about 15.9 % as many (Kaggle's ratio 48,744 / 307,511); history tables cover both, with Kaggle's
per-applicant cardinalities (not every applicant has every table).

Determinism: the same (seed, snapshot, applicants, drift, lineage) gives byte-identical files.
Random streams come from ``SeedSequence([seed, snapshot ordinal, chunk index, stream])``.

Drift (0..1) models a changed population, for the monitoring and retraining paths. Random draws
are the same as without drift; only these transforms move, linearly in ``drift`` (constants in
``applicants.py`` and ``signal.py``):

* ``AMT_INCOME_TOTAL``: multiplied by ``1 + 0.35 * drift`` (before rounding);
* ``EXT_SOURCE_1/2/3``: the normal score behind each is shifted by ``-0.6 * drift`` (lower
  scores; at drift 1 the mean of EXT_SOURCE_2 drops from 0.51 to 0.40);
* ``DAYS_EMPLOYED`` (employed applicants): years employed multiplied by ``1 - 0.4 * drift``;
* loan amounts of the application (``AMT_GOODS_PRICE``, hence ``AMT_CREDIT`` and
  ``AMT_ANNUITY``; revolving limits too): multiplied by ``1 + 0.4 * drift``;
* default rate: the true log-odds get ``+ DRIFT_LOGIT * drift`` (0.35 per unit) on top of what
  the drifted columns do through the PD; the intercept is calibrated at drift 0, so the default
  rate rises with drift: measured 8.1 % at 0, 11.5 % at 0.5, 15.9 % at 1 (20,000 applicants).

Measured PSI (deciles) of each named column against drift 0: about 0.09 at drift 0.5 and 0.24 to
0.35 at drift 1 (EXT_SOURCE_* and income 0.34, goods price and credit 0.24, employed days 0.25),
so drift 1 is a "significant" shift by the usual PSI > 0.25 rule for the scores and income.

History tables are not drifted.

Outcomes that mature (``earlier``, ``overlap``, ``lag_days``): a snapshot generated with the list
of its lineage's earlier snapshots takes ids after theirs, and its ``application_train`` also
holds a share of their test applicants, with the history rows and the ``TARGET`` they were
generated with (see :mod:`.maturity`). Those rows come first (their ids are lower), then the
snapshot's own ``applicants``; the oracle covers them too.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import cache
from pathlib import Path

import numpy as np

from creditrisk_assets.schema import RAW_TABLES, table_specs
from creditrisk_assets.synthetic._common import Cat, Column
from creditrisk_assets.synthetic.chunk import Chunk, build_chunk, target_draws
from creditrisk_assets.synthetic.layout import KeyCounters, chunk_spans, n_test_rows
from creditrisk_assets.synthetic.maturity import (
    Matured,
    PriorSnapshot,
    check_lineage,
    first_ids,
    is_mature,
    matured_chunks,
)
from creditrisk_assets.synthetic.signal import calibrate, true_pd
from creditrisk_assets.synthetic.writer import TableWriter, write_text_atomic

__all__ = ["ORACLE_FILE", "PriorSnapshot", "generate_snapshot", "n_test_rows"]

ORACLE_FILE = "oracle_true_pd.csv"
#: Applicants (train + test) generated together; fixed so output never depends on memory.
CHUNK_APPLICANTS = 25_000
#: The intercept is calibrated once per process on a fixed pilot population (its own seed,
#: date and chunk stream; drift 0), so every snapshot shares it: the expected default rate is the
#: same for any seed, and small snapshots do not pay for a pilot each.
PILOT_APPLICANTS = 8_000
PILOT_SEED, PILOT_SNAPSHOT, PILOT_CHUNK = 0, "2000-01-01", 2**32 - 1


@cache
def intercept() -> float:
    """Log-odds intercept that gives a mean true PD of TARGET_RATE on the pilot population."""
    ids = np.arange(PILOT_APPLICANTS, dtype=np.int64)
    no_test = np.zeros(len(ids), dtype=bool)
    pilot = build_chunk(PILOT_SEED, PILOT_SNAPSHOT, PILOT_CHUNK, ids, no_test, 0.0, 0, 0)
    return calibrate(pilot.scores)


def _check(applicants: int, drift: float, seed: int, overlap: float, lag_days: int) -> None:
    if applicants < 1:
        raise ValueError("applicants must be at least 1")
    if not 0.0 <= drift <= 1.0:
        raise ValueError("drift must be between 0 and 1")
    if seed < 0:
        raise ValueError("seed must be non-negative")
    if not 0.0 <= overlap <= 1.0:
        raise ValueError("overlap must be between 0 and 1")
    if lag_days < 0:
        raise ValueError("lag_days must be non-negative")


def _own_chunks(
    seed: int, snapshot: str, applicants: int, drift: float, first_id: int, keys: KeyCounters
) -> Iterator[Matured]:
    """The snapshot's own applicants, chunk by chunk (``keys`` advanced as each is made)."""
    base = intercept()
    for span in chunk_spans(applicants, CHUNK_APPLICANTS, first_id):
        ids, is_test = span.sk_id_curr, span.is_test
        chunk = build_chunk(seed, snapshot, span.index, ids, is_test, drift, keys.bureau, keys.prev)
        keys.advance(chunk.n_bureau, chunk.n_previous)
        pd_ = true_pd(chunk.scores, base, drift)
        target = (target_draws(seed, snapshot, span.index, len(ids)) < pd_).astype(np.int64)
        yield Matured(snapshot, chunk, target, pd_)


def generate_snapshot(
    out_dir: str | Path,
    snapshot: str,
    applicants: int,
    drift: float = 0.0,
    seed: int = 7,
    progress: bool = False,
    *,
    earlier: Sequence[PriorSnapshot] = (),
    overlap: float = 1.0,
    lag_days: int = 0,
) -> dict:
    """Write one synthetic snapshot into ``out_dir``; returns a summary with per-file rows and md5.

    ``snapshot`` is a ``YYYY-MM-DD`` date (it seeds the draws); ``applicants`` the number of
    application_train rows of its own applicants; ``drift`` in [0, 1] (see the module
    docstring); ``seed`` any non-negative int. ``earlier`` lists *every* earlier snapshot of the
    lineage (generated with the same seed; it fixes where this snapshot's ids start), ``overlap``
    in [0, 1] is the share of a matured snapshot's test applicants labelled here, ``lag_days``
    how much older a snapshot must be for its outcomes to have matured (see :mod:`.maturity`).
    Existing files of the same names are replaced, atomically per file.
    """
    _check(applicants, drift, seed, overlap, lag_days)
    lineage = check_lineage(snapshot, earlier)
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs = table_specs()
    base = intercept()
    starts = first_ids(lineage)
    mature = [p for p in lineage if is_mature(p, snapshot, lag_days)]
    keys = KeyCounters()

    def work() -> Iterator[Matured]:
        """Matured rows first (their ids are the lower ones), then the snapshot's own."""
        for prior, first in zip(lineage, starts, strict=False):
            if prior in mature:
                yield from matured_chunks(seed, prior, first, overlap, CHUNK_APPLICANTS, base, keys)
        yield from _own_chunks(seed, snapshot, applicants, drift, starts[-1], keys)

    writers = {
        t: TableWriter(
            out / specs[t].file,
            specs[t].column_names,
            {c.name: c.dtype for c in specs[t].columns},
        )
        for t in RAW_TABLES
    }
    writers["oracle"] = TableWriter(
        out / ORACLE_FILE, ["SK_ID_CURR", "TRUE_PD"], {"SK_ID_CURR": "int", "TRUE_PD": "float"}
    )
    own = {"defaults": 0}
    matured = {"rows": 0, "defaults": 0, "pd_sum": 0.0}
    # One background thread writes chunk k while the main thread generates chunk k + 1: Arrow's
    # formatting and numpy both release the GIL, so the two cores overlap. At most two chunks
    # are in memory; each file is still appended in chunk order, so the bytes do not change.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synthetic-writer")
    pending: Future[None] | None = None
    try:
        for item in work():
            if item.source == snapshot:
                own["defaults"] += int(item.target[~item.chunk.is_test].sum())
            else:
                matured["rows"] += len(item.target)
                matured["defaults"] += int(item.target.sum())
                matured["pd_sum"] += float(item.pd.sum())
            if pending is not None:
                pending.result()
            pending = pool.submit(_write_chunk, writers, item.chunk, item.target, item.pd)
            if progress:
                what = "own" if item.source == snapshot else f"matured from {item.source}"
                print(
                    f"[synthetic] {what}: {len(item.target):,} applicants, "
                    f"{time.perf_counter() - started:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
            del item
        if pending is not None:
            pending.result()
        digests = {name: w.close() for name, w in writers.items()}
        (out / "MD5SUMS").unlink(missing_ok=True)  # a stale manifest must not vouch for new files
        for w in writers.values():
            w.commit()
    except BaseException:
        if pending is not None:
            pending.cancel()
            wait([pending])
        for w in writers.values():
            w.abort()
        raise
    finally:
        pool.shutdown(wait=True)

    files = {writers[t].path.name: {"rows": writers[t].rows, "md5": digests[t]} for t in RAW_TABLES}
    write_text_atomic(
        out / "MD5SUMS", "".join(f"{info['md5']}  {name}\n" for name, info in files.items())
    )
    n_matured = matured["rows"]
    return {
        "snapshot": snapshot,
        "seed": seed,
        "applicants": applicants,
        "test_applicants": n_test_rows(applicants),
        "drift": drift,
        "files": files,
        "oracle": {"file": ORACLE_FILE, "rows": writers["oracle"].rows, "md5": digests["oracle"]},
        "target_rate": own["defaults"] / applicants,
        "intercept": base,
        "first_sk_id_curr": starts[-1],
        "matured": {
            "from": [p.snapshot for p in mature],
            "overlap": overlap,
            "lag_days": lag_days,
            "rows": n_matured,
            "target_rate": matured["defaults"] / n_matured if n_matured else None,
            "mean_true_pd": matured["pd_sum"] / n_matured if n_matured else None,
        },
        "seconds": round(time.perf_counter() - started, 3),
    }


def _rows(col: Column, idx: np.ndarray) -> Column:
    return col.take(idx) if isinstance(col, Cat) else col[idx]


def _write_chunk(
    writers: dict[str, TableWriter], chunk: Chunk, target: np.ndarray, pd_: np.ndarray
) -> None:
    app = chunk.tables["application"]
    train, test = np.flatnonzero(~chunk.is_test), np.flatnonzero(chunk.is_test)
    train_cols = {k: _rows(v, train) for k, v in app.items()}
    train_cols["TARGET"] = target[train]
    writers["application_train"].write(train_cols)
    writers["application_test"].write({k: _rows(v, test) for k, v in app.items()})
    for table in RAW_TABLES[2:]:
        writers[table].write(chunk.tables[table])
    writers["oracle"].write({"SK_ID_CURR": chunk.sk_id_curr, "TRUE_PD": pd_})
