"""Raw input as people have it: bounded reads, encodings, delimiters, quote characters and decimal commas.

Every reader goes through here, so the CLI and the web app share one size limit
(:func:`max_input_bytes`, :func:`check_input_file`) and one set of detection rules:

* size: at most ``STAKES_MAX_INPUT_MB`` (default 25) MB are read; an ``.xlsx`` may expand to at most
  ``XLSX_EXPANSION`` times that (zip bombs);
* encoding: UTF-8 with or without BOM, UTF-16 (BOM, or NUL bytes in every other position), else
  Windows-1252 with a warning (Latin-1 for the 5 bytes Windows-1252 leaves undefined);
* delimiter: tab, ``;``, ``,`` or ``|`` — the one that splits the header into the most columns and the
  sample's lines into as many; quote character ``"``, or ``'`` when the first line starts with one (Decide);
* decimal comma: some number cells written ``0,5`` and none written ``0.5``.
"""

from __future__ import annotations

import csv
import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OptionError, ScenarioError

DEFAULT_MAX_INPUT_MB = 25.0
ENV_MAX_INPUT_MB = "STAKES_MAX_INPUT_MB"
XLSX_EXPANSION = 4
"""An .xlsx may expand to this many times the input limit once unzipped."""
DELIMITERS = ("\t", ";", ",", "|")
DELIMITER_NAMES = {"\t": "tab", ";": "';'", ",": "','", "|": "'|'"}
_SAMPLE_LINES = 40
_DECIMAL_COMMA = re.compile(r"^[-+]?\d*,\d+$")
_DECIMAL_POINT = re.compile(r"^[-+]?\d*\.\d+(?:[eE][-+]?\d+)?$")
LIMIT_HINT = f"raise the limit with --max-input-mb or {ENV_MAX_INPUT_MB}"


class ScenarioWarning(UserWarning):
    """A file was read, but something in it was guessed, skipped or converted (the message says what)."""


@dataclass
class Notes:
    """Warnings collected while reading one file (each names the file)."""

    file: str
    items: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.items.append(f"{self.file}: {message}")

    def emit(self, stacklevel: int = 3) -> None:
        for item in self.items:
            warnings.warn(item, ScenarioWarning, stacklevel=stacklevel)


class InputTooLarge(ScenarioError):
    """The input is larger than the reader accepts (see :func:`max_input_bytes`)."""


def max_input_bytes(max_mb: float | None = None) -> int:
    """The input limit in bytes: ``max_mb``, else ``$STAKES_MAX_INPUT_MB``, else 25 MB."""
    if max_mb is None:
        env = os.environ.get(ENV_MAX_INPUT_MB, "").strip()
        if env:
            try:
                max_mb = float(env)
            except ValueError:
                raise OptionError(f"{ENV_MAX_INPUT_MB}={env!r} is not a number of megabytes") from None
        else:
            max_mb = DEFAULT_MAX_INPUT_MB
    if not max_mb > 0:
        raise OptionError(f"the input limit must be a positive number of megabytes, got {max_mb}")
    return int(max_mb * 1_000_000)


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:,.3g} MB"


