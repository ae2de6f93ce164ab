"""The run store, one suite run against SQLite and against a real PostgreSQL server started here.

The PostgreSQL cluster is created with Debian's ``initdb`` in a temporary folder (as the ``postgres`` user
when the tests run as root), listens only on a unix socket there, and is stopped at the end. Each test gets
a fresh database. Where PostgreSQL cannot start the PostgreSQL half is skipped with the reason.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import create_engine, text

from stakes.forecast import forecast
from stakes.io.yaml_io import dump_yaml
from stakes.store import RunStore, StoreError, head_revision, record_forecast
from stakes.store.migrate import current_revision, upgrade

# -- the PostgreSQL server -------------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL's initdb/pg_ctl not found (Debian package 'postgresql')")
        self.pg_ctl = pg_ctl
        self.dir = Path(tempfile.mkdtemp(prefix="stakes-pg-"))
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise RuntimeError("running as root and 'runuser' is missing to start PostgreSQL as 'postgres'")
            self.prefix = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
        self.port = _free_port()
        self.data = self.dir / "data"
        self._run([initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
        opts = f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off"
        self._run([pg_ctl, "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start"])
        self.counter = itertools.count()
        self.admin = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")

    def _run(self, cmd: list[str]) -> None:
        proc = subprocess.run([*self.prefix, *cmd], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"{Path(cmd[0]).name} failed: {(proc.stderr or proc.stdout).strip()[-500:]}")

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://postgres@/{db}?host={self.dir}&port={self.port}"

    def fresh_database(self) -> str:
        name = f"stakes_test_{next(self.counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return self.url(name)

    def stop(self) -> None:
        self.admin.dispose()
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    try:
        server = PgServer()
    except (RuntimeError, OSError, subprocess.TimeoutExpired, KeyError) as exc:
        pytest.skip(f"PostgreSQL cannot start here: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.db'}"
    return request.getfixturevalue("pg_server").fresh_database()


@pytest.fixture
def store(db_url):
    with RunStore(db_url) as s:
        yield s


# -- the suite ------------------------------------------------------------------------------------------


def test_forecast_run_round_trips(db_url, small):
    result = forecast(small, models=["weighted-mean", "weighted-median"])
    run_id = record_forecast(result, db_url)
    with RunStore(db_url) as store:  # a new connection: what was committed, not what is cached
        runs = store.list()
        assert list(runs.id) == [run_id]
        row = runs.iloc[0]
        assert (row.kind, row.scenario, row.title, row.seed, row.status) == (
            "forecast", "small", small.title, small.seed, "finished")
        assert row.version == __import__("stakes").__version__
        assert row.started <= row.finished
        assert_frame_equal(store.table(run_id, "forecast"), result.frame())
        assert_frame_equal(store.table(run_id, "trajectories"), result.trajectories(), check_dtype=False)
        verdicts = store.table(run_id, "verdicts")
        assert list(verdicts.holds) == [v.holds for v in result.verdicts()]
        run = store.get(run_id)
        assert run.scenario() == small
        assert run.scenario_hash == hashlib.sha256(dump_yaml(small).encode()).hexdigest()
        assert run.variants == result.variants and run.models == result.models
        assert run.parameters == {"weighted-mean": {}, "weighted-median": {}}


def test_runs_survive_reopening_and_keep_their_seed(db_url, small):
    ids = [record_forecast(forecast(small.model_copy(update={"seed": s}), models=["weighted-mean"]), db_url)
           for s in (11, 12)]
    with RunStore(db_url) as store:
        listed = store.list()
    assert list(listed.id) == ids[::-1]  # newest first
    assert list(listed.seed) == [12, 11]


def test_exception_marks_the_run_failed_and_writes_no_results(store, small):
    with pytest.raises(ZeroDivisionError), store.recording("simulation", small, seed=3) as rec:
        rec.add("draws", pd.DataFrame({"x": [1.0, 2.0]}))
        _ = 1 / 0
    run = store.get(rec.run_id)
    assert run.status == "failed"
    assert "ZeroDivisionError" in (run.error or "")
    assert run.finished_at is not None
    assert run.table_names == ()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stakes_results")).scalar_one() == 0


def test_failure_while_writing_leaves_no_half_written_run(store, small):
    good = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    bad = pd.DataFrame({"x": [object()]})  # cannot be stored: fails after 'good' was encoded
    with pytest.raises(StoreError), store.recording("forecast", small) as rec:
        rec.add("good", good)
        rec.add("bad", bad)
    run = store.get(rec.run_id)
    assert run.status == "failed" and run.table_names == ()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stakes_results")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM stakes_result_tables")).scalar_one() == 0


def test_killed_process_leaves_a_failed_run_not_a_half_written_one(db_url, small, tmp_path):
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(dump_yaml(small), encoding="utf-8")
    script = textwrap.dedent(f"""
        import os, pandas as pd
        from stakes.io import load_scenario
        from stakes.store import RunStore
        store = RunStore({db_url!r})
        with store.recording("simulation", load_scenario({str(scenario_file)!r})) as rec:
            rec.add("draws", pd.DataFrame({{"x": range(1000)}}))
            print(rec.run_id, flush=True)
            os._exit(9)  # killed mid-run: no exception handler, no cleanup
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    run_id = int(proc.stdout.split()[0])
    with RunStore(db_url) as store:  # opening reaps runs whose process is gone
        run = store.get(run_id)
        assert run.status == "failed"
        assert "interrupted" in (run.error or "")
        assert run.table_names == ()
        assert store.list().status.tolist() == ["failed"]


