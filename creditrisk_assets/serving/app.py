"""The scoring API: ``create_app`` builds it from the pipeline's own resources.

Run it with ``uvicorn --factory creditrisk_assets.serving.app:create_app``. The registry and
warehouse are the same ``ModelRegistry`` and ``Warehouse`` classes the Dagster assets use, and
``/score`` builds features with the same ``sql/`` files through ``features_for_records``, so the
API and the pipeline cannot disagree about which model is champion or how a feature is made.

Request bodies are read as bytes and parsed by pydantic's JSON parser straight into the request
models (``model_validate_json``): at 10,000 rows that is several times faster than FastAPI's
``json.loads`` followed by validation. The body schemas are still published in OpenAPI
(``openapi_extra`` plus the models' JSON schema), so clients and schemathesis see them.
CPU-bound work runs in the threadpool, never on the event loop.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool

from creditrisk_assets.resources import ModelRegistry, Warehouse, default_resources
from creditrisk_assets.serving import contract, raw_records, scoring
from creditrisk_assets.serving.api_models import (
    Health,
    Metadata,
    PredictRequest,
    PredictResponse,
    Ready,
    ValidateResponse,
)
from creditrisk_assets.serving.champion import ChampionHolder, ServedModel
from creditrisk_assets.serving.metrics import CONTENT_TYPE, ApiMetrics
from creditrisk_assets.serving.middleware import LimitsAndMetricsMiddleware
from creditrisk_assets.serving.raw_records import ScoreRequest
from creditrisk_assets.serving.settings import ServingSettings

_ERROR = {"description": "Error", "content": {"application/json": {}}}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {**_ERROR, "description": "Missing or wrong X-API-Key"},
    413: {**_ERROR, "description": "Body or row count over the limit"},
    415: {**_ERROR, "description": "Body is not application/json"},
    422: {**_ERROR, "description": "Invalid input, with field-level messages"},
    503: {**_ERROR, "description": "No champion model loaded yet"},
}
_REF = "#/components/schemas/{model}"
_BODY_MODELS: tuple[type[BaseModel], ...] = (PredictRequest, ScoreRequest)


def _json_body(model: type[BaseModel]) -> dict[str, Any]:
    schema = {"$ref": _REF.format(model=model.__name__)}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _validation_detail(err: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as FastAPI's 422 ``detail`` (loc from ``body``; small inputs echoed)."""
    out = []
    for e in err.errors(include_url=False, include_context=False)[: scoring.MAX_REPORTED_ERRORS]:
        item: dict[str, Any] = {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
        value = e.get("input")
        if isinstance(value, int | float | bool) or (isinstance(value, str) and len(value) < 100):
            item["input"] = value
        out.append(item)
    return out


def _parse(model: type[BaseModel], body: bytes) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as err:
        raise HTTPException(422, _validation_detail(err)) from None


def _json(content: Any) -> Response:
    return Response(json.dumps(content, allow_nan=False), media_type="application/json")


def create_app(
    settings: ServingSettings | None = None,
    resources: Mapping[str, Any] | None = None,
    *,
    watch: bool = True,
) -> FastAPI:
    """Build the app. ``resources`` needs ``registry`` and ``warehouse`` (defaults: the
    pipeline's ``default_resources()``); ``watch=False`` skips the polling thread (tests)."""
    settings = settings or ServingSettings.from_env()
    resources = resources or default_resources()
    registry: ModelRegistry = resources["registry"]
    warehouse: Warehouse = resources["warehouse"]
    metrics = ApiMetrics()
    champion = ChampionHolder(
        registry, settings.model_alias, settings.poll_seconds, metrics, settings.model_threads
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(champion.refresh)  # ready at once when a champion exists
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
        req: ScoreRequest = _parse(ScoreRequest, body)
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
        return _json(
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
        openapi_extra=_json_body(ScoreRequest),
        **scoring_route,
    )
    async def validate(request: Request) -> Response:
        """Check raw applicant records against the input contract without scoring them."""
        return await run_in_threadpool(validate_sync, await request.body())

    def predict_sync(body: bytes, served: ServedModel) -> Response:
        req: PredictRequest = _parse(PredictRequest, body)
        if req.n_rows > settings.max_rows:
            raise HTTPException(413, f"{req.n_rows} rows; at most {settings.max_rows} per request")
        try:
            x = scoring.feature_matrix(req, served)
        except scoring.InputError as err:
            raise HTTPException(422, err.errors) from None
        preds = scoring.predict(served, x, req.ids, settings.reason_codes)
        metrics.add_rows("predict", len(preds))
        return _json(
            {"model_name": served.name, "model_version": served.version, "predictions": preds}
        )

    @app.post(
        "/predict",
        response_model=PredictResponse,
        openapi_extra=_json_body(PredictRequest),
        **scoring_route,
    )
    async def predict(request: Request) -> Response:
        """Score a batch of feature rows (the model's features, see ``/schema``)."""
        served = served_model()
        return await run_in_threadpool(predict_sync, await request.body(), served)

    def score_sync(body: bytes, served: ServedModel) -> Response:
        from creditrisk_assets.features import features_for_records

        req = parse_score_request(body)
        found = contract.violations(req)
        if found:
            raise HTTPException(422, found[: scoring.MAX_REPORTED_ERRORS])
        application, history = raw_records.to_frames(req)
        try:
            frame = features_for_records(warehouse, application, history)
        except ValueError as err:  # records the feature SQL refuses: the client's to fix
            raise HTTPException(
                422, [{"loc": ["body", "applicants"], "msg": str(err), "type": "value_error"}]
            ) from None
        ids = [int(i) for i in application["SK_ID_CURR"]]
        x = scoring.frame_matrix(frame, served, ids)
        preds = scoring.predict(served, x, ids, settings.reason_codes)
        metrics.add_rows("score", len(preds))
        return _json(
            {"model_name": served.name, "model_version": served.version, "predictions": preds}
        )

    @app.post(
        "/score",
        response_model=PredictResponse,
        openapi_extra=_json_body(ScoreRequest),
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

    _publish_body_schemas(app)
    app.add_middleware(
        LimitsAndMetricsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        metrics=metrics,
        routes=app.routes,
    )
    return app


def _publish_body_schemas(app: FastAPI) -> None:
    """Add the request-body models to the OpenAPI components the routes' ``$ref``s point at."""
    _, defs = models_json_schema([(m, "validation") for m in _BODY_MODELS], ref_template=_REF)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            spec.setdefault("components", {}).setdefault("schemas", {}).update(defs["$defs"])
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
