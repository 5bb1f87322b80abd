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

Determinism: the same (seed, snapshot, applicants, drift) gives byte-identical files. Random
streams come from ``SeedSequence([seed, snapshot ordinal, chunk index, stream])``.

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
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import cache
from pathlib import Path

import numpy as np

from creditrisk_assets.schema import RAW_TABLES, table_specs
from creditrisk_assets.synthetic._common import Cat, Column
from creditrisk_assets.synthetic.chunk import Chunk, build_chunk, target_draws
from creditrisk_assets.synthetic.signal import calibrate, true_pd
from creditrisk_assets.synthetic.writer import TableWriter, write_text_atomic

__all__ = ["ORACLE_FILE", "generate_snapshot", "n_test_rows"]

ORACLE_FILE = "oracle_true_pd.csv"
#: Applicants (train + test) generated together; fixed so output never depends on memory.
CHUNK_APPLICANTS = 25_000
#: Kaggle's application_test / application_train row ratio.
TEST_RATIO = 48_744 / 307_511
FIRST_SK_ID_CURR = 100_002
FIRST_SK_ID_BUREAU = 5_000_000
FIRST_SK_ID_PREV = 1_000_001
#: The intercept is calibrated once per process on a fixed pilot population (its own seed,
#: date and chunk stream; drift 0), so every snapshot shares it: the expected default rate is the
#: same for any seed, and small snapshots do not pay for a pilot each.
PILOT_APPLICANTS = 8_000
PILOT_SEED, PILOT_SNAPSHOT, PILOT_CHUNK = 0, "2000-01-01", 2**32 - 1


def n_test_rows(applicants: int) -> int:
    """Rows of application_test for ``applicants`` rows of application_train."""
    return round(applicants * TEST_RATIO)


@cache
def intercept() -> float:
    """Log-odds intercept that gives a mean true PD of TARGET_RATE on the pilot population."""
    ids = np.arange(PILOT_APPLICANTS, dtype=np.int64)
    no_test = np.zeros(len(ids), dtype=bool)
    pilot = build_chunk(PILOT_SEED, PILOT_SNAPSHOT, PILOT_CHUNK, ids, no_test, 0.0, 0, 0)
    return calibrate(pilot.scores)


def _test_positions(lo: int, hi: int, total: int, n_test: int) -> np.ndarray:
    """Whether global positions lo..hi-1 are test applicants: evenly interleaved, exact count."""
    pos = np.arange(lo, hi, dtype=np.int64)
    return (pos + 1) * n_test // total > pos * n_test // total


def generate_snapshot(
    out_dir: str | Path,
    snapshot: str,
    applicants: int,
    drift: float = 0.0,
    seed: int = 7,
    progress: bool = False,
) -> dict:
    """Write one synthetic snapshot into ``out_dir``; returns a summary with per-file rows and md5.

    ``snapshot`` is a ``YYYY-MM-DD`` date (it seeds the draws); ``applicants`` the number of
    application_train rows; ``drift`` in [0, 1] (see the module docstring); ``seed`` any
    non-negative int. Existing files of the same names are replaced, atomically per file.
    """
    if applicants < 1:
        raise ValueError("applicants must be at least 1")
    if not 0.0 <= drift <= 1.0:
        raise ValueError("drift must be between 0 and 1")
    if seed < 0:
        raise ValueError("seed must be non-negative")
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs = table_specs()
    n_test = n_test_rows(applicants)
    total = applicants + n_test
    base = intercept()

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
    defaults = 0
    # One background thread writes chunk k while the main thread generates chunk k + 1: Arrow's
    # formatting and numpy both release the GIL, so the two cores overlap. At most two chunks
    # are in memory; each file is still appended in chunk order, so the bytes do not change.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synthetic-writer")
    pending: Future[None] | None = None
    try:
        next_bureau, next_prev = FIRST_SK_ID_BUREAU, FIRST_SK_ID_PREV
        n_chunks = -(-total // CHUNK_APPLICANTS)
        for index in range(n_chunks):
            lo, hi = index * CHUNK_APPLICANTS, min(total, (index + 1) * CHUNK_APPLICANTS)
            ids = FIRST_SK_ID_CURR + np.arange(lo, hi, dtype=np.int64)
            is_test = _test_positions(lo, hi, total, n_test)
            chunk = build_chunk(seed, snapshot, index, ids, is_test, drift, next_bureau, next_prev)
            next_bureau += chunk.n_bureau
            next_prev += chunk.n_previous
            pd_ = true_pd(chunk.scores, base, drift)
            target = (target_draws(seed, snapshot, index, len(ids)) < pd_).astype(np.int64)
            defaults += int(target[~is_test].sum())
            if pending is not None:
                pending.result()
            pending = pool.submit(_write_chunk, writers, chunk, target, pd_)
            del chunk
            if progress:
                elapsed = time.perf_counter() - started
                print(
                    f"[synthetic] chunk {index + 1}/{n_chunks}: applicants {hi:,}/{total:,}, "
                    f"{elapsed:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
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
    return {
        "snapshot": snapshot,
        "seed": seed,
        "applicants": applicants,
        "test_applicants": n_test,
        "drift": drift,
        "files": files,
        "oracle": {"file": ORACLE_FILE, "rows": writers["oracle"].rows, "md5": digests["oracle"]},
        "target_rate": defaults / applicants,
        "intercept": base,
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
