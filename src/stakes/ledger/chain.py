"""The hash chain of the forecast ledger: canonical JSON, entry hashes, and checking a chain.

An entry's hash is ``sha256(canonical_json({"content": content, "prev": prev_hash}))`` (hex), where
``prev_hash`` is the hash of the entry before it (``GENESIS`` for the first). Canonical JSON is Python's
``json.dumps`` with sorted keys, no spaces, UTF-8 (``ensure_ascii=False``) and no NaN/Infinity, so anyone can
re-compute a hash with the standard library alone (the README shows how, on an exported chain).

Changing any byte of an entry's content changes its hash; changing a hash breaks the next entry's
``prev``. Rewriting the whole tail after an edit is only caught against a copy of the head hash kept
elsewhere (an export published or timestamped by a third party) — see docs/decisions/ledger.md.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import StakesError

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""


class LedgerError(StakesError):
    """The ledger cannot do what was asked (nothing to record, an unknown entry, a value JSON cannot hold)."""


def plain(value: Any) -> Any:
    """``value`` as plain JSON data: numpy scalars/arrays → numbers/lists, tuples → lists, keys → str.

    Non-finite floats are refused (canonical JSON has no NaN); callers map missing numbers to None first.
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LedgerError(f"a ledger entry cannot hold the non-finite number {value}")
        return value
    if hasattr(value, "tolist"):  # numpy scalar or array
        return plain(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise LedgerError(f"a ledger entry cannot hold a value of type {type(value).__name__}: {value!r}")


def canonical_json(value: Any) -> str:
    """The one text of ``value`` that is hashed: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(content: Mapping[str, Any], prev: str) -> str:
    """The hash of an entry with ``content`` following the entry whose hash is ``prev``."""
    body = canonical_json({"content": content, "prev": prev})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """One entry as stored: its id, the hash it claims, the previous hash it claims, and its content."""

    id: int
    prev: str
    hash: str
    content: Mapping[str, Any]


@dataclass(frozen=True)
class ChainCheck:
    """The verdict on a chain: intact, or the first entry that does not match and why."""

    n_entries: int
    head: str
    bad_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.bad_id is None


def check_chain(links: Iterable[ChainLink]) -> ChainCheck:
    """Walk the chain in order; stop at the first link whose ``prev`` or ``hash`` does not match."""
    prev, n = GENESIS, 0
    for link in links:
        n += 1
        if link.prev != prev:
            return ChainCheck(n, prev, link.id, f"its previous hash {link.prev[:12]}… is not the hash of the "
                              f"entry before it ({prev[:12]}…): an entry was removed, inserted or re-hashed")
        try:
            actual = entry_hash(link.content, link.prev)
        except LedgerError as exc:
            return ChainCheck(n, prev, link.id, f"its content cannot be hashed: {exc}")
        if actual != link.hash:
            return ChainCheck(n, prev, link.id, f"its content no longer matches its hash (recorded "
                              f"{link.hash[:12]}…, content hashes to {actual[:12]}…): it was edited")
        prev = link.hash
    return ChainCheck(n, prev)
