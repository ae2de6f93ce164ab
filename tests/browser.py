"""Where headless Chromium is and how the browser tests launch it (shared by the *_browser test modules)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
NEEDS_CHROMIUM = [pytest.mark.browser,
                  pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed "
                                     "(Debian package 'chromium' at /usr/bin/chromium)")]
