"""``--param MODEL.KEY=VALUE``: model parameters from the command line, shared by every command that runs models.

Values are read as ``true``/``false``, ``none``, an integer, a float or else a string, then checked against the
model's declared parameters: the name must exist, a value with choices must be one of them, and a number must
fit the default's type (an integer parameter takes an integer, a float one any number). Anything else is an
:class:`~stakes.errors.OptionError` (exit status 2) listing what is valid.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer

from ..errors import OptionError

PARAM_HELP = ("Model parameter MODEL.KEY=VALUE, e.g. exchange.tie_break=decide (repeatable; overrides the "
              "scenario's parameters; `stakes models` lists them).")


def param_option() -> Any:
    return typer.Option("--param", "-p", help=PARAM_HELP, metavar="MODEL.KEY=VALUE")


def parse_value(text: str) -> Any:
    low = text.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text.strip())
        except ValueError:
            pass
    return text.strip()


def _check_type(model: str, key: str, default: Any, value: Any, raw: str) -> Any:
    """The value in the default's type; a mismatch is an OptionError."""
    if value is None:
        return value
    if default is None:  # optional numbers (e.g. bdm.T): a number, or none for the model's own rule
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise OptionError(f"--param {model}.{key}={raw}: expected a number or none")
    want = type(default)
    if want is bool:
        ok = isinstance(value, bool)
    elif want is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif want is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, want)
    if not ok:
        names = {bool: "true or false", int: "an integer", float: "a number", str: "a word"}
        raise OptionError(f"--param {model}.{key}={raw}: expected {names.get(want, want.__name__)} "
                          f"(default {default!r})")
    return value


def parse_params(items: Iterable[str] | None) -> dict[str, dict[str, Any]]:
    """``{"model": {"key": value}}`` from ``MODEL.KEY=VALUE`` items, validated against the model registry."""
    from ..models import get_model, list_models

    out: dict[str, dict[str, Any]] = {}
    for item in items or ():
        target, sep, raw = item.partition("=")
        model, dot, key = target.strip().partition(".")
        if not sep or not dot or not model or not key:
            raise OptionError(f"--param {item!r}: expected MODEL.KEY=VALUE, e.g. exchange.tie_break=decide")
        known_models = [m.id for m in list_models()]
        if model not in known_models:
            raise OptionError(f"--param {item}: unknown model '{model}' (valid: {', '.join(known_models)})")
        spec = get_model(model)
        params = {p.name: p for p in spec.parameters}
        if key not in params:
            valid = ", ".join(params) or "none"
            raise OptionError(f"--param {item}: model '{model}' has no parameter '{key}' (valid: {valid})")
        param = params[key]
        value = parse_value(raw)
        if param.choices is not None:
            value = next((c for c in param.choices if c == value or str(c) == raw.strip()), value)
            if value not in param.choices:
                raise OptionError(f"--param {item}: '{raw}' is not a value of {model}.{key} "
                                  f"(valid: {', '.join(str(c) for c in param.choices)})")
        else:
            value = _check_type(model, key, param.default, value, raw)
        spec.resolve({key: value})  # the registry's own check
        out.setdefault(model, {})[key] = value
    return out


def note_unused(params: dict[str, dict[str, Any]], models: Iterable[str]) -> None:
    """A note on stderr for models given a --param that the command does not run (not an error: a sweep's
    scenarios may run different models)."""
    from .app import err_console

    run = set(models)
    for m in params:
        if m not in run:
            err_console.print(f"note: --param for model '{m}', which this command does not run "
                              f"(running: {', '.join(run)})", style="yellow", highlight=False, markup=False)
