"""One pure-ASGI middleware for limits and metrics, outside FastAPI's routing.

Pure ASGI (not ``BaseHTTPMiddleware``) because it sits on every request and must cost
microseconds. It:

- refuses a body that declares (``Content-Length``) or turns out (chunked) to be larger than
  the cap with 413, before the app reads it all;
- refuses a request body that is not JSON with 415 (the API speaks JSON only);
- times every request and counts it by route *template* and status for ``/metrics``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.routing import Match

from creditrisk_assets.serving.metrics import ApiMetrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and "+json" in media)


class LimitsAndMetricsMiddleware:
    """Body cap (413), JSON-only bodies (415), request metrics."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, metrics: ApiMetrics, routes: Any = ()
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics
        self.routes = routes  # the app's routes, to label requests refused before routing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            refusal = self._precheck(scope)
            if refusal is not None:
                await _send_json(send_counted, *refusal)
                return
            await self.app(scope, self._capped(receive), send_counted)
        finally:
            route = self._route_label(scope)
            self.metrics.observe_request(
                scope["method"], route, status[0], time.perf_counter() - start
            )

    def _precheck(self, scope: Scope) -> tuple[int, str] | None:
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                return 400, "invalid Content-Length header"
            if declared > self.max_body_bytes:
                return 413, f"request body of {declared} bytes exceeds {self.max_body_bytes}"
        has_body = (length is not None and length != b"0") or b"transfer-encoding" in headers
        if scope["method"] in _BODY_METHODS and has_body:
            ctype = headers.get(b"content-type", b"").decode("latin-1")
            if not _is_json(ctype):
                return 415, f"unsupported media type {ctype or '(none)'!r}; send application/json"
        return None

    def _capped(self, receive: Receive) -> Receive:
        received = 0
        cap = self.max_body_bytes

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise HTTPException(413, f"request body exceeds {cap} bytes")
            return message

        return capped_receive

    def _route_label(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            for candidate in self.routes:
                match, _ = candidate.matches(scope)
                if match == Match.FULL:
                    route = candidate
                    break
        return getattr(route, "path", None) or "unmatched"


async def _send_json(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
