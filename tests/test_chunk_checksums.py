"""Fault injection on ``simulate --out`` chunks: zeroed, truncated, swapped or unlisted files are detected by
their SHA-256 in the manifest and recomputed (saying so); results equal an undamaged run."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from stakes.errors import StakesError
from stakes.simulate import load_sweep, simulate

from .conftest import run_main
from .test_sweep import assert_same, random_scenario


def _zero_4k(path: Path) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 3
    data[mid:mid + 4096] = bytes(min(4096, len(data) - mid))
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_zero_4k, _truncate, _flip_one_byte])
def test_damaged_chunk_is_detected_and_recomputed(tmp_path: Path, damage) -> None:
    sc = random_scenario(n=8, d=2)
    out = tmp_path / "o"
    first = simulate(sc, 600, chunk_size=100, out=str(out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["checksums"]) == {f"{t}/chunk-{i:05d}.parquet" for t in ("runs", "theses") for i in range(6)}
    target = out / "runs" / "chunk-00002.parquet"
    damage(target)
    with pytest.raises(StakesError, match=r"chunk 2 .*checksum"):
        load_sweep(out)
    heard: list[str] = []
    again = simulate(sc, 600, chunk_size=100, out=str(out), notify=heard.append)
    assert len(heard) == 1 and "chunk 2" in heard[0] and "recomputing" in heard[0]
    assert_same(first.runs, again.runs)
    assert_same(first.runs, load_sweep(out).runs)


def test_chunk_missing_from_manifest_is_recomputed(tmp_path: Path) -> None:
    sc = random_scenario(n=6, d=2)
    out = tmp_path / "o"
    first = simulate(sc, 300, chunk_size=100, out=str(out))
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["checksums"]["theses/chunk-00001.parquet"]  # as if killed between rename and manifest
    (out / "manifest.json").write_text(json.dumps(manifest))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = simulate(sc, 300, chunk_size=100, out=str(out))
    assert any("chunk 1" in str(w.message) and "no checksum" in str(w.message) for w in caught)
    assert_same(first.runs, again.runs)


def test_cli_resume_says_it_recomputes(tmp_path: Path, monkeypatch, capsys) -> None:
    from stakes.io import save_scenario

    sc = random_scenario(n=5, d=2)
    path = tmp_path / "s.yaml"
    save_scenario(sc, path)
    out = tmp_path / "o"
    args = ("simulate", str(path), "--runs", "200", "--chunk-size", "50", "--out", str(out), "--format", "json")
    code, first, _ = run_main(monkeypatch, capsys, *args)
    assert code == 0
    _zero_4k(out / "theses" / "chunk-00003.parquet")
    code, second, err = run_main(monkeypatch, capsys, *args)
    assert code == 0
    assert "chunk 3" in err and "recomputing" in err
    assert json.loads(first)["forecasts"] == json.loads(second)["forecasts"]
