"""The scoring API: ``create_app`` builds it from the pipeline's own resources.

Run it with ``uvicorn --factory creditrisk_assets.serving.app:create_app``. The registry is
the same ``ModelRegistry`` class the Dagster assets use, and ``/score`` builds features with the
same ``sql/`` files through ``run_feature_query`` (``feature_sessions.py``), so the API and the
pipeline cannot disagree about which model is champion or how a feature is made.

This module wires routes to the work: ``/predict`` bodies are parsed and scored as
``dispatch.py`` decides (the fast path of ``fastpath/``, falling back to the pydantic models,
which define what is valid and word the 422s); other bodies are parsed by pydantic straight
from bytes (see ``http.py``). Responses are written by orjson. CPU-bound work (parsing, feature
SQL, XGBoost) runs in the threadpool, except a small ``/predict``, which costs less than the
hop to a thread. Process-wide memory tuning (malloc thresholds, ``gc.freeze`` once the first
champion is loaded) is ``fastpath/memory.py``'s.

Every ``/predict`` and ``/score`` decision is recorded in the decision log through one
in-process buffer (``decision_log.py``), created here and closed in the lifespan exit, which
uvicorn runs on SIGTERM, so a shutdown writes what is still buffered.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from creditrisk_assets import settings as platform_settings
from creditrisk_assets.decisions import DecisionLogUnavailable
from creditrisk_assets.decisions.batch import lake_sink_location
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.resources import Lake
from creditrisk_assets.serving import contract, limits, raw_records, scoring
from creditrisk_assets.serving.api_models import (
    Health,
    Metadata,
    PredictRequest,
    PredictResponse,
    Ready,
    ValidateResponse,
)
from creditrisk_assets.serving.champion import ChampionHolder, ServedModel
from creditrisk_assets.serving.decision_log import DecisionRecorder, make_sink
from creditrisk_assets.serving.dispatch import predict_response
from creditrisk_assets.serving.fastpath import memory
from creditrisk_assets.serving.feature_sessions import run_feature_query
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
from creditrisk_assets.serving.settings import PublicEndpoint, ServingSettings
from creditrisk_assets.wiring import default_resources


def create_app(
    settings: ServingSettings | None = None,
    resources: Mapping[str, Any] | None = None,
    *,
    watch: bool = True,
) -> FastAPI:
    """Build the app. ``resources`` needs ``registry`` (default: the pipeline's
    ``default_resources()``; a ``lake`` there is where the Parquet decision log goes, else
    the platform's lake); ``watch=False`` skips the polling thread (tests)."""
    settings = settings or ServingSettings.from_env()
    if settings.keep_freed_bytes:
        memory.keep_freed_memory(settings.keep_freed_bytes)
    resources = resources or default_resources()
    registry: ModelRegistry = resources["registry"]
    metrics = ApiMetrics()
    champion = ChampionHolder(
        registry,
        settings.model_alias,
        settings.poll_seconds,
        metrics,
        settings.model_threads,
        settings.batch_threads,
    )
    recorder: DecisionRecorder | None = None
    if settings.decision_log:
        lake = resources.get("lake") or Lake(
            base_uri=platform_settings.lake_uri(),
            s3_endpoint_url=platform_settings.s3_endpoint_url(),
            cache_dir=platform_settings.lake_cache_dir(),
        )
        recorder = DecisionRecorder(settings, make_sink(settings, *lake_sink_location(lake)))
        metrics.decision_log_stats = recorder.stats

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(champion.refresh)  # ready at once when a champion exists
        memory.freeze_startup_objects()  # full collections skip the start-up objects from now
        if watch:
            champion.start()
        try:
            yield
        finally:
            champion.stop()
            if recorder is not None:
                recorder.close()  # writes what is buffered (SIGTERM runs this too)

    app = FastAPI(
        title="creditrisk scoring API",
        version="1",
        description="PD, decision, risk grade and reason codes from the registry's champion.",
        lifespan=lifespan,
    )
    app.state.settings, app.state.champion, app.state.metrics = settings, champion, metrics
    app.state.decision_recorder = recorder
    api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
    expected_key = settings.api_key.get_secret_value().encode() if settings.api_key else None

    async def require_key(key: str | None = Depends(api_key_header)) -> None:
        # async: a plain def dependency runs in the threadpool, a hop per scoring request
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

    def key_unless_public(endpoint: PublicEndpoint) -> list[Any]:
        """The key check, unless ``endpoint`` is listed in ``public_endpoints``."""
        return [] if endpoint in settings.public_endpoints else [Depends(require_key)]

    @app.get("/health", response_model=Health, dependencies=key_unless_public("health"))
    async def health() -> dict[str, str]:
        """The process is up (says nothing about the model: see ``/ready``)."""
        return {"status": "ok"}

    @app.get(
        "/ready",
        response_model=Ready,
        responses={503: {"model": Ready}},
        dependencies=key_unless_public("ready"),
    )
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

    @app.get(
        "/metadata",
        response_model=Metadata,
        responses={503: ERROR_RESPONSES[503], 401: ERROR_RESPONSES[401]},
        dependencies=key_unless_public("metadata"),
    )
    async def metadata() -> dict[str, Any]:
        """The served model: name, version, cut-off, training snapshot, metrics, checksum, and
        its public tags (no run ids, no server paths: ``champion.public_tags``)."""
        return served_model().metadata()

    raw_schema = raw_records.raw_schema()

    @app.get("/schema", dependencies=key_unless_public("schema"))
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
        limits.check_score_body(body, settings)  # the caps first, on the bytes (cheap)
        req: ScoreRequest = parse(ScoreRequest, body)
        if len(req.applicants) > settings.max_applicants:
            raise limits.too_many("applicants", len(req.applicants), settings.max_applicants)
        n_hist = raw_records.history_record_count(req)
        if n_hist > settings.max_history_records:
            raise limits.too_many("history records", n_hist, settings.max_history_records)
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

    @app.post(
        "/predict",
        response_model=PredictResponse,
        openapi_extra=json_body(PredictRequest),
        **scoring_route,
    )
    async def predict(request: Request) -> Response:
        """Score a batch of feature rows (the model's features, see ``/schema``)."""
        served = served_model()  # a 503 before reading a body no model can score
        return await predict_response(await request.body(), served, settings, metrics, recorder)

    def score_sync(body: bytes, served: ServedModel) -> Response:
        req = parse_score_request(body)
        found = contract.violations(req)
        if found:
            raise HTTPException(422, found[: scoring.MAX_REPORTED_ERRORS])
        try:
            rows = run_feature_query(raw_records.to_tables(req))
        except ValueError as err:  # records the feature SQL refuses: the client's to fix
            raise HTTPException(
                422, [{"loc": ["body", "applicants"], "msg": str(err), "type": "value_error"}]
            ) from None
        ids = [int(a.application.SK_ID_CURR) for a in req.applicants]  # type: ignore[attr-defined]
        try:
            x = scoring.rows_matrix(rows, served, ids)
        except scoring.InputError as err:
            raise HTTPException(422, err.errors) from None
        method = scoring.reason_method(req.reasons, len(x), settings.exact_reasons_max_rows)
        preds = scoring.predict(served, x, ids, settings.reason_codes, method)
        if recorder is not None:
            recorder.record("api_score", served, preds, [x])
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

    @app.get(
        "/metrics", response_class=PlainTextResponse, dependencies=key_unless_public("metrics")
    )
    async def prometheus() -> Response:
        """Prometheus text: requests, latency histogram, errors, rows, served model version."""
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    @app.exception_handler(DecisionLogUnavailable)
    async def decision_log_down(_: Request, err: DecisionLogUnavailable) -> Response:
        """The buffer was full and storage failed: no decision goes out unlogged."""
        return JSONResponse({"detail": f"decision log unavailable: {err}"}, status_code=503)

    publish_body_schemas(app, (PredictRequest, ScoreRequest))
    app.add_middleware(
        LimitsAndMetricsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        metrics=metrics,
        routes=app.routes,
        large_body_bytes=settings.large_body_bytes,
        max_large_requests=settings.max_large_requests,
        large_request_wait_seconds=settings.large_request_wait_seconds,
    )
    return app
