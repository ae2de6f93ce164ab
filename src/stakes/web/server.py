"""Running the app under uvicorn with a header timeout (slowloris) and no bare 503s under bursts.

uvicorn times out idle keep-alive connections but not a client that sends its request headers a byte at a
time. :class:`HeaderTimeoutProtocol` closes a connection whose request line and headers are not complete
within ``HEADER_SECONDS`` of the connection's start (or of the previous response). Bursts are handled by
the app's in-flight limit (429 with Retry-After, :mod:`.guards`) instead of uvicorn's ``limit_concurrency``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0


class HeaderTimeoutProtocol(H11Protocol):
    header_seconds = HEADER_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_seconds, self._header_timeout)

    def _cancel_header_timer(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # headers still incomplete: drop the connection

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._cancel_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)


def uvicorn_options(header_seconds: float = HEADER_SECONDS) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.run``/``uvicorn.Config``: the header timeout, a short keep-alive, a
    deep accept backlog and no ``limit_concurrency`` (whose answer is a bare 503)."""
    protocol = type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_seconds": header_seconds})
    return {"http": protocol, "log_level": "warning", "timeout_keep_alive": 5, "limit_concurrency": None,
            "backlog": 2048}


def uvicorn_config(app: Any, host: str, port: int, header_seconds: float = HEADER_SECONDS, **kwargs: Any) -> Any:
    """A ``uvicorn.Config`` for ``app`` with :func:`uvicorn_options`."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, **uvicorn_options(header_seconds), **kwargs)
