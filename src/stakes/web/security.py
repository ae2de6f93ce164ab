"""ASGI middleware: request body size limit and the access token for servers bound beyond localhost.

* Body limit: a ``Content-Length`` above the limit is answered 413 at once; a body sent without one
  (chunked) is counted as it arrives and cut off with 413 when it passes the limit, so a huge upload
  never reaches memory or disk.
* Token: when the app has a token, every request must carry it — ``Authorization: Bearer T``, the
  ``stakes_token`` cookie, or ``?token=T`` once (a page opened that way sets the cookie, HttpOnly and
  SameSite=Strict). Compared in constant time. ``/healthz`` stays open for health checks.
"""

from __future__ import annotations

import json
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.exceptions import HTTPException

Scope = dict[str, Any]
COOKIE = "stakes_token"


async def _send_json(send: Any, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


async def call_answering_errors(app: Any, scope: Any, receive: Any, send: Any, error: type[Exception], status: int,
                                detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Run ``app``; when it raises ``error`` (from a wrapped ``receive``) before a response has started, answer
    ``status`` with ``detail`` (after a response has started nothing more can be said)."""
    started = False

    async def tracking_send(msg: Any) -> None:
        nonlocal started
        if msg["type"] == "http.response.start":
            started = True
        await send(msg)

    try:
        await app(scope, receive, tracking_send)
    except error:
        if not started:
            await _send_json(send, status, detail, headers)


class BodyLimitMiddleware:
    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        message = (f"the request body is larger than this server accepts ({limit:,} bytes, "
                   "limit max_upload_bytes); split the scenario or use the command line")
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    size = int(value)
                except ValueError:
                    await _send_json(send, 400, "invalid Content-Length header")
                    return
                if size > limit:
                    await _send_json(send, 413, message)
                    return
        received = 0

        async def limited_receive() -> Any:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    raise _TooLarge(message)
            return msg

        await call_answering_errors(self.app, scope, limited_receive, send, _TooLarge, 413, message)


class _TooLarge(HTTPException):
    """Raised from ``receive`` so FastAPI's body parsing passes it on as a 413, not a 400."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=413, detail=message)


class TokenMiddleware:
    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") == "/healthz":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        given: list[str] = []
        auth = headers.get(b"authorization", b"").decode("latin-1")
        if auth.lower().startswith("bearer "):
            given.append(auth[7:].strip())
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:
            cookie = SimpleCookie()
        if COOKIE in cookie:
            given.append(cookie[COOKIE].value)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        from_query = query.get("token", [])
        given.extend(from_query)
        if not any(secrets.compare_digest(g.encode(), self.token.encode()) for g in given):
            await _send_json(send, 401, "this server needs its access token: open the address printed by "
                             "`stakes serve` (it ends in ?token=...) or send 'Authorization: Bearer TOKEN'",
                             [(b"www-authenticate", b"Bearer")])
            return
        if not from_query:
            await self.app(scope, receive, send)
            return

        async def set_cookie(msg: Any) -> None:
            if msg["type"] == "http.response.start":
                value = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                msg = {**msg, "headers": [*msg.get("headers", []), (b"set-cookie", value.encode())]}
            await send(msg)

        await self.app(scope, receive, set_cookie)


class HeadersMiddleware:
    """Security headers on every response; pages get a strict CSP, HTML reports a sandboxing one."""

    def __init__(self, app: Any, page_csp: str, report_csp: str) -> None:
        self.app = app
        self.page_csp = page_csp.encode()
        self.report_csp = report_csp.encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        csp = self.report_csp if path.endswith("/report.html") else self.page_csp

        async def add_headers(msg: Any) -> None:
            if msg["type"] == "http.response.start":
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                         (b"content-security-policy", csp)]
                msg = {**msg, "headers": [*msg.get("headers", []), *extra]}
            await send(msg)

        await self.app(scope, receive, add_headers)
