"""The hostile corpus (tests/data/hostile/, written by make_corpus.py there): every file is refused with exit
status 2 and a message naming the file, or forecast by every model with finite numbers in strict JSON — never
a traceback. A file listed in KNOWN would be a strict xfail with its reason (none is)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from .conftest import run_main

HOSTILE = Path(__file__).parent / "data" / "hostile"
FILES = sorted(p for p in HOSTILE.iterdir() if p.suffix in (".yaml", ".csv", ".tsv", ".xlsx"))
MODELS = ["mean", "weighted-mean", "weighted-median", "bdm", "smp", "nash", "exchange"]
KNOWN: dict[str, str] = {}  # files expected to fail, with the reason (none left)


def _strict(text: str) -> dict:
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c} in the output"))


def test_the_corpus_is_big_and_covers_every_format():
    assert len(FILES) >= 60
    assert {p.suffix for p in FILES} == {".yaml", ".csv", ".tsv", ".xlsx"}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_hostile_file_is_refused_or_forecast_finitely(path, monkeypatch, capsys, request):
    if path.name in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[path.name], strict=True))
    args = ["forecast", str(path), "--format", "json"]
    for m in MODELS:
        args += ["-m", m]
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert code in (0, 2), (code, err[-2000:])
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("error:") and str(path) in err, err
        return
    payload = _strict(out)
    values = [f["value"] for f in payload["forecasts"]]
    values += [v for f in payload["forecasts"] for v in (f["rounds"] or [])]
    assert values and all(isinstance(v, float | int) and math.isfinite(v) for v in values)