def test_diff_reports_changed_forecasts_with_deltas(store, small):
    a = forecast(small, models=["weighted-mean"], variants=["baseline"])
    louder = small.model_copy(update={"stances": tuple(
        s.model_copy(update={"salience": 100.0}) if (s.actor, s.issue) == ("ru", "territory") else s
        for s in small.stances)})
    b = forecast(louder, models=["weighted-mean"], variants=["baseline"])
    ids = [store.record("forecast", r.scenario, {"forecast": r.frame()}, models=r.models, variants=r.variants)
           for r in (a, b)]
    diff = store.diff(*ids)
    assert "scenario_hash" in set(diff[diff.table == "run"].column)
    changed = diff[(diff.table == "forecast") & (diff.column == "value")]
    assert list(changed.key) == ["variant=baseline, model=weighted-mean, issue=territory"]  # aid unchanged
    fa, fb = a.frame().set_index("issue").value, b.frame().set_index("issue").value
    assert changed.delta.iloc[0] == pytest.approx(fb["territory"] - fa["territory"])
    assert changed.a.iloc[0] == pytest.approx(fa["territory"])
    same = store.diff(ids[0], ids[0])
    assert same.empty


def test_export_stacks_tables_and_unknown_ids_are_clear_errors(store, small):
    result = forecast(small, models=["weighted-mean"])
    run_id = store.record("forecast", small, {"forecast": result.frame(), "verdicts": pd.DataFrame(
        {"thesis": ["t"], "holds": [True]})})
    out = store.export(run_id)
    assert list(out.columns[:2]) == ["run_id", "table"]
    assert out.table.value_counts().to_dict() == {"forecast": len(result.frame()), "verdicts": 1}
    assert_frame_equal(store.export(run_id, table="forecast").drop(columns=["run_id", "table"]), result.frame())
    with pytest.raises(StoreError, match="no run with id 999"):
        store.get(999)
    with pytest.raises(StoreError, match=r"no result table 'nope'.*forecast, verdicts"):
        store.table(run_id, "nope")
    with pytest.raises(StoreError, match="unknown run kind"):
        store.record("guess", small, {})


def test_store_at_the_first_revision_upgrades_and_keeps_its_runs(db_url, small):
    engine = create_engine(db_url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:  # a run as stakes wrote it at revision 0001
        conn.execute(text(
            "INSERT INTO stakes_runs (kind, status, scenario_id, scenario_title, scenario_hash, scenario_yaml,"
            " variants, models, parameters, options, seed, stakes_version, started_at, finished_at)"
            " VALUES ('forecast', 'finished', 'small', 'Old run', :h, :y, '[\"baseline\"]', '[\"bdm\"]',"
            " '{}', '{}', 5, '0.0.1', :t, :t)"),
            {"h": "0" * 64, "y": dump_yaml(small), "t": pd.Timestamp("2024-07-11T12:00:00Z").to_pydatetime()})
    engine.dispose()
    with RunStore(db_url) as store:
        assert current_revision(store.engine) == head_revision() != "0001"
        old = store.list()
        assert list(old.title) == ["Old run"] and old.label.isna().all()
        assert store.get(int(old.id.iloc[0])).scenario() == small
        new_id = store.record("forecast", small, {"forecast": pd.DataFrame({"v": [1.0]})}, label="after upgrade")
        assert store.get(new_id).label == "after upgrade"


def test_migrations_build_the_tables_the_code_declares(store):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from stakes.store.schema import Base

    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "version_table": "stakes_alembic_version"})
        assert compare_metadata(ctx, Base.metadata) == []


