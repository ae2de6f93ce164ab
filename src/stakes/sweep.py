"""Chunked execution of long work: in-process, on a process pool, or on a Dask cluster; chunks stream to disk.

* :func:`open_executor` gives the executor for ``--workers N`` (a ``ProcessPoolExecutor``) or
  ``--scheduler tcp://host:port`` (a ``dask.distributed.Client``; Dask is an optional extra, imported lazily);
  ``None`` runs chunks in this process, one after the other.
* :func:`run_chunks` calls ``task(*args, index)`` for every chunk index, at most a few in flight per worker,
  and yields ``(index, result)`` as they finish.
* :class:`ChunkStore` writes each finished chunk at once as Parquet files through a temporary file and a
  rename, keeps a ``manifest.json`` (also written atomically) with the SHA-256 of every chunk file, and on a
  rerun of the same command reports the chunks already on disk so they are skipped: a sweep killed with
  SIGKILL loses at most the chunks in flight. A chunk file whose checksum does not match the manifest (or is
  not in it) is deleted and recomputed, and the store says so (:attr:`ChunkStore.rejected`).

Results never depend on the chunking or the executor: randomness is keyed by run, not by chunk
(:mod:`stakes.uncertainty`).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import OptionError, StakesError

MANIFEST = "manifest.json"
FORMAT = "stakes-sweep/1"


# -- executors ---------------------------------------------------------------------------------------------
@contextlib.contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None,
                  timeout: float = 5.0) -> Iterator[Any]:
    """The executor for the options given (None = in-process); closed on exit."""
    if workers is not None and scheduler is not None:
        raise OptionError("give either --workers or --scheduler, not both")
    if scheduler is not None:
        client = connect_dask(scheduler, timeout)
        try:
            yield client
        finally:
            client.close()
        return
    if workers is None or workers == 0:
        yield None
        return
    if workers < 0 or workers > 1024:
        raise OptionError(f"--workers must be between 1 and 1024, got {workers}")
    import multiprocessing

    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def connect_dask(address: str, timeout: float = 5.0) -> Any:
    """A ``dask.distributed.Client`` connected to ``address``; a clear StakesError if that fails."""
    try:
        from distributed import Client
    except ImportError:
        raise StakesError("--scheduler needs Dask: pip install 'stakes[dask]'") from None
    if "://" not in address:
        raise OptionError(f"--scheduler must be an address like tcp://host:8786, got {address!r}")
    try:
        return Client(address, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise StakesError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s ({exc}); "
                          "is it running, and is the address right?") from None


def _is_dask(executor: Any) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed"


def _workers_of(executor: Any) -> int:
    if _is_dask(executor):
        try:
            return max(1, sum(w.get("nthreads", 1) for w in executor.scheduler_info()["workers"].values()))
        except Exception:  # only a sizing hint
            return 4
    return max(1, getattr(executor, "_max_workers", 1))


def run_chunks(task: Callable[..., Any], args: tuple[Any, ...], indices: Iterable[int],
               executor: Any = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, task(*args, index))`` for each index as chunks finish (order not guaranteed).

    With an executor, at most ``2 × workers`` chunks are in flight, so results never pile up in memory. On
    any exception (Ctrl-C included) pending chunks are cancelled before it propagates.
    """
    todo = list(indices)
    if executor is None:
        for i in todo:
            yield i, task(*args, i)
        return
    window = 2 * _workers_of(executor)
    if _is_dask(executor):
        from distributed import as_completed as dask_completed

        futures = {executor.submit(task, *args, i, pure=False): i for i in todo[:window]}
        queue = todo[window:]
        done_iter = dask_completed(list(futures), loop=executor.loop)
        try:
            for fut in done_iter:
                i = futures.pop(fut)
                result = fut.result()
                if queue:
                    nxt = queue.pop(0)
                    new = executor.submit(task, *args, nxt, pure=False)
                    futures[new] = nxt
                    done_iter.add(new)
                yield i, result
        finally:
            for fut in futures:
                fut.cancel()
        return
    pending: dict[cf.Future[Any], int] = {}
    queue = list(todo)
    try:
        while queue or pending:
            while queue and len(pending) < window:
                nxt = queue.pop(0)
                pending[executor.submit(task, *args, nxt)] = nxt
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                yield i, fut.result()
    finally:
        for fut in pending:
            fut.cancel()


