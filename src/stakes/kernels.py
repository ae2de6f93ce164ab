"""Compile every model's numba kernel now, at a moment the user chose, instead of inside a first forecast.

numba compiles a kernel on its first call and keeps it in an on-disk cache (next to the module, or under
``NUMBA_CACHE_DIR``); later processes load it in well under a second. ``stakes compile`` (run by
``scripts/forecast.sh`` after installing) calls :func:`compile_kernels`, which runs each model that has an
``engine`` parameter with a ``"numba"`` choice once on the built-in scenario, for one run and for a batch of
two (some models have a separate batched kernel). With the kernels cached, the models' ``engine="auto"`` also
uses them for small batches (see ``AUTO_CACHED_WORK`` in :mod:`stakes.models.bdm`). It also byte-compiles
the package (:func:`compile_bytecode`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from .arrays import compile_scenario
from .errors import OptionError
from .models import list_models
from .scenarios import builtin_scenario
from .uncertainty import perturb


def kernel_models() -> list[str]:
    """Models with a compiled engine."""
    return [spec.id for spec in list_models()
            if any(p.name == "engine" and p.choices and "numba" in p.choices for p in spec.parameters)]


def compile_bytecode(package: Path | None = None) -> bool:
    """Byte-compile the ``stakes`` package (or the folder ``package``) into ``__pycache__``.

    pip does this when it installs a wheel, not for an editable install, and Python never does it when
    ``PYTHONDONTWRITEBYTECODE`` is set: every command then compiles ~70 modules from source (~0.3 s of CPU a
    process; a report starts two). False when some file could not be written (e.g. a read-only install);
    nothing fails then, it is only slower."""
    import compileall

    root = Path(__file__).resolve().parent if package is None else Path(package)
    return bool(compileall.compile_dir(root, quiet=2))


def compile_kernels(models: list[str] | None = None,
                    progress: Callable[[str], None] | None = None) -> dict[str, float]:
    """Compile (or load from numba's cache) the kernels of ``models`` (default: all of them): seconds each.

    Raises :class:`OptionError` when numba is not installed (extra ``fast``) or a model has no kernel."""
    try:
        import numba  # noqa: F401
    except ImportError as exc:
        raise OptionError("numba is not installed: pip install 'stakes[fast]' (the numpy engines need no "
                          "compiling)") from exc
    known = kernel_models()
    chosen = known if models is None else list(models)
    unknown = [m for m in chosen if m not in known]
    if unknown:
        raise OptionError(f"no compiled kernel for {', '.join(unknown)} (models with one: {', '.join(known)})")
    scenario = builtin_scenario()
    one = compile_scenario(scenario)
    two = perturb(scenario, one, 2, seed=0)
    spec_by_id = {spec.id: spec for spec in list_models()}
    seconds: dict[str, float] = {}
    for model in chosen:
        if progress:
            progress(model)
        spec = spec_by_id[model]
        start = time.perf_counter()
        for arrays in (one, two):
            spec.run(arrays, **{**spec.defaults(), "engine": "numba"})
        seconds[model] = time.perf_counter() - start
    return seconds


__all__ = ["compile_bytecode", "compile_kernels", "kernel_models"]