def test_the_head_constant_is_alembics_head_and_an_up_to_date_store_opens_without_alembic(tmp_path):
    from stakes.store.migrate import HEAD

    assert head_revision() == HEAD
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    RunStore(url).close()  # created and migrated (Alembic imported here)
    probe = ("import sys; from stakes.store import RunStore; s = RunStore(sys.argv[1]); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic')); print(s.list().shape[0])")
    out = subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "0"]


def test_a_store_from_a_newer_stakes_is_refused(db_url):
    RunStore(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE stakes_alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer stakes"):
        RunStore(db_url)


def test_bad_urls_are_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="not a usable database URL"):
        RunStore("nosuchdialect://x/y")
    with pytest.raises(StoreError, match="cannot"):
        RunStore("postgresql+psycopg://nobody@/nodb?host=/nonexistent-dir&port=1")


def test_every_kind_records_its_metadata(db_url, small, monkeypatch):
    from stakes.alignment import align_variants, side_probabilities
    from stakes.report import tidy
    from stakes.simulate import simulate
    from stakes.store import record_alignment, record_simulation

    noisy = small.model_copy(update={"uncertainty": small.uncertainty.model_copy(update={
        "default": small.uncertainty.default.model_copy(update={"position": 5.0})})})
    sim = simulate(noisy, runs=40, models=["weighted-mean"], variants=["baseline", "us-out"], seed=99)
    monkeypatch.setattr(tidy, "MAX_STORED_DRAWS", 10)  # too many draws: keep the summaries only
    sim_id = record_simulation(sim, noisy, db_url)
    al_id = record_alignment([*align_variants(small), side_probabilities(small, "baseline", runs=20)], small,
                             db_url)
    with RunStore(db_url) as store:
        run = store.get(sim_id)
        assert (run.kind, run.seed, run.models, run.variants) == ("simulation", 99, ["weighted-mean"],
                                                                  ["baseline", "us-out"])
        assert run.options["runs"] == 40 and run.options["complete"] is True
        assert "runs" not in run.table_names
        assert_frame_equal(store.table(sim_id, "summary"), sim.summary().astype(
            {"variant": object, "issue": object, "model": object}))
        al = store.get(al_id)
        assert al.kind == "alignment" and al.models == ["landscape"]
        assert al.variants == ["baseline", "us-out", "us-out-hu-up"]
        sides = store.table(al_id, "alignment")
        assert set(sides.columns) >= {"variant", "actor", "side", "p_side0"}


def test_concurrent_writers_each_get_their_whole_run(db_url, small):
    import threading

    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            with RunStore(db_url) as store:
                store.record("forecast", small, {"t": pd.DataFrame({"k": [k] * 200})}, label=f"w{k}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with RunStore(db_url) as store:
        runs = store.list()
        assert sorted(runs.label) == ["w0", "w1", "w2", "w3"]
        for rid, label in zip(runs.id, runs.label, strict=True):
            assert store.table(int(rid), "t").k.tolist() == [int(label[1:])] * 200


def _open_and_count(url: str) -> int:
    with RunStore(url) as store:
        return store.count()


def test_processes_opening_a_fresh_sqlite_store_at_once_all_succeed(tmp_path):
    """SQLite runs DDL outside transactions unless asked: the migration must be one write transaction."""
    import multiprocessing

    db_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        counts = pool.map(_open_and_count, [db_url] * 3)
    assert counts == [0, 0, 0]
    with RunStore(db_url) as store:
        assert current_revision(store.engine) == head_revision()


def test_diff_matches_quantile_grid_rows_on_their_level():
    from stakes.store.diff import diff_tables

    a = pd.DataFrame({"variant": "baseline", "model": "ensemble", "issue": "x", "level": [0.05, 0.5, 0.95],
                      "value": [10.0, 20.0, 30.0]})
    b = a.assign(value=[10.0, 21.0, 30.0])
    (row,) = diff_tables("quantile_grid", a, b)
    assert row["key"].endswith("level=0.5") and row["delta"] == 1.0
