"""Readers and writers of scenario files.

``load_scenario(path)`` picks the reader from the extension and, for CSV, from the header:

* ``.yaml``/``.yml`` — the canonical format (:mod:`.yaml_io`), round-trips exactly;
* ``.csv`` — tidy (``actor,issue,position,salience,capability``), Predictioneer-style
  (``Actor, Capability|Clout|Power|Influence|Resources, Position, Salience``), KTAB's CSV, or Decide's
  tagged rows (``#A``/``#P``/``#M``/``#D``), told apart by their first lines;
* ``.tsv``/``.txt`` with Decide's tags, or a DEU data set file (one case per row: :mod:`.deu`; the scenario
  holds every case as an issue with its outcome);
* ``.xlsx`` — one sheet in the tidy or Predictioneer layout (optional extra ``stakes[xlsx]``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ScenarioError
from ..scenario import Scenario
from .yaml_io import dump_yaml, load_yaml, scenario_from_dict, scenario_to_dict


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file of any supported format; bad input raises :class:`ScenarioError`."""
    p = Path(path)
    if not p.exists():
        raise ScenarioError("no such file", file=str(p))
    if p.is_dir():
        raise ScenarioError("is a directory, not a scenario file", file=str(p))
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_yaml(p)
    if suffix == ".xlsx":
        from .tables import read_xlsx

        return read_xlsx(p)
    if suffix in (".csv", ".tsv", ".txt"):
        head = _read_head(p)
        from .deu import looks_like_deu

        if looks_like_deu(head):
            from .deu import read_deu

            return read_deu(p).scenario
        if any(line.lstrip().startswith(("#A", "#P", "#D")) for line in head):
            from .decide import read_decide

            return read_decide(p)
        from .ktab import looks_like_ktab, read_ktab

        if looks_like_ktab(head):
            return read_ktab(p)
        from .tables import read_table_csv

        return read_table_csv(p)
    raise ScenarioError(
        f"unknown file type '{suffix or '(none)'}'", file=str(p),
        expected=".yaml, .yml, .csv, .tsv, .txt (Decide) or .xlsx",
    )


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


def _read_head(p: Path, lines: int = 40) -> list[str]:
    try:
        with p.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
            text = fh.read(64_000)
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror or exc}", file=str(p)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:lines]


__all__ = [
    "atomic_write_text",
    "dump_yaml",
    "load_scenario",
    "load_yaml",
    "save_scenario",
    "scenario_from_dict",
    "scenario_to_dict",
]
