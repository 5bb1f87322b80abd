"""Prometheus metrics for the scoring API, in the text exposition format (version 0.0.4).

Written by hand rather than with ``prometheus-client`` to keep the dependency set as it is: the
API needs counters, one latency histogram and a few gauges, which is a page of code. Every
update takes one lock (a few hundred nanoseconds), so metrics stay exact under the threadpool.
Route labels are route *templates* (or ``unmatched``), never raw paths, so a scanner probing
random URLs cannot blow up the number of series.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable

#: Upper bounds (seconds) of the latency histogram: fine below 10 ms, where the targets are.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.002,
    0.003,
    0.005,
    0.0075,
    0.01,
    0.015,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


class ApiMetrics:
    """Request counts, latency histogram, errors, rows scored and the served model."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self._errors: dict[tuple[str, str], int] = defaultdict(int)
        self._buckets: dict[str, list[int]] = {}
        self._sum: dict[str, float] = defaultdict(float)
        self._count: dict[str, int] = defaultdict(int)
        self._rows: dict[str, int] = defaultdict(int)
        self._model: tuple[str, str, str] | None = None
        self._swaps = 0
        self._load_failures = 0
        self._model_loaded_at = 0.0
        #: The decision buffer's counters (``DecisionBuffer.stats``), set by the app when the
        #: decision log is on.
        self.decision_log_stats: Callable[[], dict[str, int]] | None = None

    # ------------------------------------------------------------------ updates
    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request and put its latency in the histogram."""
        idx = bisect_left(LATENCY_BUCKETS, seconds)
        with self._lock:
            self._requests[(method, route, str(status))] += 1
            if status >= 400:
                kind = "server" if status >= 500 else "client"
                self._errors[(route, kind)] += 1
            buckets = self._buckets.get(route)
            if buckets is None:
                buckets = self._buckets[route] = [0] * (len(LATENCY_BUCKETS) + 1)
            buckets[idx] += 1
            self._sum[route] += seconds
            self._count[route] += 1

    def add_rows(self, endpoint: str, rows: int) -> None:
        with self._lock:
            self._rows[endpoint] += rows

    def model_loaded(self, name: str, version: str, alias: str, loaded_at: float) -> None:
        with self._lock:
            if self._model is not None:
                self._swaps += 1
            self._model = (name, version, alias)
            self._model_loaded_at = loaded_at

    def model_load_failed(self) -> None:
        with self._lock:
            self._load_failures += 1

    # ------------------------------------------------------------------ exposition
    def render(self) -> str:
        """All series in the Prometheus text format."""
        with self._lock:
            requests = dict(self._requests)
            errors = dict(self._errors)
            buckets = {k: list(v) for k, v in self._buckets.items()}
            sums, counts, rows = dict(self._sum), dict(self._count), dict(self._rows)
            model, swaps, failures = self._model, self._swaps, self._load_failures
            loaded_at = self._model_loaded_at
        out: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            out.append(f"# HELP {name} {help_text}")
            out.append(f"# TYPE {name} {kind}")

        family("creditrisk_api_requests_total", "counter", "HTTP requests by route and status.")
        for (method, route, status), n in sorted(requests.items()):
            lbl = _labels((("method", method), ("route", route), ("status", status)))
            out.append(f"creditrisk_api_requests_total{lbl} {n}")
        family("creditrisk_api_errors_total", "counter", "Responses with status >= 400.")
        for (route, kind), n in sorted(errors.items()):
            out.append(
                f"creditrisk_api_errors_total{_labels((('route', route), ('kind', kind)))} {n}"
            )
        name = "creditrisk_api_request_duration_seconds"
        family(name, "histogram", "Request latency from first byte in to last byte out.")
        for route in sorted(buckets):
            cumulative = 0
            for bound, n in zip((*LATENCY_BUCKETS, math.inf), buckets[route], strict=True):
                cumulative += n
                lbl = _labels((("route", route), ("le", _number(bound))))
                out.append(f"{name}_bucket{lbl} {cumulative}")
            lbl = _labels((("route", route),))
            out.append(f"{name}_sum{lbl} {_number(sums[route])}")
            out.append(f"{name}_count{lbl} {counts[route]}")
        family("creditrisk_api_rows_scored_total", "counter", "Rows scored by endpoint.")
        for endpoint, n in sorted(rows.items()):
            out.append(f"creditrisk_api_rows_scored_total{_labels((('endpoint', endpoint),))} {n}")
        family("creditrisk_model_info", "gauge", "The model version being served (value 1).")
        if model is not None:
            lbl = _labels((("name", model[0]), ("version", model[1]), ("alias", model[2])))
            out.append(f"creditrisk_model_info{lbl} 1")
        family("creditrisk_model_loaded_timestamp_seconds", "gauge", "When it was swapped in.")
        if model is not None:
            out.append(f"creditrisk_model_loaded_timestamp_seconds {_number(loaded_at)}")
        family("creditrisk_model_swaps_total", "counter", "Champion hot swaps since start.")
        out.append(f"creditrisk_model_swaps_total {swaps}")
        family("creditrisk_model_load_failures_total", "counter", "Failed champion loads.")
        out.append(f"creditrisk_model_load_failures_total {failures}")
        if self.decision_log_stats is not None:
            stats = self.decision_log_stats()
            name = "creditrisk_decision_log_records_total"
            family(name, "counter", "Decision records by fate (see decisions/buffer.py).")
            for event in ("enqueued", "written", "spilled", "refused"):
                out.append(f"{name}{_labels((('event', event),))} {stats[event]}")
            name = "creditrisk_decision_log_events_total"
            family(name, "counter", "Full-buffer waits and failed writes of the decision log.")
            for event in ("full_waits", "flush_errors", "spill_errors"):
                out.append(f"{name}{_labels((('event', event),))} {stats[event]}")
            family("creditrisk_decision_log_pending", "gauge", "Records not yet written.")
            out.append(f"creditrisk_decision_log_pending {stats['pending']}")
        return "\n".join(out) + "\n"
