"""Large ``/predict`` batches: score each chunk of rows while the next one is being parsed.

For 10,000 rows x 334 features the request's work is ~0.06-0.1 s of JSON parsing, which holds
the GIL, ~0.1 s of XGBoost and leaf-path products (``tree_paths.py``), which mostly do not, and
~0.03 s of building the response rows (measured on the 2-core benchmark machine). Rather than
one after the other, the body is cut into chunks of ``CHUNK_ROWS`` rows
(``reader.plan_large``), each parsed chunk goes to a worker that scores it on one XGBoost
thread and builds its rows, and the request thread parses the next chunk meanwhile
(benchmarks/RESULTS.md, "Scoring API", has a timeline of one request).

Validation is unchanged: a chunk the fast path cannot judge, or chunks whose rows do not add
up to the body's, drop the whole body to the pydantic path (and its field-level 422); work
already handed to the workers is then thrown away.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from creditrisk_assets.serving import scoring
from creditrisk_assets.serving.champion import ServedModel
from creditrisk_assets.serving.fastpath import reader

#: Rows per chunk: small enough that the first one is scored early, large enough that the
#: per-call costs of simdjson and XGBoost stay small (8 chunks for 10,000 rows).
CHUNK_ROWS = 1250
_WORKERS = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="batch-chunks")


def predict_large(
    body: bytes,
    served: ServedModel,
    *,
    max_rows: int,
    reason_codes: int,
    exact_reasons_max_rows: int,
    matrices: list[np.ndarray] | None = None,
) -> list[dict[str, Any]] | None:
    """Predictions for a large ``columns`` + ``data`` body, or ``None`` if the fast path does
    not take it (the caller then parses it with the pydantic model). ``matrices``, when given,
    receives the chunks' feature matrices in row order (for the decision log)."""
    plan = reader.plan_large(body, served.feature_index, max_rows, CHUNK_ROWS)
    if plan is None:
        return None
    method = scoring.reason_method(plan.reasons, plan.rows, exact_reasons_max_rows)
    pending: list[Future[list[dict[str, Any]]]] = []
    done = 0
    try:
        for chunk in plan.chunks:
            x = plan.matrix(chunk, served.feature_index)
            if x is None or done + len(x) > plan.rows:
                return None
            ids = plan.ids[done : done + len(x)] if plan.ids is not None else None
            if matrices is not None:
                matrices.append(x)
            pending.append(
                _WORKERS.submit(
                    scoring.predict, served, x, ids, reason_codes, method, parallel=False
                )
            )
            done += len(x)
        if done != plan.rows:
            return None  # a nested array: fewer rows than the body has brackets for
        return [p for future in pending for p in future.result()]
    finally:
        for future in pending:
            future.cancel()  # no-op once done; drops queued chunks of a refused body
