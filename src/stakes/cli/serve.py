"""``stakes serve``: the browser app and its JSON API (needs the extra ``stakes[web]``)."""

from __future__ import annotations

import ipaddress
import secrets
from typing import Annotated

import typer

from ..errors import OptionError
from .app import app, console

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_local(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def store_url(db: str | None) -> str | None:
    """The run store URL: ``--db``, else ``STAKES_DB``, else the per-user SQLite file; None when recording is
    off (``STAKES_DB=off``) or the store extra is missing (runs then live in memory only)."""
    try:
        from ..store import recording_disabled, resolve_db_url
    except ImportError:
        return None
    if recording_disabled(db):
        return None
    return resolve_db_url(db)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind; anything but 127.0.0.1/localhost needs a token.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    db: Annotated[str | None, typer.Option("--db", help="Run store URL (default: STAKES_DB or the per-user "
                                           "SQLite file).")] = None,
    token: Annotated[str | None, typer.Option(help="Access token required on every request (made up when "
                                              "binding beyond localhost without one).")] = None,
    allow_host: Annotated[list[str] | None, typer.Option("--allow-host", help="Host name the server answers "
                                                         "to besides the loopback names (repeatable; '*' = "
                                                         "any). Other Hosts and Origins are refused.")] = None,
) -> None:
    """Serve the browser app: edit scenarios, run forecasts and simulations, compare, download."""
    try:
        import uvicorn

        from ..web import create_app
    except ImportError as exc:
        raise OptionError(f"the web app needs its extra: pip install 'stakes[web]' ({exc})") from None
    if token is not None and len(token) < 8:
        raise OptionError("--token must be at least 8 characters")
    local = is_local(host)
    if not local and not token:
        token = secrets.token_urlsafe(24)
    url = store_url(db)
    from ..web.guards import LOOPBACK_HOSTS

    # loopback: only the loopback names (DNS rebinding); beyond: the token keeps other sites out, and
    # --allow-host narrows the names further
    allowed = [*LOOPBACK_HOSTS, host, *(allow_host or [])] if local or allow_host else None
    application = create_app(db_url=url, token=token, allowed_hosts=allowed)
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/"
    console.print(f"stakes serve: listening on {address}", highlight=False)
    if token:
        why = "bound beyond localhost" if not local else "a token was given"
        console.print(f"access token required ({why}); open {address}?token={token}", highlight=False)
    else:
        console.print("bound to localhost only: no token needed", highlight=False)
    store_error = application.state.ctx.store_error
    console.print(store_error if store_error else f"runs stored in {url or 'memory only'}", highlight=False)
    # header timeout, short keep-alive; bursts queue or get 429 + Retry-After from the app (not 503s)
    from ..web.server import uvicorn_options

    uvicorn.run(application, host=host, port=port, **uvicorn_options())
