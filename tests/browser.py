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

# every pair of non-empty text boxes in one <svg> that intersect by more than half a pixel
OVERLAPS_JS = """
svgs => svgs.map((svg, i) => {
  const boxes = [];
  svg.querySelectorAll('text').forEach(t => {
    const r = t.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && t.textContent.trim()) boxes.push([t.textContent, r]);
  });
  const hits = [];
  for (let a = 0; a < boxes.length; a++) for (let b = a + 1; b < boxes.length; b++) {
    const p = boxes[a][1], q = boxes[b][1];
    if (p.left < q.right - 0.5 && q.left < p.right - 0.5 && p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5)
      hits.push([boxes[a][0], boxes[b][0]]);
  }
  return {chart: i, texts: boxes.length, overlaps: hits};
})
"""


def chart_overlaps(page) -> tuple[int, int, list]:  # type: ignore[no-untyped-def]
    """(charts, texts checked, charts with overlapping texts) on the open page."""
    res = page.eval_on_selector_all("svg", OVERLAPS_JS)
    return len(res), sum(r["texts"] for r in res), [r for r in res if r["overlaps"]]
