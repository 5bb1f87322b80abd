"""The scoring API: ``create_app`` builds it from the pipeline's own resources.

Run it with ``uvicorn --factory creditrisk_assets.serving.app:create_app``. The registry and
warehouse are the same ``ModelRegistry`` and ``Warehouse`` classes the Dagster assets use, and
``/score`` builds features with the same ``sql/`` files through ``features_for_tables`` (what
``features_for_records`` runs), so the API and the pipeline cannot disagree about which model is
champion or how a feature is made.

``/predict`` bodies go through a fast parser into NumPy (``fastpath.py``) and fall back to the
pydantic models, which define what is valid and word the 422s; other bodies are parsed by pydantic
straight from bytes (see ``http.py``). Responses are written by orjson. CPU-bound work (parsing,
feature SQL, XGBoost) runs in the threadpool, except a small ``/predict`` (``INLINE_MAX_BYTES``),
which costs less than the hop to a thread.

Once the first champion is loaded, everything allocated so far (the imported libraries, the
model) is moved out of the garbage collector's sight with ``gc.freeze()``: a 10,000-row
response builds ~60,000 containers, and the full collections those trigger would otherwise walk
every object of dagster, mlflow and pandas as well.
"""

from __future__ import annotations

import gc
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.resources import Warehouse
from creditrisk_assets.serving import batches, contract, fastpath, memory, raw_records, scoring
from creditrisk_assets.serving.api_models import (
    Health,
    Metadata,
    PredictRequest,
    PredictResponse,
    Ready,
    ValidateResponse,
)
from creditrisk_assets.serving.champion import ChampionHolder, ServedModel
from creditrisk_assets.serving.http import (
    ERROR_RESPONSES,
    json_body,
    json_response,
    parse,
    publish_body_schemas,
)
from creditrisk_assets.serving.metrics import CONTENT_TYPE, ApiMetrics
from creditrisk_assets.serving.middleware import LimitsAndMetricsMiddleware
from creditrisk_assets.serving.raw_records import ScoreRequest
from creditrisk_assets.serving.settings import ServingSettings
from creditrisk_assets.wiring import default_resources

#: ``/predict`` bodies up to this size (a handful of rows) are scored on the event loop: the
#: work is well under a millisecond, and the hop to the threadpool and back, with the GIL
#: hand-offs it causes, was a large part of a one-row request's latency.
INLINE_MAX_BYTES = 32 * 1024


