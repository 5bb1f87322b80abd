"""Settings of the scoring API, read from the environment.

The API runs from the same resources as the pipeline (``creditrisk_assets.resources``); these
settings only cover what is particular to serving: who may call it, how much one request may
carry and how often it looks for a new champion. Secrets (the API key) come only from the
environment, never from code or files in the repository.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

#: The read-only endpoints that may be left open when an API key is set (scoring never is).
PublicEndpoint = Literal["health", "ready", "metrics", "metadata", "schema"]

#: Environment variable -> settings field. Documented in the README's configuration reference.
ENV_VARS: dict[str, str] = {
    "CREDITRISK_API_KEY": "api_key",
    "CREDITRISK_API_PUBLIC_ENDPOINTS": "public_endpoints",
    "CREDITRISK_API_LARGE_BODY_BYTES": "large_body_bytes",
    "CREDITRISK_API_MAX_LARGE_REQUESTS": "max_large_requests",
    "CREDITRISK_API_LARGE_REQUEST_WAIT_SECONDS": "large_request_wait_seconds",
    "CREDITRISK_API_MAX_BODY_BYTES": "max_body_bytes",
    "CREDITRISK_API_MAX_ROWS": "max_rows",
    "CREDITRISK_API_MAX_APPLICANTS": "max_applicants",
    "CREDITRISK_API_MAX_HISTORY_RECORDS": "max_history_records",
    "CREDITRISK_API_POLL_SECONDS": "poll_seconds",
    "CREDITRISK_API_MODEL_ALIAS": "model_alias",
    "CREDITRISK_API_REASON_CODES": "reason_codes",
    "CREDITRISK_API_MODEL_THREADS": "model_threads",
    "CREDITRISK_API_BATCH_THREADS": "batch_threads",
    "CREDITRISK_API_EXACT_REASONS_MAX_ROWS": "exact_reasons_max_rows",
    "CREDITRISK_API_KEEP_FREED_BYTES": "keep_freed_bytes",
    "CREDITRISK_API_ALLOCATOR": "allocator",
    "CREDITRISK_API_GLIBC_TCACHE_COUNT": "glibc_tcache_count",
    "CREDITRISK_FEATURE_SESSIONS": "feature_sessions",
    "CREDITRISK_FEATURE_PARALLELISM": "feature_parallelism",
    "CREDITRISK_API_DECISION_LOG": "decision_log",
    "CREDITRISK_API_DECISION_LOG_SINK": "decision_log_sink",
    "CREDITRISK_API_DECISION_LOG_DSN": "decision_log_dsn",
    "CREDITRISK_API_DECISION_LOG_CAPACITY": "decision_log_capacity",
    "CREDITRISK_API_DECISION_LOG_FLUSH_SECONDS": "decision_log_flush_seconds",
    "CREDITRISK_API_DECISION_LOG_FEATURES": "decision_log_features",
}


class ServingSettings(BaseModel):
    """Limits, auth and champion-watching for one app instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr | None = Field(
        default=None,
        description="When set, every endpoint but the public ones requires it in the X-API-Key "
        "header.",
    )
    public_endpoints: frozenset[PublicEndpoint] = Field(
        default=frozenset({"health", "ready"}),
        description="Read-only endpoints open without the key when one is set (comma-separated "
        "in the environment; the probes by default). /metadata, /schema and /metrics follow "
        "the key unless listed.",
    )
    large_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Bodies larger than this (or of unknown length) are large: at most "
        "max_large_requests of them are read and worked on at once.",
    )
    max_large_requests: int = Field(
        default=2,
        ge=1,
        description="Large requests admitted at once; the rest wait (up to "
        "large_request_wait_seconds, then 503). Bounds peak memory: each admitted request "
        "holds about 4x its body at its peak (README, Scoring API).",
    )
    large_request_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Longest a large request waits for admission before a 503 with Retry-After.",
    )
    max_body_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted (bytes); larger bodies get 413. "
        "The default fits 10,000 feature rows of ~150 features.",
    )
    max_rows: int = Field(default=10_000, ge=1, description="Most feature rows per /predict.")
    max_applicants: int = Field(default=1_000, ge=1, description="Most applicants per /score.")
    max_history_records: int = Field(
        default=50_000,
        ge=0,
        description="Most history records (all tables, all applicants) per /score request.",
    )
    poll_seconds: float = Field(
        default=30.0, gt=0, description="How often the watcher asks the registry for the alias."
    )
    model_alias: str = Field(
        default="champion", pattern=r"^[a-z][a-z0-9_-]*$", description="Registry alias served."
    )
    reason_codes: int = Field(default=4, ge=1, le=20, description="Reason codes per prediction.")
    model_threads: int | None = Field(
        default=1,
        ge=1,
        description="XGBoost threads per request (None: all cores). 1 by default: requests "
        "already run in parallel in the threadpool, and OpenMP teams on a busy machine cost "
        "10+ ms of barrier waits on a one-row request (measured, benchmarks/RESULTS.md).",
    )

    batch_threads: int | None = Field(
        default=None,
        ge=1,
        description="XGBoost threads for requests of 1,000+ rows (None: all cores). A 10,000-"
        "row batch is long enough that a thread team pays off (TreeSHAP 1.05 s -> 0.76 s on "
        "2 cores).",
    )
    exact_reasons_max_rows: int = Field(
        default=1_000,
        ge=0,
        description='Largest request whose reason codes default (`"reasons": "auto"`) to exact '
        "TreeSHAP; larger ones get the ~10x cheaper approximate attribution unless they ask "
        'for `"exact"`. Every prediction says which method it got.',
    )

    keep_freed_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=0,
        le=2**31 - 1,  # mallopt takes a C int
        description="Freed heap the process may keep for reuse instead of returning it to the "
        "kernel (glibc only; 0 leaves malloc's defaults). Large batches then stop paying for "
        "fresh, zeroed pages on every request: ~10 % of a 10,000-row request's latency "
        "(serving/fastpath/memory.py).",
    )
    allocator: Literal["system", "jemalloc"] = Field(
        default="system",
        description="Allocator the launcher (serving/launch.py: make serve, the image's api "
        "role) gives the process. jemalloc once halved /score's p99 at 50 req/s, but with the "
        "families on two connections and glibc's deeper thread cache it was no better there, "
        "and it costs 10-25 % more CPU on 10,000-row /predict requests than glibc's malloc as "
        "tuned here (needs libjemalloc; else the system one serves).",
    )
    glibc_tcache_count: int = Field(
        default=1000,
        ge=0,
        le=65535,  # glibc's limit
        description="Freed chunks of each small size a thread keeps for reuse under the system "
        "allocator (glibc's tcache_count tunable, which the launcher sets; 0: glibc's 7). The "
        "family queries free and re-allocate many more than 7 per execution: 1000 cut /score's "
        "CPU by ~10 % (serving/launch.py). An operator's own GLIBC_TUNABLES setting wins.",
    )
    feature_sessions: int | None = Field(
        default=None,
        ge=1,
        description="/score feature-SQL connections per process, each holding the prepared "
        "family queries; requests that find all busy run together as one batch (None: half "
        "the cores, at least 1).",
    )
    feature_parallelism: int | None = Field(
        default=None,
        ge=1,
        description="Connections one /score feature execution splits its query families across, "
        "run at once: 2 cut a lone request's DuckDB time from ~8.5 to ~5.4 ms for ~1 ms more "
        "CPU (serving/family_split.py; None: 2, or 1 on a one-core machine).",
    )

    decision_log: bool = Field(
        default=True,
        description="Record every /predict and /score decision in the decision log "
        "(serving/decision_log.py).",
    )
    decision_log_sink: Literal["parquet", "postgres"] = Field(
        default="parquet",
        description="Where decisions go: Parquet by day under the lake's decisions/log "
        "(embedded default) or a PostgreSQL table (production profile; needs the DSN).",
    )
    decision_log_dsn: SecretStr | None = Field(
        default=None,
        description="libpq connection string of the PostgreSQL decision log (a password may "
        "also come from PGPASSWORD).",
    )
    decision_log_capacity: int = Field(
        default=50_000,
        ge=1,
        description="Decisions the in-process buffer holds before a request writes its own "
        "synchronously (the buffer's full policy: never dropped).",
    )
    decision_log_flush_seconds: float = Field(
        default=1.0, gt=0, description="Longest a decision waits in the buffer before a write."
    )
    decision_log_features: bool = Field(
        default=False,
        description="Store each decision's feature row (JSON) beside its inputs hash.",
    )

    @field_validator("public_endpoints", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(v.strip().strip("/") for v in value.split(",") if v.strip())
        return value

    @model_validator(mode="after")
    def _postgres_needs_a_dsn(self) -> ServingSettings:
        if self.decision_log and self.decision_log_sink == "postgres" and not self.decision_log_dsn:
            raise ValueError("decision_log_sink 'postgres' needs CREDITRISK_API_DECISION_LOG_DSN")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServingSettings:
        """Settings from the ``ENV_VARS`` variables (empty values count as unset)."""
        env = os.environ if environ is None else environ
        values = {field: env[var] for var, field in ENV_VARS.items() if env.get(var)}
        return cls.model_validate(values)


def inherited_preload() -> str:
    """The ``LD_PRELOAD`` this process was started with (the launcher keeps its libraries)."""
    return os.environ.get("LD_PRELOAD", "")
