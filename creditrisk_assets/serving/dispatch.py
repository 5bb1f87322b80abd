"""How a ``/predict`` body is parsed and scored: the one place that decides.

Three ways, by body size, all giving the same predictions (the fast readers only accept bodies
the pydantic model accepts, and score them with the same ``scoring.predict``):

- up to ``INLINE_MAX_BYTES`` (a handful of rows): on the event loop. The work is well under a
  millisecond, and the hop to the threadpool and back, with the GIL hand-offs it causes, was a
  large part of a one-row request's latency;
- from ``reader.LARGE_MIN_BYTES``: in the threadpool, a ``columns`` + ``data`` body cut into
  chunks that worker threads score while the next is parsed (``fastpath/batches.py``);
- in between, and any large body the chunked reader does not take: in the threadpool, parsed
  whole by orjson (``reader.parse``).

Whatever the fast readers refuse is parsed by the pydantic model, which words the field-level
422. Before orjson or pydantic builds a body larger than ``INLINE_MAX_BYTES`` its rows are
counted on the bytes (``limits.check_predict_rows``): past ``max_rows`` it is a 413 at once,
not after every row became Python objects. The chunked reader counts its rows itself.

The response is written in the same thread as the scoring (orjson of 10,000 predictions
is ~30 ms: not on the event loop). So is the decision log's record of the answer
(``decision_log.py``): built from the predictions and the feature matrices already in hand,
then handed to the in-process buffer, so no request waits on storage.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import HTTPException, Response
from starlette.concurrency import run_in_threadpool

from creditrisk_assets.serving import limits, scoring
from creditrisk_assets.serving.api_models import PredictRequest
from creditrisk_assets.serving.champion import ServedModel
from creditrisk_assets.serving.decision_log import DecisionRecorder
from creditrisk_assets.serving.fastpath import batches, reader
from creditrisk_assets.serving.http import json_response, parse
from creditrisk_assets.serving.metrics import ApiMetrics
from creditrisk_assets.serving.settings import ServingSettings

#: ``/predict`` bodies up to this size (a few rows) are scored on the event loop: the work is
#: well under a millisecond, less than the hop to a thread costs.
INLINE_MAX_BYTES = 32 * 1024


async def predict_response(
    body: bytes,
    served: ServedModel,
    settings: ServingSettings,
    metrics: ApiMetrics,
    recorder: DecisionRecorder | None = None,
) -> Response:
    """The ``/predict`` answer for ``body``, scored by ``served``: where it runs (event loop or
    threadpool) and how it is read (in chunks or whole) are decided here, by its size. Every
    prediction is recorded by ``recorder`` (when the decision log is on)."""
    chunked = len(body) >= reader.LARGE_MIN_BYTES
    args = (body, served, settings, metrics, chunked, recorder)
    if len(body) <= INLINE_MAX_BYTES:  # a few rows: ~0.5 ms, less than a thread hop costs
        return _respond(*args)
    return await run_in_threadpool(_respond, *args)


def _respond(
    body: bytes,
    served: ServedModel,
    settings: ServingSettings,
    metrics: ApiMetrics,
    chunked: bool,
    recorder: DecisionRecorder | None = None,
) -> Response:
    preds = None
    matrices: list[np.ndarray] = []
    if chunked:  # parsed and scored chunk by chunk, or None if the chunked reader refuses it
        preds = batches.predict_large(
            body,
            served,
            max_rows=settings.max_rows,
            reason_codes=settings.reason_codes,
            exact_reasons_max_rows=settings.exact_reasons_max_rows,
            matrices=matrices,
        )
    if preds is None:
        if len(body) > INLINE_MAX_BYTES:
            limits.check_predict_rows(body, settings.max_rows)
        preds, x = _predict_whole(body, served, settings)
        matrices = [x]
    if recorder is not None:
        recorder.record("api_predict", served, preds, matrices)
    metrics.add_rows("predict", len(preds))
    return json_response(
        {"model_name": served.name, "model_version": served.version, "predictions": preds}
    )


def _predict_whole(
    body: bytes, served: ServedModel, settings: ServingSettings
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The body read in one go: orjson's fast reader, else the pydantic model (and its 422s).
    Returns the predictions and the feature matrix they were scored from."""
    parsed = reader.parse(body, served.feature_index, settings.max_rows)
    if parsed is not None:
        x, ids, requested = parsed.x, parsed.ids, parsed.reasons
    else:  # anything the fast path does not take: pydantic judges it, with field messages
        req: PredictRequest = parse(PredictRequest, body)
        if req.n_rows > settings.max_rows:
            raise limits.too_many("rows", req.n_rows, settings.max_rows, " per request")
        try:
            x = scoring.feature_matrix(req, served)
        except scoring.InputError as err:
            raise HTTPException(422, err.errors) from None
        ids, requested = req.ids, req.reasons
    method = scoring.reason_method(requested, len(x), settings.exact_reasons_max_rows)
    return scoring.predict(served, x, ids, settings.reason_codes, method), x