def check_input_file(path: Path, max_bytes: int, shown: str | None = None) -> None:
    """Refuse a file larger than ``max_bytes``, or an .xlsx that expands beyond ``XLSX_EXPANSION`` times it.

    The CLI calls it through :func:`stakes.io.load_scenario`; the web app can call it with its upload limit.
    """
    file = shown or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror or exc}", file=file) from None
    if size > max_bytes:
        raise InputTooLarge(f"the file has {_megabytes(size)}, more than the {_megabytes(max_bytes)} read",
                            file=file, expected=LIMIT_HINT)
    if path.suffix.lower() == ".xlsx":
        try:
            with zipfile.ZipFile(path) as zf:
                expanded = sum(info.file_size for info in zf.infolist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ScenarioError("not a readable .xlsx workbook (not a zip archive)", file=file) from None
        if expanded > XLSX_EXPANSION * max_bytes:
            raise InputTooLarge(f"the workbook expands to {_megabytes(expanded)} once unzipped, more than "
                                f"{_megabytes(XLSX_EXPANSION * max_bytes)} ({XLSX_EXPANSION} × the input limit)",
                                file=file, expected=LIMIT_HINT)


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of ``path`` (a device or pipe is never read past the limit)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    if len(data) > max_bytes:
        raise InputTooLarge(f"the file is larger than the {_megabytes(max_bytes)} read", file=str(path),
                            expected=LIMIT_HINT)
    return data


def decode(data: bytes, file: str, notes: Notes | None = None) -> tuple[str, str]:
    """The text (newlines normalised to ``\\n``) and the name of the encoding it was read in."""
    if data.startswith(b"PK\x03\x04"):
        raise ScenarioError("this is a zip archive (an .xlsx workbook?), not a text file", file=file,
                            expected="a text file, or the workbook saved with the .xlsx extension")
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = _strict(data[3:], "utf-8", file), "UTF-8 with BOM"
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text, encoding = _strict(data, "utf-16", file), "UTF-16"
    elif b"\x00" in data[:4096]:
        head = data[:4096]
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            text, encoding = _strict(data, "utf-16-le", file), "UTF-16 (little-endian, no BOM)"
        elif even > len(head) // 4 and odd == 0:
            text, encoding = _strict(data, "utf-16-be", file), "UTF-16 (big-endian, no BOM)"
        else:
            raise ScenarioError("this is a binary file, not text (it holds NUL bytes)", file=file,
                                expected="a text file in UTF-8, UTF-16 or Windows-1252")
    else:
        try:
            text, encoding = data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError as exc:
            try:
                text, encoding = data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "Latin-1"
            if notes is not None:
                notes.add(f"not UTF-8 (byte {exc.start + 1} is 0x{data[exc.start]:02x}): read as {encoding}; "
                          "save the file as UTF-8 to be sure accented names are read right")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _strict(data: bytes, codec: str, file: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not valid {codec.upper()} (byte {exc.start + 1})", file=file,
                            expected="a file saved in one encoding (UTF-8 preferred)") from None


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    quotechar: str
    encoding: str

    def describe(self) -> str:
        return f"read as {self.encoding}, delimiter {DELIMITER_NAMES[self.delimiter]}, quotes {self.quotechar}"


def sniff(lines: list[str], encoding: str, prefer: str | None = None) -> Dialect:
    """The delimiter and quote character of a table whose first non-empty lines are ``lines``."""
    sample = [ln for ln in lines if ln.strip()][:_SAMPLE_LINES]
    quote = "'" if sample and sample[0].lstrip().startswith("'") else '"'
    if not sample:
        return Dialect(prefer or ",", quote, encoding)
    scored: list[tuple[tuple[bool, int, int], str]] = []
    for d in DELIMITERS:
        counts = [len(r) for r in _rows(sample, d, quote)]
        if not counts or counts[0] < 2:
            continue
        share = sum(1 for c in counts if c == counts[0]) / len(counts)
        scored.append(((share >= 0.8, counts[0], -DELIMITERS.index(d)), d))
    if not scored:
        return Dialect(prefer or ",", quote, encoding)
    return Dialect(max(scored)[1], quote, encoding)


def _rows(lines: list[str], delimiter: str, quote: str) -> list[list[str]]:
    try:
        return list(csv.reader(lines, delimiter=delimiter, quotechar=quote))
    except csv.Error:
        return []


def split_rows(text: str, dialect: Dialect, file: str) -> list[tuple[int, list[str]]]:
    """``(line number, stripped cells)`` of every non-empty row; a malformed or oversized cell is an error."""
    reader = csv.reader(text.split("\n"), delimiter=dialect.delimiter, quotechar=dialect.quotechar)
    out: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            if any(cells):
                out.append((reader.line_num, cells))
    except csv.Error as exc:
        limit = csv.field_size_limit()
        what = (f"a cell longer than {limit:,} characters" if "field larger" in str(exc)
                else f"unreadable row: {exc}")
        raise ScenarioError(what, file=file, row=reader.line_num,
                            expected=f"cells of at most {limit:,} characters") from None
    return out


def uses_decimal_comma(rows: list[tuple[int, list[str]]]) -> bool:
    """True when some cell is a number written with a decimal comma and none with a decimal point."""
    comma = point = False
    for _, cells in rows:
        for c in cells:
            if _DECIMAL_COMMA.match(c):
                comma = True
            elif _DECIMAL_POINT.match(c):
                point = True
    return comma and not point


def parse_number(text: str, decimal_comma: bool = False) -> float:
    """A float from a cell (``0,5`` too when ``decimal_comma``; a trailing ``%`` is dropped); raises ValueError."""
    s = text.strip().replace("\u00a0", "").replace("\u202f", "").removesuffix("%").rstrip()
    if decimal_comma and "," in s:
        s = s.replace(".", "").replace(",", ".")
    return float(s)
