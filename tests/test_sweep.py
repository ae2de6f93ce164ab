"""Sweeps: chunks on disk, kill-and-resume, process pools and a real Dask cluster give the in-process result."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stakes.errors import OptionError, StakesError
from stakes.io import save_scenario
from stakes.scenario import Scenario
from stakes.simulate import load_sweep, simulate
from stakes.sweep import ChunkStore, open_executor


def random_scenario(n: int = 40, d: int = 4, seed: int = 1) -> Scenario:
    rng = np.random.default_rng(seed)
    return Scenario.model_validate({
        "title": "sweep test", "seed": 3, "models": ["weighted-mean", "weighted-median"],
        "issues": [{"id": f"i{j}", "name": f"I{j}"} for j in range(d)],
        "actors": [{"id": f"a{k}", "name": f"A{k}", "capability": float(rng.uniform(1, 100))}
                   for k in range(n)],
        "stances": [{"actor": f"a{k}", "issue": f"i{j}", "position": float(rng.uniform(0, 100)),
                     "salience": float(rng.uniform(10, 100))} for k in range(n) for j in range(d)],
        "variants": [{"id": "a0-doubles", "name": "a0 doubles",
                      "changes": [{"op": "scale_capability", "actor": "a0", "value": 2}]}],
        "theses": [{"id": "t", "claim": "i0 above 50", "kind": "threshold", "issue": "i0", "op": ">", "value": 50}],
        "uncertainty": {"default": {"position": 10, "salience": 10, "capability": 0.2}},
    })


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                  check_categorical=False)


def test_kill_and_resume(tmp_path: Path) -> None:
    sc = random_scenario(n=20, d=3)
    path = tmp_path / "s.yaml"
    save_scenario(sc, path)
    out = tmp_path / "out"
    runs, chunk = 25_600, 64
    n_chunks = runs // chunk
    cmd = [sys.executable, "-m", "stakes", "simulate", str(path), "--runs", str(runs), "--chunk-size",
           str(chunk), "--out", str(out), "--variant", "baseline", "--format", "json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (out / "runs").is_dir() and len(list((out / "runs").glob("chunk-*.parquet"))) >= 3:
            break
        if proc.poll() is not None:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    before = sorted(p.name for p in (out / "runs").glob("chunk-*.parquet"))
    assert 3 <= len(before) < n_chunks
    stamps = {name: (out / "runs" / name).stat().st_mtime_ns for name in before}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # chunks written before the kill were kept, not recomputed
    assert all((out / "runs" / name).stat().st_mtime_ns == t for name, t in stamps.items())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["finished"] == list(range(n_chunks))
    assert not list(out.rglob("*.tmp"))
    on_disk = pd.read_parquet(out / "runs")
    counts = on_disk.groupby(["run", "variant", "model", "issue"], observed=True).size()
    assert (counts == 1).all() and len(counts) == runs * 2 * 3  # none lost, none duplicated
    assert sorted(on_disk["run"].unique()) == list(range(runs))
    whole = simulate(sc, runs, variants=["baseline"], chunk_size=5000)
    on_disk = on_disk.sort_values(["model", "run", "issue"], key=lambda s: s.astype(str) if s.dtype == object
                                  else s, kind="stable")
    expect = whole.runs.assign(model=whole.runs.model.astype(str), issue=whole.runs.issue.astype(str))
    expect = expect.sort_values(["model", "run", "issue"], kind="stable")
    np.testing.assert_array_equal(on_disk["value"].to_numpy(), expect["value"].to_numpy())
    payload = json.loads(done.stdout)
    assert payload["runs"] == runs
    assert payload["forecasts"] == whole.payload()["forecasts"]


def test_resume_in_process_matches(tmp_path: Path) -> None:
    sc = random_scenario(n=8, d=2)
    out = tmp_path / "o"
    first = simulate(sc, 1000, chunk_size=100, out=str(out))
    (out / "runs" / "chunk-00004.parquet").unlink()  # as if killed while this chunk was in flight
    (out / "theses" / "chunk-00007.parquet").unlink()  # a chunk missing one table is redone
    partial = load_sweep(out)
    assert not partial.complete and partial.n_runs == 800
    again = simulate(sc, 1000, chunk_size=100, out=str(out))
    assert_same(first.runs, again.runs)
    loaded = load_sweep(out)  # the folder alone is enough: scenario.yaml + manifest + chunks
    assert loaded.complete
    assert_same(first.runs, loaded.runs)
    assert_same(first.thesis_table(), loaded.thesis_table())
    assert_same(first.summary(), again.summary())
    assert (out / "runs" / "chunk-00004.parquet").exists() and (out / "theses" / "chunk-00007.parquet").exists()


def test_results_do_not_depend_on_chunks_or_executor(tmp_path: Path) -> None:
    sc = random_scenario(n=6, d=2)
    ref = simulate(sc, 700)
    small = simulate(sc, 700, chunk_size=33)
    assert_same(ref.runs, small.runs)
    assert_same(ref.thesis_runs, small.thesis_runs)
    with open_executor(workers=2) as pool:
        pooled = simulate(sc, 700, chunk_size=100, executor=pool)
    assert_same(ref.runs, pooled.runs)
    assert_same(ref.thesis_table(), pooled.thesis_table())


def test_dask_local_cluster_matches_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    distributed = pytest.importorskip("distributed")
    from stakes.cli import main

    sc = random_scenario(n=6, d=2)
    ref = simulate(sc, 900)
    path = tmp_path / "s.yaml"
    save_scenario(sc, path)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None, protocol="tcp")
    with cluster:
        with open_executor(scheduler=cluster.scheduler_address) as client:
            assert type(client).__name__ == "Client"
            remote = simulate(sc, 900, chunk_size=100, executor=client)
        # the command line, streaming to disk through the same cluster
        monkeypatch.setattr(sys, "argv", ["stakes", "simulate", str(path), "--runs", "900", "--chunk-size",
                                          "100", "--scheduler", cluster.scheduler_address, "--out",
                                          str(tmp_path / "out"), "--format", "json"])
        try:
            main()
        except SystemExit as exc:
            assert not exc.code
    assert_same(ref.runs, remote.runs)
    assert_same(ref.thesis_table(), remote.thesis_table())
    assert json.loads(capsys.readouterr().out) == ref.payload()
    assert len(list((tmp_path / "out" / "runs").glob("chunk-*.parquet"))) == 9


def test_unreachable_scheduler() -> None:
    pytest.importorskip("distributed")
    t0 = time.monotonic()
    with pytest.raises(StakesError, match="cannot reach the Dask scheduler"), \
            open_executor(scheduler="tcp://127.0.0.1:9", timeout=1):
        pass
    assert time.monotonic() - t0 < 30
    with pytest.raises(OptionError), open_executor(scheduler="not-an-address"):
        pass
    with pytest.raises(OptionError), open_executor(workers=2, scheduler="tcp://127.0.0.1:9"):
        pass


def test_other_sweep_in_folder_is_refused(tmp_path: Path) -> None:
    sc = random_scenario(n=4, d=1)
    simulate(sc, 200, chunk_size=50, out=str(tmp_path))
    with pytest.raises(OptionError, match="differs in: runs"):
        simulate(sc, 300, chunk_size=50, out=str(tmp_path))
    with pytest.raises(OptionError, match="differs in: seed"):
        simulate(sc, 200, chunk_size=50, out=str(tmp_path), seed=99)


def test_full_disk_leaves_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = random_scenario(n=4, d=1)
    calls = {"n": 0}
    real = pd.DataFrame.to_parquet

    def full_after_two(self: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] > 3:
            Path(str(path)).write_bytes(b"PAR1 partial")  # the disk fills half-way through the file
            raise OSError(28, "No space left on device")
        real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_after_two)
    with pytest.raises(StakesError, match="No space left on device"):
        simulate(sc, 400, chunk_size=100, out=str(tmp_path))
    assert not list(tmp_path.rglob("*.tmp"))
    # chunk 0 is whole (both tables); chunk 1 wrote its first table only, so it does not count as finished
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["chunk-00000.parquet"]
    store = ChunkStore(tmp_path, simulate.__globals__["make_plan"](sc, 400, chunk_size=100).settings(), 4)
    assert store.finished() == {0}


def test_ctrl_c_keeps_finished_chunks(tmp_path: Path) -> None:
    sc = random_scenario(n=20, d=3)
    path = tmp_path / "s.yaml"
    save_scenario(sc, path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "stakes", "simulate", str(path), "--runs", "25600", "--chunk-size", "64",
           "--out", str(out), "--variant", "baseline"]
    # A shell without job control starts background jobs with SIGINT ignored, and the child would inherit
    # that (CI runs this way): give the child the default disposition, as a terminal's Ctrl-C expects.
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "runs").is_dir() and len(list((out / "runs").glob("chunk-*.parquet"))) >= 2:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted after" in err and "rerun the same command to resume" in err
    assert "Traceback" not in err
    assert not list(out.rglob("*.tmp"))
    manifest = json.loads((out / "manifest.json").read_text())
    kept = sorted(int(p.stem.split("-")[1]) for p in (out / "runs").glob("chunk-*.parquet"))
    assert manifest["finished"] == kept and not manifest["complete"] and len(kept) >= 2


def test_sweep_command_several_scenarios(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from stakes.cli import main

    a, b = random_scenario(n=5, d=2, seed=1), random_scenario(n=7, d=1, seed=2)
    save_scenario(a, tmp_path / "a.yaml")
    save_scenario(b, tmp_path / "b.yaml")
    out = tmp_path / "out"
    argv = ["stakes", "sweep", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "--runs", "300",
            "--chunk-size", "100", "--out", str(out), "--format", "json"]
    monkeypatch.setattr(sys, "argv", argv)

    def run() -> None:
        try:
            main()
        except SystemExit as exc:
            assert not exc.code

    run()
    payload = json.loads(capsys.readouterr().out)
    assert [p["folder"] for p in payload] == ["a", "b"]
    assert payload[0]["forecasts"] == simulate(a, 300).payload()["forecasts"]
    assert payload[1]["theses"] == simulate(b, 300).payload()["theses"]
    stamp = (out / "b" / "runs" / "chunk-00002.parquet").stat().st_mtime_ns
    run()  # rerun: everything is on disk already
    assert json.loads(capsys.readouterr().out) == payload
    assert (out / "b" / "runs" / "chunk-00002.parquet").stat().st_mtime_ns == stamp


def test_missing_dask_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    with pytest.raises(StakesError, match=r"pip install 'stakes\[dask\]'"), \
            open_executor(scheduler="tcp://127.0.0.1:8786"):
        pass
