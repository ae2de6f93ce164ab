"""Small scenarios shared by the web tests."""

from __future__ import annotations

import io
import time
from typing import Any

import pandas as pd

SMALL_YAML = """\
stakes: 1
id: small-talks
title: Small talks
seed: 7
models: [weighted-mean]
issues:
  - {id: border, name: Border line, scale_min: 0, scale_max: 100,
     anchors: [{value: 0, label: "1991 borders"}, {value: 100, label: "current line"}]}
  - {id: aid, name: Aid level, scale_min: 0, scale_max: 10}
actors:
  - {id: ua, name: Ukraine, capability: 30}
  - {id: ru, name: Russia, capability: 50}
  - {id: us, name: United States, capability: 80}
stances:
  - {actor: ua, issue: border, position: 0, salience: 90}
  - {actor: ru, issue: border, position: 100, salience: 80}
  - {actor: us, issue: border, position: 40, salience: 40}
  - {actor: ua, issue: aid, position: 10, salience: 70}
  - {actor: ru, issue: aid, position: 0, salience: 30}
  - {actor: us, issue: aid, position: 5, salience: 50}
variants:
  - id: us-out
    name: US steps back
    changes: [{op: scale_capability, actor: us, value: 0.25}]
theses:
  - {id: t1, claim: Border settles below 60, kind: threshold, issue: border, op: "<", value: 60}
"""

XSS = "<script>alert('x')</script>"
XSS_YAML = f"""\
stakes: 1
id: xss
title: "<img src=x onerror=alert(1)> talks"
issues:
  - {{id: i1, name: "<b>bold</b> issue"}}
actors:
  - {{id: a1, name: "{XSS}", capability: 1}}
  - {{id: a2, name: Plain, capability: 1}}
stances:
  - {{actor: a1, issue: i1, position: 10, salience: 50}}
  - {{actor: a2, issue: i1, position: 90, salience: 50}}
"""


def weighted_mean(rows: list[tuple[float, float, float]]) -> float:
    """Σ c·s·x / Σ c·s over (capability, salience, position) rows: the reference for the compromise model."""
    num = sum(c * s * x for c, s, x in rows)
    den = sum(c * s for c, s, _ in rows)
    return num / den


def many_actors_csv(n: int) -> str:
    lines = ["actor,issue,position,salience,capability"]
    lines += [f"actor{k},border,{k % 101},{50},{1 + k % 7}" for k in range(n)]
    return "\n".join(lines) + "\n"


# -- API helpers -------------------------------------------------------------------------------------
def upload(c: Any, text: str | bytes, name: str = "small.yaml"):
    data = text.encode() if isinstance(text, str) else text
    return c.post("/api/scenarios/upload", files={"file": (name, io.BytesIO(data), "application/octet-stream")})


def run_and_wait(c: Any, sid: str, **body) -> dict:
    r = c.post(f"/api/scenarios/{sid}/runs", json=body)
    assert r.status_code == 202, r.text
    return wait_job(c, r.json()["id"])


def wait_job(c: Any, job_id: str, timeout: float = 60) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = c.get(f"/api/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


class BrokenStore:
    """A run store whose writes fail (the web app must then show no run)."""

    def record(self, *args, **kwargs):
        from stakes.store import StoreError

        raise StoreError("disk full")

    def list(self, **kwargs):
        return pd.DataFrame(columns=["id", "kind", "scenario", "title", "seed", "version", "status",
                                     "started", "finished", "label", "models", "variants"])


def make_client(**kwargs: Any) -> Any:
    """An in-process client of a fresh app (jobs forked, so a test's monkeypatches reach them).

    A job that runs a compiled parallel kernel (BDM, SMP, exchange) must not be forked from this process once
    it has run one itself: GNU OpenMP then kills the child with SIGTERM (numba's omp layer refuses the
    pattern). Such tests pass ``start_method="forkserver"``, the server's own default."""
    from fastapi.testclient import TestClient

    from stakes.web import create_app

    limits = kwargs.pop("limits", None)
    start_method = kwargs.pop("start_method", "fork")
    return TestClient(create_app(limits=limits, start_method=start_method, **kwargs), base_url="http://127.0.0.1")
