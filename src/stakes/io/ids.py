"""Identifiers from the names people write: kept when already valid, else transliterated and slugged.

``Россия`` → ``Rossiya``, ``中国`` → ``ZhongGuo`` (``anyascii``), ``EU (incl Norway)`` → ``EU-incl-Norway``.
Two different names that end up with one id ("A B" and "A-B") are an error naming both rows, never a merge.
"""

from __future__ import annotations

import re

from anyascii import anyascii

from ..errors import ScenarioError
from ..scenario import ID_PATTERN

_ID_RE = re.compile(ID_PATTERN)
_NOT_ID = re.compile(r"[^A-Za-z0-9_.\-]+")


def make_id(name: str) -> str:
    """A valid identifier for ``name`` ("" when it holds no letter or digit in any script)."""
    text = name.strip()
    if _ID_RE.match(text) and len(text) <= 80:
        return text
    slug = _NOT_ID.sub("-", anyascii(text)).strip("-._")
    return slug[:80].rstrip("-._")


class IdMaker:
    """Ids for the names of one kind (actors, issues) in one file; refuses two names on one id."""

    def __init__(self, what: str, file: str) -> None:
        self.what = what
        self.file = file
        self._by_name: dict[str, str] = {}
        self._by_id: dict[str, tuple[str, int | None]] = {}

    def __call__(self, name: str, row: int | None = None) -> str:
        name = name.strip()
        known = self._by_name.get(name)
        if known is not None:
            return known
        ident = make_id(name)
        if not ident:
            raise ScenarioError(f"cannot make an {self.what} id from '{name}'", file=self.file, row=row,
                                field=self.what, expected="a name with at least one letter or digit")
        if ident in self._by_id:
            other, other_row = self._by_id[ident]
            first = f"'{other}'" + (f" (row {other_row})" if other_row is not None else "")
            raise ScenarioError(
                f"{self.what}s {first} and '{name}' would both get the id '{ident}'", file=self.file, row=row,
                field=self.what, expected="names that differ in more than spaces, punctuation or accents")
        self._by_name[name] = ident
        self._by_id[ident] = (name, row)
        return ident

    def get(self, name: str) -> str | None:
        """The id given to ``name`` so far (None if the name was not seen)."""
        return self._by_name.get(name.strip())
