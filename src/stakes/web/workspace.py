"""The server's workspace: scenarios being edited, each with a server-made id and a version number.

Ids are random hex made here (never a user-given name), so nothing a client sends becomes a path.
Every edit names the version it started from; an edit of a stale version is refused (409), which
protects two browser tabs (or two analysts) editing the same scenario at once. An edit is validated in
full before it replaces the stored scenario, so a bad edit leaves nothing half-changed.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from ..errors import ScenarioError
from ..io.yaml_io import scenario_from_dict, scenario_to_dict
from ..scenario import Scenario
from .limits import LimitError, Limits, check_scenario

SCENARIO_ID = r"^[0-9a-f]{16}$"
_SCENARIO_ID_RE = re.compile(SCENARIO_ID)


class NotFound(Exception):
    """No such scenario/job/run (answered with 404)."""


class StaleEdit(Exception):
    """The edit started from an old version (answered with 409)."""


@dataclass(frozen=True)
class Entry:
    id: str
    version: int
    scenario: Scenario
    origin: str
    """Where it came from: "built-in NAME", "upload FILE.EXT", "run RUN", "api"."""

    @property
    def etag(self) -> str:
        return f'"{self.id}-{self.version}"'


class Workspace:
    """Thread-safe map of scenario id -> :class:`Entry`."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()

    def add(self, scenario: Scenario, origin: str) -> Entry:
        check_scenario(scenario, self._limits)
        with self._lock:
            if len(self._entries) >= self._limits.max_scenarios:
                raise LimitError(f"the workspace holds {len(self._entries)} scenarios, the most this server "
                                 "keeps (limit max_scenarios); delete some first", status=429)
            sid = secrets.token_hex(8)
            entry = Entry(sid, 1, scenario, origin)
            self._entries[sid] = entry
            return entry

    def get(self, sid: str) -> Entry:
        if not _SCENARIO_ID_RE.match(sid):
            raise NotFound(f"no scenario '{sid}' (scenario ids are 16 hex digits made by the server)")
        with self._lock:
            entry = self._entries.get(sid)
        if entry is None:
            raise NotFound(f"no scenario '{sid}' in this workspace")
        return entry

    def list(self) -> list[Entry]:
        with self._lock:
            return list(self._entries.values())

    def delete(self, sid: str) -> None:
        entry = self.get(sid)
        with self._lock:
            self._entries.pop(entry.id, None)

    def replace(self, sid: str, version: int, scenario: Scenario) -> Entry:
        """Store ``scenario`` as the next version if ``version`` is still the current one."""
        check_scenario(scenario, self._limits)
        with self._lock:
            entry = self._entries.get(sid)
            if entry is None:
                raise NotFound(f"no scenario '{sid}' in this workspace")
            if entry.version != version:
                raise StaleEdit(f"scenario '{sid}' was changed meanwhile: your edit is based on version "
                                f"{version}, the current version is {entry.version}; reload and edit again")
            new = Entry(sid, version + 1, scenario, entry.origin)
            self._entries[sid] = new
            return new


def edit_table(scenario: Scenario, cells: list[dict[str, Any]], actors: list[dict[str, Any]]) -> Scenario:
    """A new scenario with stances and actor capabilities changed as the table editor sends them.

    ``cells``: ``{actor, issue, position?, salience?, capability?}`` (a missing stance is created when both
    position and salience are given); ``actors``: ``{id, capability?, name?}``. Unknown actors or issues and
    out-of-range values raise :class:`ScenarioError` naming the cell.
    """
    data = scenario_to_dict(scenario)
    actor_rows = {a["id"]: a for a in data["actors"]}
    issue_ids = {i["id"] for i in data["issues"]}
    for k, change in enumerate(actors):
        row = actor_rows.get(change.get("id"))
        if row is None:
            raise ScenarioError("unknown actor", row=f"actors[{k}]", actor=str(change.get("id")), field="id",
                                expected=f"one of {', '.join(actor_rows)}")
        for key in ("capability", "name"):
            if change.get(key) is not None:
                row[key] = change[key]
    stances = {(s["actor"], s["issue"]): s for s in data["stances"]}
    for k, cell in enumerate(cells):
        actor, issue = cell.get("actor"), cell.get("issue")
        if actor not in actor_rows:
            raise ScenarioError("unknown actor", row=f"cells[{k}]", actor=str(actor), field="actor")
        if issue not in issue_ids:
            raise ScenarioError("unknown issue", row=f"cells[{k}]", issue=str(issue), field="issue")
        stance = stances.get((actor, issue))
        if stance is None:
            if cell.get("position") is None or cell.get("salience") is None:
                raise ScenarioError("a new stance needs both position and salience", row=f"cells[{k}]",
                                    actor=actor, issue=issue)
            stance = {"actor": actor, "issue": issue}
            stances[(actor, issue)] = stance
            data["stances"].append(stance)
        for key in ("position", "salience", "capability"):
            if cell.get(key) is not None:
                stance[key] = cell[key]
    return scenario_from_dict(data, file="table edit")
