"""Checks on uploaded files before a reader parses them: archives and YAML that expand far beyond their size.

* ``.xlsx`` is a zip archive: a 2 MB upload can hold gigabytes (a "zip bomb"); the sum of the uncompressed
  member sizes is checked from the archive's directory before openpyxl opens it.
* YAML anchors/aliases share nodes, so a small file can stand for billions of values ("billion laughs");
  the parsed document is walked with a budget of values before it is validated or dumped again.
* Text files (CSV, TSV, KTAB, Decide, YAML) are scanned line by line before any reader sees them: more
  lines than a scenario within the server's limits can have, or a line longer than ``MAX_LINE_CHARS``,
  is refused at once (naming the line), so no reader spends time on a file the server would refuse anyway.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import yaml

from ..errors import ScenarioError
from ..io.yaml_io import MAX_YAML_VALUES, count_values
from .limits import LimitError, Limits

MAX_XLSX_EXPANDED = 50_000_000
"""Bytes an .xlsx may expand to."""
MAX_LINE_CHARS = 100_000
"""Longest line of a text upload (Python's csv module stops at 131,072 characters a field)."""
LINES_PER_STANCE = 12
"""Lines a stance may take in the most verbose format (YAML with rationale and source), for the line cap."""


def check_upload(path: Path, shown: str, limits: Limits | None = None) -> None:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _check_xlsx(path, shown)
        return
    _check_lines(path, shown, limits or Limits())
    if suffix in (".yaml", ".yml"):
        _check_yaml(path, shown)


def _check_lines(path: Path, shown: str, limits: Limits) -> None:
    """Refuse too many or too long lines before parsing (binary files pass: the reader refuses them)."""
    max_lines = LINES_PER_STANCE * limits.max_stances + 20 * (limits.max_actors + limits.max_issues) + 1000
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number > max_lines:
                raise LimitError(f"{shown}: more than {max_lines:,} lines, more than a scenario within this "
                                 f"server's limits can have (limit max_stances = {limits.max_stances:,}); "
                                 "use the command line", status=413)
            if len(line) > MAX_LINE_CHARS:
                raise ScenarioError(f"line {number} is {len(line):,} bytes long", file=shown, row=number,
                                    expected=f"lines of at most {MAX_LINE_CHARS:,} characters")


def _check_xlsx(path: Path, shown: str) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ScenarioError("not a readable .xlsx workbook (not a zip archive)", file=shown) from None
    if total > MAX_XLSX_EXPANDED:
        raise LimitError(f"{shown}: the workbook expands to {total:,} bytes, more than this server reads "
                         f"({MAX_XLSX_EXPANDED:,})", status=413)


def _check_yaml(path: Path, shown: str) -> None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
        return  # the reader reports it with the row
    if count_values(data, MAX_YAML_VALUES) > MAX_YAML_VALUES:
        raise LimitError(f"{shown}: the YAML expands to more than {MAX_YAML_VALUES:,} values (through anchors "
                         "and aliases); write the scenario out without them", status=413)
