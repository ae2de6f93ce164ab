"""Shared fixtures: small scenarios and a CLI runner that checks exit codes like a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from stakes.io.yaml_io import scenario_from_dict

# Tests never write into the user's run store; store tests pass their own URL.
os.environ.setdefault("STAKES_DB", "off")

# Property tests explore new random examples on every local run; in CI (CI=true) they replay a fixed
# sequence derived from each test, so a merge is judged on the same examples every time (a new example that
# fails is found locally and fixed, not by a CI run at random).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
VALIDATION = ROOT / "tests" / "data" / "validation"


def small_scenario_dict() -> dict:
    return {
        "title": "Small test scenario",
        "id": "small",
        "seed": 7,
        "issues": [
            {"id": "territory", "name": "Territory", "anchors": [{"value": 0, "label": "1991 borders"},
                                                                   {"value": 100, "label": "Russia's terms"}]},
            {"id": "aid", "name": "Military aid", "scale_min": -10, "scale_max": 10, "status_quo": 0},
        ],
        "actors": [
            {"id": "ua", "name": "Ukraine", "capability": 30, "groups": ["europe"]},
            {"id": "ru", "name": "Russia", "capability": 60},
            {"id": "us", "name": "United States", "capability": 100, "groups": ["nato"]},
            {"id": "hu", "name": "Hungary", "capability": 5, "groups": ["nato", "eu"]},
        ],
        "stances": [
            {"actor": "ua", "issue": "territory", "position": 0, "salience": 100},
            {"actor": "ru", "issue": "territory", "position": 100, "salience": 90},
            {"actor": "us", "issue": "territory", "position": 20, "salience": 60},
            {"actor": "hu", "issue": "territory", "position": 70, "salience": 40},
            {"actor": "ua", "issue": "aid", "position": 10, "salience": 100},
            {"actor": "ru", "issue": "aid", "position": -10, "salience": 80},
            {"actor": "us", "issue": "aid", "position": 5, "salience": 50},
        ],
        "variants": [
            {"id": "us-out", "name": "US leaves", "changes": [{"op": "remove_actor", "actor": "us"}]},
            {"id": "us-out-hu-up", "name": "US leaves, Hungary louder", "base": "us-out",
             "changes": [{"op": "set_salience", "actor": "hu", "issue": "territory", "value": 90}]},
        ],
        "theses": [
            {"id": "t-below", "kind": "threshold", "claim": "territory below 60", "issue": "territory",
             "op": "<", "value": 60, "model": "weighted-mean", "quote": "..."},
            {"id": "t-closer", "kind": "closer", "claim": "closer to UA than RU", "issue": "territory",
             "actor": "ua", "other": "ru", "variant": "us-out", "model": "weighted-mean"},
        ],
    }


@pytest.fixture
def small_dict() -> dict:
    return small_scenario_dict()


@pytest.fixture
def small():
    return scenario_from_dict(small_scenario_dict())


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m stakes ARGS`` as a user would; returns the completed process (text mode)."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "stakes", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, env=env, stdin=subprocess.DEVNULL)


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI's entry point in this process (faster than a subprocess): exit code, stdout, stderr."""
    from stakes.cli import main

    monkeypatch.setattr(sys, "argv", ["stakes", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


COP21 = VALIDATION / "decide-cop21" / "cop21_2015_full_with_provenance.tsv"


@pytest.fixture(scope="module")
def cop21():
    """The COP21 case (Decide's input) compiled to arrays."""
    from stakes.arrays import compile_scenario
    from stakes.io.decide import read_decide

    return compile_scenario(read_decide(COP21))
