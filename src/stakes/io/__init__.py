"""Readers and writers of scenario files.

``load_scenario(path)`` picks the reader from the extension and, for text tables, from the content:

* ``.yaml``/``.yml`` — the canonical format (:mod:`.yaml_io`), round-trips exactly;
* ``.csv``/``.tsv``/``.txt`` — Decide's tagged rows (``#A``/``#P``/``#M``/``#D``, quoted or not), KTAB's CSV,
  or a flat table (tidy ``actor,issue,position,salience,capability`` or Predictioneer's one-issue table,
  column names with synonyms), told apart by their first lines; encoding, delimiter and decimal commas are
  detected (:mod:`.reading`);
* a DEU data set file (tab-separated, one case per row: :mod:`.deu`) — one scenario holding every
  case as an issue with its outcome;
* ``.xlsx`` — the first sheet as a flat table (optional extra ``stakes[xlsx]``).

Nothing larger than :func:`max_input_bytes` is read. Whatever was guessed, converted or skipped is reported:
:func:`read_scenario` returns the warnings, :func:`load_scenario` issues them as :class:`ScenarioWarning`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ScenarioError
from ..scenario import Scenario
from .reading import (
    InputTooLarge,
    Notes,
    ScenarioWarning,
    check_input_file,
    decode,
    max_input_bytes,
    read_bytes,
    sniff,
)
from .yaml_io import dump_yaml, load_yaml, loads_yaml, scenario_from_dict, scenario_to_dict

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario and the warnings its file gave (each names the file)."""

    scenario: Scenario
    warnings: tuple[str, ...] = ()


def read_scenario(path: str | Path, max_bytes: int | None = None) -> LoadedScenario:
    """Read a scenario file of any supported format with its warnings; bad input raises ScenarioError.

    ``max_bytes``: the input limit (default :func:`max_input_bytes`: ``$STAKES_MAX_INPUT_MB`` or 25 MB).
    """
    p = Path(path)
    if not p.exists():
        raise ScenarioError("no such file", file=str(p))
    if p.is_dir():
        raise ScenarioError("is a directory, not a scenario file", file=str(p))
    limit = max_input_bytes() if max_bytes is None else max_bytes
    suffix = p.suffix.lower()
    notes = Notes(str(p))
    if suffix in (".yaml", ".yml"):
        text, _ = decode(read_bytes(p, limit), str(p), notes)
        scenario = loads_yaml(text, file=str(p))
    elif suffix == ".xlsx":
        from .tables import read_xlsx

        check_input_file(p, limit)
        scenario = read_xlsx(p, notes)
    elif suffix in TEXT_SUFFIXES:
        scenario = _read_text(p, limit, notes)
    else:
        raise ScenarioError(
            f"unknown file type '{suffix or '(none)'}'", file=str(p),
            expected=".yaml, .yml, .csv, .tsv, .txt or .xlsx",
        )
    return LoadedScenario(scenario, tuple(notes.items))


def load_scenario(path: str | Path, max_bytes: int | None = None) -> Scenario:
    """Read a scenario file of any supported format; warnings are issued as :class:`ScenarioWarning`."""
    loaded = read_scenario(path, max_bytes)
    Notes(str(path), list(loaded.warnings)).emit(stacklevel=3)
    return loaded.scenario


def _read_text(p: Path, limit: int, notes: Notes) -> Scenario:
    text, encoding = decode(read_bytes(p, limit), str(p), notes)
    head = text.split("\n", 200)[:200]
    from .deu import looks_like_deu, read_deu

    if looks_like_deu(head):
        collection = read_deu(p)
        for case, reason in collection.skipped:
            notes.add(f"case '{case}' skipped: {reason}")
        if collection.imputed_saliences:
            notes.add(f"{collection.imputed_saliences} positions had no salience: each got the mean salience of "
                      "the other actors on its issue")
        return collection.scenario
    from .decide import looks_like_decide, parse_decide

    if looks_like_decide(head):
        return parse_decide(text, file=str(p), name=p.stem, notes=notes)
    from .ktab import looks_like_ktab, parse_ktab

    if looks_like_ktab(head):
        return parse_ktab(text, str(p), p.stem)
    from .tables import table_from_text

    dialect = sniff(head, encoding, prefer="\t" if p.suffix.lower() == ".tsv" else None)
    return table_from_text(text, dialect, str(p), p.stem, notes)


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write a scenario; the format follows the extension (.yaml/.yml, .csv tidy, .xlsx tidy)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        text = dump_yaml(scenario)
    elif suffix == ".csv":
        from .tables import to_tidy_frame

        text = to_tidy_frame(scenario).to_csv(index=False)
    elif suffix == ".xlsx":
        from .tables import write_xlsx

        write_xlsx(scenario, p)
        return
    else:
        raise ScenarioError(f"cannot write '{suffix}'", file=str(p), expected=".yaml, .csv or .xlsx")
    atomic_write_text(p, text)


def atomic_write_text(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and rename, so no half-written file is left."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ScenarioError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None


__all__ = [
    "InputTooLarge",
    "LoadedScenario",
    "ScenarioWarning",
    "atomic_write_text",
    "check_input_file",
    "dump_yaml",
    "load_scenario",
    "load_yaml",
    "max_input_bytes",
    "read_scenario",
    "save_scenario",
    "scenario_from_dict",
    "scenario_to_dict",
]
