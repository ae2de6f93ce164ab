"""The browser app and its JSON API (``stakes serve``); needs the extra ``stakes[web]``.

Not part of the core: nothing in scenario/arrays/models imports this package.
"""

from __future__ import annotations

from .app import create_app
from .limits import Limits

__all__ = ["Limits", "create_app"]
