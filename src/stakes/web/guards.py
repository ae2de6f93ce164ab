"""ASGI guards against other sites and floods: Host and Origin allow-lists, a body timeout, a cap on
requests in flight.

* **Host** (DNS rebinding): a page on ``evil.example`` whose name resolves to 127.0.0.1 reaches a loopback
  server with ``Host: evil.example``. When the app has an allow-list (by default the loopback names, for a
  server without a token), any other Host is answered 421 before the request reaches the app.
* **Origin** (cross-site requests): a POST, PUT, PATCH or DELETE whose ``Origin`` names a host outside the
  allow-list, or that the browser marks ``Sec-Fetch-Site: cross-site``, is answered 403 — a form on another
  site cannot upload or start jobs.
* **Slow bodies**: the whole request body must arrive within ``body_seconds`` (408 otherwise, and the
  connection is closed). Slow *headers* are cut at the protocol level (:mod:`.server`).
* **Bursts**: at most ``max_in_flight`` requests are handled at once; more get 429 with ``Retry-After``
  (not uvicorn's bare 503 for too many connections).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException

from .security import _send_json, call_answering_errors

Scope = dict[str, Any]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def host_name(value: str) -> str:
    """The host of a ``Host`` header or an origin, without port and brackets, lower case."""
    value = value.strip().lower()
    if "://" in value:
        value = urlsplit(value).netloc
    if value.startswith("["):  # [::1]:8000
        return value[1:value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


class HostOriginMiddleware:
    def __init__(self, app: Any, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed = {host_name(h) for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.allowed:
            await _send_json(send, 421, "this server does not answer to that host name (allowed: "
                             f"{', '.join(sorted(self.allowed))}); start it with --allow-host NAME to add one")
            return
        if scope.get("method") in UNSAFE_METHODS:
            origin = headers.get(b"origin", b"").decode("latin-1")
            site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
            foreign = (origin not in ("", "null") and host_name(origin) not in self.allowed) or origin == "null"
            if foreign or site == "cross-site":
                await _send_json(send, 403, "requests from other sites are refused (Origin "
                                 f"{origin or 'not given'}); use the app's own pages")
                return
        await self.app(scope, receive, send)


class BodyTimeoutMiddleware:
    """408 when the request body is not complete within ``seconds`` of the request's start."""

    def __init__(self, app: Any, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_done = False

        async def timed_receive() -> Any:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                msg = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise _BodyTimeout from None
            if msg["type"] != "http.request" or not msg.get("more_body", False):
                body_done = True
            return msg

        await call_answering_errors(self.app, scope, timed_receive, send, _BodyTimeout, 408,
                                    f"the request body did not arrive within {self.seconds:g} s",
                                    [(b"connection", b"close")])


class _BodyTimeout(HTTPException):
    """Raised from ``receive``; an HTTPException so FastAPI's body parsing passes it on (as 408)."""

    def __init__(self) -> None:
        super().__init__(status_code=408, detail="the request body did not arrive in time")


class InFlightLimitMiddleware:
    """At most ``limit`` requests handled at once; past that 429 with ``Retry-After``."""

    def __init__(self, app: Any, limit: int, retry_after: int = 1) -> None:
        self.app = app
        self.limit = limit
        self.retry_after = str(retry_after).encode()
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await _send_json(send, 429, f"the server is busy ({self.limit} requests at once); retry shortly",
                             [(b"retry-after", self.retry_after)])
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