def create_app(
    settings: ServingSettings | None = None,
    resources: Mapping[str, Any] | None = None,
    *,
    watch: bool = True,
) -> FastAPI:
    """Build the app. ``resources`` needs ``registry`` and ``warehouse`` (defaults: the
    pipeline's ``default_resources()``); ``watch=False`` skips the polling thread (tests)."""
    settings = settings or ServingSettings.from_env()
    if settings.keep_freed_bytes:
        memory.keep_freed_memory(settings.keep_freed_bytes)
    resources = resources or default_resources()
    registry: ModelRegistry = resources["registry"]
    warehouse: Warehouse = resources["warehouse"]
    metrics = ApiMetrics()
    champion = ChampionHolder(
        registry,
        settings.model_alias,
        settings.poll_seconds,
        metrics,
        settings.model_threads,
        settings.batch_threads,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(champion.refresh)  # ready at once when a champion exists
        gc.collect()
        gc.freeze()  # start-up objects are permanent: full collections skip them (see above)
        if watch:
            champion.start()
        try:
            yield
        finally:
            champion.stop()

    app = FastAPI(
        title="creditrisk scoring API",
        version="1",
        description="PD, decision, risk grade and reason codes from the registry's champion.",
        lifespan=lifespan,
    )
    app.state.settings, app.state.champion, app.state.metrics = settings, champion, metrics
    api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
    expected_key = settings.api_key.get_secret_value().encode() if settings.api_key else None

    def require_key(key: str | None = Depends(api_key_header)) -> None:
        if expected_key is None:
            return
        if key is None or not secrets.compare_digest(key.encode(), expected_key):
            raise HTTPException(401, "missing or invalid X-API-Key", {"WWW-Authenticate": "ApiKey"})

    def served_model() -> ServedModel:
        served = champion.current
        if served is None:
            raise HTTPException(503, f"no model behind alias {settings.model_alias!r} loaded yet")
        return served

    scoring_route = {
        "dependencies": [Depends(require_key)],
        "responses": ERROR_RESPONSES,
    }

    @app.get("/health", response_model=Health)
    async def health() -> dict[str, str]:
        """The process is up (says nothing about the model: see ``/ready``)."""
        return {"status": "ok"}

    @app.get("/ready", response_model=Ready, responses={503: {"model": Ready}})
    async def ready() -> Response:
        """200 when a champion is loaded and can score; 503 otherwise."""
        served = champion.current
        body = {
            "ready": served is not None,
            "model_version": served.version if served else None,
            "alias": settings.model_alias,
            "last_error": champion.last_error,
        }
        return JSONResponse(body, status_code=200 if served is not None else 503)

    @app.get("/metadata", response_model=Metadata, responses={503: ERROR_RESPONSES[503]})
    async def metadata() -> dict[str, Any]:
        """The served model: name, version, cut-off, training snapshot, metrics, checksum."""
        s = served_model()
        return {
            "model_name": s.name,
            "model_version": s.version,
            "alias": s.alias,
            "checksum": s.checksum,
            "pd_cutoff": s.pd_cutoff,
            "training_snapshot": s.training_snapshot,
            "metrics": s.metrics,
            "feature_spec_hash": s.model.spec.hash,
            "n_features": len(s.feature_names),
            "loaded_at": s.loaded_at,
            "tags": s.tags,
        }

    raw_schema = raw_records.raw_schema()

    @app.get("/schema")
    async def schema() -> dict[str, Any]:
        """Feature schema of the served model (for ``/predict``) and raw-input schemas (for
        ``/score``: the application record and each history table)."""
        served = champion.current
        return {
            "model_version": served.version if served else None,
            "features": served.model.spec.to_dict() if served else None,
            "raw_inputs": raw_schema,
            "limits": {
                "max_body_bytes": settings.max_body_bytes,
                "max_rows": settings.max_rows,
                "max_applicants": settings.max_applicants,
                "max_history_records": settings.max_history_records,
            },
        }

    def parse_score_request(body: bytes) -> ScoreRequest:
        req: ScoreRequest = parse(ScoreRequest, body)
        if len(req.applicants) > settings.max_applicants:
            raise HTTPException(
                413, f"{len(req.applicants)} applicants; at most {settings.max_applicants}"
            )
        n_hist = raw_records.history_record_count(req)
        if n_hist > settings.max_history_records:
            raise HTTPException(
                413, f"{n_hist} history records; at most {settings.max_history_records}"
            )
        return req

    def validate_sync(body: bytes) -> Response:
        req = parse_score_request(body)
        found = contract.violations(req)
        return json_response(
            {
                "valid": not found,
                "applicants": len(req.applicants),
                "history_records": raw_records.history_record_count(req),
                "violations": found,
            }
        )

    @app.post(
        "/validate",
        response_model=ValidateResponse,
        openapi_extra=json_body(ScoreRequest),
        **scoring_route,
    )
    async def validate(request: Request) -> Response:
        """Check raw applicant records against the input contract without scoring them."""
        return await run_in_threadpool(validate_sync, await request.body())

    def predict_sync(body: bytes, served: ServedModel) -> Response:
        preds = None
        if len(body) >= fastpath.LARGE_MIN_BYTES:  # parsed and scored chunk by chunk
            preds = batches.predict_large(
                body,
                served,
                max_rows=settings.max_rows,
                reason_codes=settings.reason_codes,
                exact_reasons_max_rows=settings.exact_reasons_max_rows,
            )
        if preds is None:
            preds = predict_whole(body, served)
        metrics.add_rows("predict", len(preds))
        return json_response(
            {"model_name": served.name, "model_version": served.version, "predictions": preds}
        )

    def predict_whole(body: bytes, served: ServedModel) -> list[dict[str, Any]]:
        parsed = fastpath.parse(body, served.feature_index, settings.max_rows)
        if parsed is not None:
            x, ids, requested = parsed.x, parsed.ids, parsed.reasons
        else:  # anything the fast path does not take: pydantic judges it, with field messages
            req: PredictRequest = parse(PredictRequest, body)
            if req.n_rows > settings.max_rows:
                msg = f"{req.n_rows} rows; at most {settings.max_rows} per request"
                raise HTTPException(413, msg)
            try:
                x = scoring.feature_matrix(req, served)
            except scoring.InputError as err:
                raise HTTPException(422, err.errors) from None
            ids, requested = req.ids, req.reasons
        method = scoring.reason_method(requested, len(x), settings.exact_reasons_max_rows)
        return scoring.predict(served, x, ids, settings.reason_codes, method)

    @app.post(
        "/predict",
        response_model=PredictResponse,
        openapi_extra=json_body(PredictRequest),
        **scoring_route,
    )
    async def predict(request: Request) -> Response:
        """Score a batch of feature rows (the model's features, see ``/schema``)."""
        served = served_model()
        body = await request.body()
        if len(body) <= INLINE_MAX_BYTES:  # a few rows: ~0.5 ms, less than a thread hop costs
            return predict_sync(body, served)
        return await run_in_threadpool(predict_sync, body, served)

    def score_sync(body: bytes, served: ServedModel) -> Response:
        from creditrisk_assets.features.compute import features_for_tables

        req = parse_score_request(body)
        found = contract.violations(req)
        if found:
            raise HTTPException(422, found[: scoring.MAX_REPORTED_ERRORS])
        try:
            frame = features_for_tables(warehouse, raw_records.to_tables(req))
        except ValueError as err:  # records the feature SQL refuses: the client's to fix
            raise HTTPException(
                422, [{"loc": ["body", "applicants"], "msg": str(err), "type": "value_error"}]
            ) from None
        ids = [int(a.application.SK_ID_CURR) for a in req.applicants]  # type: ignore[attr-defined]
        try:
            x = scoring.frame_matrix(frame, served, ids)
        except scoring.InputError as err:
            raise HTTPException(422, err.errors) from None
        method = scoring.reason_method(req.reasons, len(x), settings.exact_reasons_max_rows)
        preds = scoring.predict(served, x, ids, settings.reason_codes, method)
        metrics.add_rows("score", len(preds))
        return json_response(
            {"model_name": served.name, "model_version": served.version, "predictions": preds}
        )

    @app.post(
        "/score",
        response_model=PredictResponse,
        openapi_extra=json_body(ScoreRequest),
        **scoring_route,
    )
    async def score(request: Request) -> Response:
        """Score applicants from raw records; features come from the pipeline's SQL."""
        served = served_model()
        return await run_in_threadpool(score_sync, await request.body(), served)

    @app.get("/metrics", response_class=PlainTextResponse)
    async def prometheus() -> Response:
        """Prometheus text: requests, latency histogram, errors, rows, served model version."""
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    publish_body_schemas(app, (PredictRequest, ScoreRequest))
    app.add_middleware(
        LimitsAndMetricsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        metrics=metrics,
        routes=app.routes,
    )
    return app
