"""One pure-ASGI middleware for limits and metrics, outside FastAPI's routing.

Pure ASGI (not ``BaseHTTPMiddleware``) because it sits on every request and must cost
microseconds. It:

- refuses a body that declares (``Content-Length``) or turns out (chunked) to be larger than
  the cap with 413, before the app reads it all;
- refuses a request body that is not JSON with 415 (the API speaks JSON only);
- admits large requests (bodies over ``large_body_bytes``, or of undeclared length) at most
  ``max_large_requests`` at a time, before their body is read: parsing and scoring hold a few
  times the body in memory, so this bounds the process's peak whatever the number of clients.
  One waiting longer than ``large_request_wait_seconds`` gets a 503 with ``Retry-After``;
- times every request and counts it by route *template* and status for ``/metrics``. A client
  that goes away before its body is read is counted as status 499 (client closed request, a
  client error), never as a server 500.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from creditrisk_assets.serving.metrics import ApiMetrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_BODY_METHODS = {"POST", "PUT", "PATCH"}
#: The status a request is counted under when its client went away first (nginx's convention).
CLIENT_CLOSED_REQUEST = 499


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and "+json" in media)


class LimitsAndMetricsMiddleware:
    """Body cap (413), JSON-only bodies (415), admission of large requests, request metrics."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        metrics: ApiMetrics,
        routes: Any = (),
        large_body_bytes: int = 1024 * 1024,
        max_large_requests: int = 2,
        large_request_wait_seconds: float = 30.0,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics
        self.routes = routes  # the app's routes, to label requests refused before routing
        self.large_body_bytes = large_body_bytes
        self.max_large_requests = max_large_requests
        self.admission = asyncio.Semaphore(max_large_requests)
        self.wait_seconds = large_request_wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]
        started = [False]
        disconnected = [False]

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                started[0] = True
            await send(message)

        try:
            refusal = self._precheck(scope)
            if refusal is not None:
                await _send_json(send_counted, *refusal)
                return
            capped = self._capped(receive, disconnected)
            if not self._is_large(scope):
                await self.app(scope, capped, send_counted)
            elif await self._admit():
                try:
                    await self.app(scope, capped, send_counted)
                finally:
                    self.admission.release()
            else:
                busy = f"busy: {self.max_large_requests} large requests in progress; retry later"
                retry = str(math.ceil(self.wait_seconds))
                await _send_json(send_counted, 503, busy, [(b"retry-after", retry.encode())])
        except ClientDisconnect:
            pass  # nobody to answer; counted below as the client's doing
        finally:
            if disconnected[0] and not started[0]:
                status[0] = CLIENT_CLOSED_REQUEST
            route = self._route_label(scope)
            self.metrics.observe_request(
                scope["method"], route, status[0], time.perf_counter() - start
            )

    def _is_large(self, scope: Scope) -> bool:
        if scope["method"] not in _BODY_METHODS:
            return False
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is None:  # streamed: its size is known only once read
            return b"transfer-encoding" in headers
        return int(length) > self.large_body_bytes  # a valid number: _precheck made sure

    async def _admit(self) -> bool:
        """Wait for a large-request slot, at most ``wait_seconds``; False if none came."""
        try:
            await asyncio.wait_for(self.admission.acquire(), self.wait_seconds)
        except TimeoutError:
            return False
        return True

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

    def _capped(self, receive: Receive, disconnected: list[bool]) -> Receive:
        """``receive`` with the body cap enforced while streaming, noting a disconnect."""
        received = 0
        cap = self.max_body_bytes

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected[0] = True
            elif message["type"] == "http.request":
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


async def _send_json(
    send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
