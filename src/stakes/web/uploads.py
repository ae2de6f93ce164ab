"""Checks on uploaded files before a reader parses them: archives and YAML that expand far beyond their size.

* ``.xlsx`` is a zip archive: a 2 MB upload can hold gigabytes (a "zip bomb"); the sum of the uncompressed
  member sizes is checked from the archive's directory before openpyxl opens it.
* YAML anchors/aliases share nodes, so a small file can stand for billions of values ("billion laughs");
  the parsed document is walked with a budget of values before it is validated or dumped again.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import yaml

from ..errors import ScenarioError
from ..io.yaml_io import MAX_YAML_VALUES, count_values
from .limits import LimitError

MAX_XLSX_EXPANDED = 50_000_000
"""Bytes an .xlsx may expand to."""


def check_upload(path: Path, shown: str) -> None:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _check_xlsx(path, shown)
    elif suffix in (".yaml", ".yml"):
        _check_yaml(path, shown)


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
