"""Reader of the DEU data set (*Decision-making in the European Union*, Thomson et al. 2006/2012; DEU III,
Arregui & Perarnaud 2021) in its distributed tab-separated form.

A DEU file is a **collection of cases**: one row per controversial issue of an EU legislative proposal, with
columns ``p<actor>`` (position 0–100), ``s<actor>`` (salience 0–100), ``rp`` (reference point), ``out``
(the adopted outcome) and case metadata (``prnr`` proposal id, ``proc`` procedure, ``counvte`` Council voting
rule, ``intro`` introduction date ``dd-mm-yy``, …).

:func:`read_deu` returns a :class:`CaseCollection`: one scenario holding every kept case as an *issue*
(actors = the union of actors with a position; an actor without a position on a case has no stance there),
each case's outcome in ``outcomes``, and the metadata per case. Rows without an outcome or with fewer than two
positions are skipped and listed with the reason. ``load_scenario`` on a DEU file returns that scenario.

Choices (docs/decisions/backtest.md): the reference point becomes the issue's ``status_quo``; a position
recorded without a salience gets the mean salience of the other actors on that issue (counted in
``imputed_saliences``); every actor starts with capability 1 (``stakes backtest --capability`` applies
institutional weights per case).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ScenarioError
from ..scenario import Scenario
from .yaml_io import scenario_from_dict

DEU_ACTORS = ("com", "ep", "at", "be", "bu", "cr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "el", "hu", "ie",
              "it", "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro", "si", "sk", "es", "se", "uk")
"""Actor codes of DEU III: the Commission, the Parliament and the member states (``el`` Greece, ``bu``
Bulgaria, ``cr`` Croatia)."""

ACTOR_NAMES = {
    "com": "European Commission", "ep": "European Parliament", "at": "Austria", "be": "Belgium",
    "bu": "Bulgaria", "cr": "Croatia", "cy": "Cyprus", "cz": "Czechia", "dk": "Denmark", "ee": "Estonia",
    "fi": "Finland", "fr": "France", "de": "Germany", "el": "Greece", "hu": "Hungary", "ie": "Ireland",
    "it": "Italy", "lv": "Latvia", "lt": "Lithuania", "lu": "Luxembourg", "mt": "Malta", "nl": "Netherlands",
    "pl": "Poland", "pt": "Portugal", "ro": "Romania", "si": "Slovenia", "sk": "Slovakia", "es": "Spain",
    "se": "Sweden", "uk": "United Kingdom",
}
REQUIRED_COLUMNS = ("prnr", "isnr", "out", "rp")
CITATION = ("Arregui, J. & Perarnaud, C. (2021). A new dataset on legislative decision-making in the European "
            "Union: the DEU III dataset. Journal of European Public Policy; doi:10.34810/data53. "
            "Thomson, R., Stokman, F. N., Achen, C. H. & König, T. (eds.) (2006). The European Union Decides. "
            "Cambridge University Press.")


@dataclass(frozen=True)
class CaseMeta:
    """What a DEU row says about its case besides positions."""

    case: str
    proposal: str
    name: str
    procedure: str
    voting_rule: str
    introduced: dt.date | None
    council: str
    act_type: str

    @property
    def era(self) -> str:
        """Council era by introduction date: ``EU-15`` (before May 2004), ``EU-25/27`` (to Oct 2014),
        ``Lisbon`` (from Nov 2014)."""
        if self.introduced is None:
            return "unknown"
        if self.introduced < dt.date(2004, 5, 1):
            return "EU-15"
        if self.introduced < dt.date(2014, 11, 1):
            return "EU-25/27"
        return "Lisbon"


@dataclass
class CaseCollection:
    """Cases read from one DEU file: the scenario (one issue per case), metadata, and what was skipped."""

    scenario: Scenario
    meta: dict[str, CaseMeta]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    imputed_saliences: int = 0
    source: str = ""

    @property
    def case_ids(self) -> list[str]:
        return self.scenario.issue_ids


def looks_like_deu(head: list[str]) -> bool:
    """True when the first line is a DEU header: tab-separated, a ``prnr`` or ``isnr`` column and position
    columns ``p<actor>`` (a missing ``out`` is then reported by :func:`read_deu`, not taken for another format)."""
    if not head:
        return False
    cols = {c.strip().lower() for c in head[0].split("\t")}
    return bool({"prnr", "isnr"} & cols) and sum(c[1:] in DEU_ACTORS for c in cols if c.startswith("p")) >= 2


def _number(text: str, file: str, row: int, column: str, case: str) -> float | None:
    text = text.strip()
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(f"'{text}' is not a number", file=file, row=row, issue=case, field=column,
                            expected="a number on 0–100 or an empty cell") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise ScenarioError(f"{text} lies outside the 0–100 scale", file=file, row=row, issue=case, field=column,
                            expected="a number on 0–100 or an empty cell")
    return value


_DMY2 = re.compile(r"(\d\d)-(\d\d)-(\d\d)")
_DMY4 = re.compile(r"(\d\d)-(\d\d)-(\d{4})")
_MANGLED = re.compile(r"(?:19|20)(\d\d)-(\d\d)-(\d\d)")


def parse_intro_date(text: str) -> dt.date | None:
    """The ``intro`` cell as a date. The distributed file mixes three spellings of one date:
    ``dd-mm-yy`` (years 96–99 → 19xx, 00–30 → 20xx), ``dd-mm-yyyy``, and ``yyyy-mm-dd`` that is a
    spreadsheet's misreading of ``dd-mm-yy`` (``2028-12-04`` = 28 Dec 2004; ``1930-11-05`` = 30 Nov 2005).
    The last reading is checked on the development half: every date parsed this way falls in, or one year
    after, the year of the Commission document its proposal id names (``d04...`` = COM(2004)…)."""
    t = text.strip()
    try:
        if m := _DMY2.fullmatch(t):
            day, month, yy = map(int, m.groups())
            return dt.date(2000 + yy if yy <= 30 else 1900 + yy, month, day)
        if m := _DMY4.fullmatch(t):
            day, month, year = map(int, m.groups())
            return dt.date(year, month, day)
        if m := _MANGLED.fullmatch(t):
            day, month, yy = map(int, m.groups())
            return dt.date(2000 + yy, month, day)
    except ValueError:
        return None
    return None


def read_deu(path: str | Path) -> CaseCollection:
    """Read a DEU tab-separated file; malformed content raises :class:`ScenarioError` (file, row, field)."""
    p = Path(path)
    file = str(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = p.read_text(encoding="cp1252")
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror or exc}", file=file) from None
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ScenarioError("the file is empty", file=file, expected="a DEU header row and one row per issue")
    header = [c.strip().lower() for c in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ScenarioError(f"the header has no column {', '.join(repr(c) for c in missing)}", file=file, row=1,
                            field=missing[0], expected="DEU columns prnr, isnr, p<actor>, s<actor>, rp, out")
    col = {name: k for k, name in enumerate(header)}
    actors = [a for a in DEU_ACTORS if f"p{a}" in col]
    if len(rows) < 2:
        raise ScenarioError("the file has a header but no cases", file=file, expected="one row per issue")

    issues: list[dict] = []
    stances: list[dict] = []
    outcomes: list[dict] = []
    meta: dict[str, CaseMeta] = {}
    skipped: list[tuple[str, str]] = []
    used: set[str] = set()
    imputed = 0
    for r, cells in enumerate(rows[1:], start=2):
        if len(cells) != len(header):
            raise ScenarioError(f"the row has {len(cells)} cells, the header {len(header)}", file=file, row=r,
                                expected=f"{len(header)} tab-separated cells")

        def cell(name: str, cells: list[str] = cells) -> str:
            k = col.get(name)
            return "" if k is None else cells[k].strip()

        case = cell("isnr") or f"row{r}"
        if case in meta or any(case == s[0] for s in skipped):
            raise ScenarioError(f"case '{case}' appears twice", file=file, row=r, field="isnr")
        positions = {a: _number(cell(f"p{a}"), file, r, f"p{a}", case) for a in actors}
        saliences = {a: _number(cell(f"s{a}"), file, r, f"s{a}", case) for a in actors}
        outcome = _number(cell("out"), file, r, "out", case)
        ref = _number(cell("rp"), file, r, "rp", case)
        have = [a for a in actors if positions[a] is not None]
        if outcome is None:
            skipped.append((case, "no outcome recorded ('out' is empty)"))
            continue
        if len(have) < 2:
            skipped.append((case, f"fewer than two positions ({len(have)})"))
            continue
        known = [saliences[a] for a in have if saliences[a] is not None]
        fill = sum(known) / len(known) if known else 50.0
        for a in have:
            sal = saliences[a]
            if sal is None:
                sal = fill
                imputed += 1
            stances.append({"actor": a, "issue": case, "position": positions[a], "salience": sal})
            used.add(a)
        introduced = parse_intro_date(cell("intro"))
        info = CaseMeta(case=case, proposal=cell("prnr"), name=cell("prname"), procedure=cell("proc"),
                        voting_rule=cell("counvte"), introduced=introduced, council=cell("council"),
                        act_type=cell("type"))
        meta[case] = info
        issues.append({
            "id": case, "name": f"{info.name or info.proposal} ({case})", "status_quo": ref,
            "description": (f"proposal {info.proposal}; procedure {info.procedure or '?'}; Council vote "
                            f"{info.voting_rule or '?'}; introduced {introduced or '?'}"),
        })
        outcomes.append({"issue": case, "value": outcome, "source": "DEU III (Arregui & Perarnaud 2021)"})
    if not issues:
        raise ScenarioError("no case has both an outcome and two positions", file=file,
                            expected="at least one usable row")
    scenario = scenario_from_dict({
        "id": "deu-" + "".join(ch if ch.isalnum() else "-" for ch in p.stem).strip("-").lower()[:70],
        "title": f"DEU cases from {p.name}",
        "description": "One issue per DEU case; positions, saliences, reference points and outcomes as coded "
                       "in the data set. " + CITATION,
        "models": ["weighted-mean"],
        "issues": issues,
        "actors": [{"id": a, "name": ACTOR_NAMES[a], "capability": 1.0} for a in actors if a in used],
        "stances": stances,
        "outcomes": outcomes,
    }, file=file)
    return CaseCollection(scenario=scenario, meta=meta, skipped=skipped, imputed_saliences=imputed, source=file)


__all__ = ["ACTOR_NAMES", "CITATION", "DEU_ACTORS", "CaseCollection", "CaseMeta", "looks_like_deu",
           "parse_intro_date", "read_deu"]