# -- the store ---------------------------------------------------------------------------------------------
def chunk_path(folder: str | Path, table: str, index: int) -> Path:
    return Path(folder) / table / f"chunk-{index:05d}.parquet"


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def chunk_key(table: str, index: int) -> str:
    """The manifest's key of a chunk file (its path relative to the folder)."""
    return f"{table}/chunk-{index:05d}.parquet"


def check_chunk(folder: Path, tables: tuple[str, ...], index: int, checksums: dict[str, str]) -> str | None:
    """Why chunk ``index`` cannot be used (None: every table file exists and matches its checksum)."""
    for table in tables:
        path = chunk_path(folder, table, index)
        if not path.exists():
            return "missing"
        expected = checksums.get(chunk_key(table, index))
        if expected is None:
            return f"{chunk_key(table, index)} has no checksum in the manifest"
        try:
            actual = file_sha256(path)
        except OSError as exc:
            return f"{chunk_key(table, index)} is unreadable ({exc.strerror or exc})"
        if actual != expected:
            return f"{chunk_key(table, index)} does not match its checksum (corrupted or truncated)"
    return None


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a sweep folder; a StakesError if there is none or it is unreadable."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StakesError(f"{folder} is not a sweep folder (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise StakesError(f"{path} is unreadable ({exc})") from None
    if data.get("format") != FORMAT:
        raise StakesError(f"{path} is not a {FORMAT} manifest")
    return data


class ChunkStore:
    """A folder of finished chunks: ``<table>/chunk-00000.parquet`` per table and a ``manifest.json``.

    ``pandas.read_parquet(folder / "runs")`` reads every finished chunk of a table at once.

    A chunk counts as finished when the files of all its tables exist and match the SHA-256 the manifest
    records for them; files appear only by rename (the last table last) and their checksums are recorded as
    they are written. Chunks that fail the check are deleted when the store opens, to be recomputed; the
    reasons are in :attr:`rejected` (chunk index → reason).
    """

    def __init__(self, folder: str | Path, settings: dict[str, Any], n_chunks: int,
                 tables: tuple[str, ...] = ("theses", "runs")) -> None:
        self.folder = Path(folder)
        self.settings = settings
        self.n_chunks = n_chunks
        self.tables = tables
        self.checksums: dict[str, str] = {}
        self.rejected: dict[int, str] = {}
        self._prepare()

    def path(self, index: int, table: str) -> Path:
        return chunk_path(self.folder, table, index)

    def _prepare(self) -> None:
        try:
            for table in self.tables:
                (self.folder / table).mkdir(parents=True, exist_ok=True)
            probe = self.folder / f".probe-{os.getpid()}.tmp"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StakesError(f"cannot write to the output folder {self.folder}: {exc.strerror or exc}") from None
        for stale in [*self.folder.glob(".*.tmp"), *self.folder.glob("*/.*.tmp")]:  # left by a killed run
            stale.unlink(missing_ok=True)
        manifest = self.folder / MANIFEST
        if manifest.exists():
            try:
                old = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise StakesError(f"{manifest} is unreadable ({exc}); use a new --out folder") from None
            if old.get("format") != FORMAT or old.get("settings") != self.settings:
                changed = sorted(k for k in set(self.settings) | set(old.get("settings", {}))
                                 if old.get("settings", {}).get(k) != self.settings.get(k))
                raise OptionError(
                    f"the output folder {self.folder} holds a different sweep (differs in: "
                    f"{', '.join(changed) or 'format'}); rerun with the same options to resume, "
                    "or choose another --out folder")
            self.checksums = {k: v for k, v in (old.get("checksums") or {}).items() if isinstance(v, str)}
        elif any(self.folder.glob("*/chunk-*.parquet")):
            raise OptionError(f"the output folder {self.folder} holds chunks but no {MANIFEST}; "
                              "choose an empty --out folder")
        self._verify()
        self.sync()

    def _verify(self) -> None:
        """Delete every chunk whose files do not all match their checksums (it will be recomputed)."""
        for i in range(self.n_chunks):
            if not any(self.path(i, t).exists() for t in self.tables):
                continue
            reason = check_chunk(self.folder, self.tables, i, self.checksums)
            if reason is None:
                continue
            if reason != "missing":  # a chunk missing a table was in flight: redone without a word
                self.rejected[i] = reason
            for t in self.tables:
                self.path(i, t).unlink(missing_ok=True)
                self.checksums.pop(chunk_key(t, i), None)

    def finished(self) -> set[int]:
        return {i for i in range(self.n_chunks)
                if all(self.path(i, t).exists() and chunk_key(t, i) in self.checksums for t in self.tables)}

    def write(self, index: int, frames: dict[str, pd.DataFrame]) -> None:
        """Write one chunk's tables and update the manifest; nothing partial on failure.

        Order: every table to a temporary file, their checksums into the manifest, then the renames (the
        last table last), then the manifest again. A file under its final name always has its checksum
        recorded, so a kill at any point never makes a good chunk look damaged.
        """
        temps: list[tuple[Path, Path]] = []
        try:
            for table in self.tables:
                target = self.path(index, table)
                tmp, digest = _parquet_tmp(frames[table], target)
                temps.append((tmp, target))
                self.checksums[chunk_key(table, index)] = digest
            self.sync(pending={chunk_key(t, index) for t in self.tables})
            for tmp, target in temps:
                os.replace(tmp, target)
        except OSError as exc:
            raise StakesError(f"cannot write {self.folder}: {exc.strerror or exc}") from None
        finally:  # also on Ctrl-C
            for tmp, _ in temps:
                tmp.unlink(missing_ok=True)
        self.sync()

    def read(self, index: int) -> dict[str, pd.DataFrame]:
        return {t: read_chunk(self.path(index, t)) for t in self.tables}

    def sync(self, pending: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        """Rewrite the manifest from the chunk files on disk (and the checksums of ``pending`` files)."""
        done = sorted(self.finished())
        keys = {chunk_key(t, i) for i in done for t in self.tables} | set(pending)
        payload = {"format": FORMAT, "settings": self.settings, "n_chunks": self.n_chunks,
                   "finished": done, "complete": len(done) == self.n_chunks,
                   "checksums": {k: v for k, v in sorted(self.checksums.items()) if k in keys}}
        target = self.folder / MANIFEST
        tmp = self.folder / f".{MANIFEST}.{os.getpid()}.tmp"
        try:
            tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
            os.replace(tmp, target)
        except OSError as exc:
            raise StakesError(f"cannot write {target}: {exc.strerror or exc}") from None
        finally:  # also on Ctrl-C
            tmp.unlink(missing_ok=True)


def read_chunk(path: Path) -> pd.DataFrame:
    """One chunk table; a StakesError (not a traceback) if Parquet cannot read it."""
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise StakesError(f"cannot read the chunk {path} ({type(exc).__name__}); delete it and rerun the "
                          "same command to recompute it") from None


def _parquet_tmp(frame: pd.DataFrame, path: Path) -> tuple[Path, str]:
    """``frame`` written (and synced) to a temporary file beside ``path``: that file and its SHA-256."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        frame.to_parquet(tmp, index=False)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        return tmp, file_sha256(tmp)
    except ImportError:
        tmp.unlink(missing_ok=True)
        raise StakesError("writing chunks needs pyarrow: pip install 'stakes[parquet]'") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
