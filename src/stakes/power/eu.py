"""EU Council voting rules by date: members, weights, thresholds and populations.

Sources (treaty texts): EC Treaty art. 205(2) as amended by the 1994 Act of Accession (EU-15: 87 votes,
quota 62); 2003 Act of Accession art. 26 (1 May – 31 Oct 2004: 124 votes, quota 88) and art. 12 with the
Protocol on enlargement (from 1 Nov 2004, EU-25: 321 votes, quota 232, a majority of members); 2005 Act of
Accession (EU-27 from 1 Jan 2007: 345, quota 255, 14 members); 2012 Act of Accession (Croatia, 1 Jul 2013:
352, quota 260, 15 members); TEU art. 16(4) and Protocol 36 art. 3 (from 1 Nov 2014: 55 % of members
representing 65 % of the population, a blocking minority needs at least 4 members; until 31 Mar 2017 any
member may ask for the Nice rule instead). Croatia and the 2004/2007 entrants count from their accession;
the UK leaves on 1 Feb 2020. The Nice rule's 62 % population check (on a member's request) is modelled
exactly, in persons, by listing the few coalitions it turns from winning to losing (docs/decisions/power.md).
DEU gives only the date a proposal was *introduced*, so callers pass that date.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from ..errors import OptionError
from .indices import (
    SizeThresholdGame,
    banzhaf_game,
    double_majority_game,
    shapley_shubik_game,
    unanimity_game,
    weighted_game,
)

POPULATION_FILE = Path(__file__).parent / "data" / "eu_population.csv"
DEFAULT_POPULATION_UNIT = 2000  # persons; indices within ~3e-6 of a 500-person unit (docs/decisions/power.md)

EU12 = ("be", "de", "dk", "el", "es", "fr", "ie", "it", "lu", "nl", "pt", "uk")
EU15 = (*EU12, "at", "fi", "se")
EU25 = (*EU15, "cy", "cz", "ee", "hu", "lt", "lv", "mt", "pl", "si", "sk")
EU27 = (*EU25, "bu", "ro")
EU28 = (*EU27, "cr")
EU27_2020 = tuple(c for c in EU28 if c != "uk")

_W_EU12 = {"de": 10, "fr": 10, "it": 10, "uk": 10, "es": 8, "be": 5, "el": 5, "nl": 5, "pt": 5, "dk": 3, "ie": 3,
           "lu": 2}
_W_EU15 = {**_W_EU12, "at": 4, "se": 4, "fi": 3}
_W_2004 = {**_W_EU15, "pl": 8, "cz": 5, "hu": 5, "ee": 3, "lv": 3, "lt": 3, "sk": 3, "si": 3, "cy": 2, "mt": 2}
_W_NICE = {"de": 29, "fr": 29, "it": 29, "uk": 29, "es": 27, "pl": 27, "ro": 14, "nl": 13, "be": 12, "cz": 12,
           "el": 12, "hu": 12, "pt": 12, "at": 10, "bu": 10, "se": 10, "dk": 7, "ie": 7, "lt": 7, "sk": 7, "fi": 7,
           "cr": 7, "cy": 4, "ee": 4, "lv": 4, "lu": 4, "si": 4, "mt": 3}


@dataclass(frozen=True)
class _Period:
    name: str
    start: date
    members: tuple[str, ...]
    weights: dict[str, int] | None  # None: Lisbon double majority
    quota: int = 0
    min_members: int = 0


_PERIODS = (
    _Period("EU-12 weighted votes", date(1986, 1, 1), EU12, _W_EU12, 54),
    _Period("EU-15 weighted votes", date(1995, 1, 1), EU15, _W_EU15, 62),
    _Period("EU-25 transitional weights (2003 Act of Accession art. 26)", date(2004, 5, 1), EU25, _W_2004, 88),
    _Period("Nice, EU-25", date(2004, 11, 1), EU25, _W_NICE, 232, 13),
    _Period("Nice, EU-27", date(2007, 1, 1), EU27, _W_NICE, 255, 14),
    _Period("Nice, EU-28", date(2013, 7, 1), EU28, _W_NICE, 260, 15),
    _Period("Lisbon double majority, EU-28", date(2014, 11, 1), EU28, None),
    _Period("Lisbon double majority, EU-27", date(2020, 2, 1), EU27_2020, None),
)
LISBON_START = date(2014, 11, 1)
NICE_ON_REQUEST_END = date(2017, 3, 31)


@dataclass(frozen=True)
class CouncilRule:
    """The Council's decision rule on a date: who votes, and which coalitions win."""

    name: str
    on: date
    voting_rule: str
    members: tuple[str, ...]
    votes: dict[str, int] | None = None           # weighted periods
    quota: float | None = None
    min_members: int = 0
    population: dict[str, int] | None = None      # Lisbon: persons, Eurostat 1 January of the year before
    population_year: int | None = None
    population_unit: float = DEFAULT_POPULATION_UNIT
    population_check: float | None = None         # Nice: share of the population a majority must hold
    notes: tuple[str, ...] = field(default_factory=tuple)

    @cached_property
    def compiled_game(self) -> SizeThresholdGame:
        """The game, built once (the Nice population check searches coalitions)."""
        return self.game()

    def game(self) -> SizeThresholdGame:
        n = len(self.members)
        if self.voting_rule == "Unan":
            return unanimity_game(n)
        if self.votes is not None:
            game = weighted_game([self.votes[m] for m in self.members], self.quota, self.min_members)
            if self.population_check is None:
                return game
            assert self.population is not None
            short = population_shortfalls(game, [self.population[m] for m in self.members], self.population_check)
            return SizeThresholdGame(game.weights, game.thresholds, short)
        assert self.population is not None
        return double_majority_game([self.population[m] for m in self.members], 0.55, 0.65, 4,
                                    self.population_unit)

    def shapley_shubik(self) -> dict[str, float]:
        return dict(zip(self.members, shapley_shubik_game(self.compiled_game).tolist(), strict=True))

    def banzhaf(self, normalized: bool = True) -> dict[str, float]:
        return dict(zip(self.members, banzhaf_game(self.compiled_game, normalized).tolist(), strict=True))

    def raw_votes(self) -> dict[str, float]:
        """Council votes in force; Lisbon has none, so each member's share of the population (percent)."""
        if self.votes is not None:
            return {m: float(self.votes[m]) for m in self.members}
        assert self.population is not None
        total = sum(self.population[m] for m in self.members)
        return {m: 100.0 * self.population[m] / total for m in self.members}


def population_shortfalls(game: SizeThresholdGame, people: list[int], share: float) -> frozenset[frozenset[int]]:
    """Coalitions that pass the votes and members thresholds but hold less than ``share`` of the people.

    Depth-first over members by decreasing population, pruned as soon as a branch holds the share or can no
    longer reach the vote or member thresholds; exact, in persons.
    """
    n = game.n
    order = sorted(range(n), key=lambda i: -people[i])
    votes = [game.weights[i] for i in order]
    pops = [people[i] for i in order]
    needed = share * sum(people)
    votes_left = [sum(votes[i:]) for i in range(n + 1)]
    found: list[frozenset[int]] = []

    def walk(i: int, chosen: list[int], v: int, p: int) -> None:
        if p >= needed or v + votes_left[i] < min(game.thresholds[len(chosen):]):
            return
        if i == n:
            if v >= game.thresholds[len(chosen)]:
                found.append(frozenset(order[j] for j in chosen))
            return
        walk(i + 1, [*chosen, i], v + votes[i], p + pops[i])
        walk(i + 1, chosen, v, p)

    walk(0, [], 0, 0)
    return frozenset(found)


def parse_date(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise OptionError(f"date: expected YYYY-MM-DD, got {value!r}") from None


def period_on(on: date) -> _Period:
    if on < _PERIODS[0].start:
        raise OptionError(f"date {on}: Council rules are known from {_PERIODS[0].start} on")
    return [p for p in _PERIODS if p.start <= on][-1]


def members_on(on: date | str) -> tuple[str, ...]:
    """Member states (DEU III codes) on a date."""
    return period_on(parse_date(on)).members


@cache
def _population_table() -> dict[tuple[str, int], int]:
    table: dict[tuple[str, int], int] = {}
    with POPULATION_FILE.open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in rows:
            table[(row["country"], int(row["year"]))] = int(row["population"])
    return table


def population(members: tuple[str, ...], year: int) -> dict[str, int]:
    """Population on 1 January of ``year`` (persons) from the package's data file."""
    table = _population_table()
    missing = [m for m in members if (m, year) not in table]
    if missing:
        raise OptionError(f"population: no figure for {', '.join(missing)} in {year} in {POPULATION_FILE.name} "
                          f"(it covers 1995–2020)")
    return {m: table[(m, year)] for m in members}


def council_rule(on: date | str, voting_rule: str = "QMV", members: tuple[str, ...] | list[str] | None = None,
                 nice_until_2017: bool = False, population_unit: float = DEFAULT_POPULATION_UNIT,
                 nice_population_check: bool = True) -> CouncilRule:
    """The Council's rule in force on ``on`` for ``voting_rule`` 'QMV' or 'Unan'.

    ``members`` replaces the member list (a counterfactual Council); weighted quotas then keep the treaty's
    share of the total votes. ``nice_until_2017`` applies the Nice weights from 1 Nov 2014 to 31 Mar 2017,
    as any member could request (Protocol 36 art. 3(2)). ``nice_population_check`` adds Nice's verification
    that a qualified majority holds at least 62 % of the population (on by default).
    """
    on = parse_date(on)
    if voting_rule not in ("QMV", "Unan"):
        raise OptionError(f"voting rule: expected 'QMV' or 'Unan', got {voting_rule!r}")
    period = period_on(on)
    notes: list[str] = ["date = the proposal's introduction date (the data give no adoption date)"]
    if nice_until_2017 and LISBON_START <= on <= NICE_ON_REQUEST_END:
        period = _PERIODS[5]
        notes.append("Nice weights on request (Protocol 36 art. 3(2), until 31 March 2017)")
    chosen = tuple(period.members) if members is None else tuple(members)
    if not chosen:
        raise OptionError("members: expected at least one member state")
    if voting_rule == "Unan":
        return CouncilRule(f"unanimity ({len(chosen)} members)", on, voting_rule, chosen, notes=tuple(notes))
    if period.weights is not None:
        unknown = [m for m in chosen if m not in period.weights]
        if unknown:
            raise OptionError(f"members: {', '.join(unknown)} had no Council votes under {period.name}")
        quota, min_members = float(period.quota), period.min_members
        if members is not None:
            share = period.quota / sum(period.weights[m] for m in period.members)
            quota = share * sum(period.weights[m] for m in chosen)
            min_members = int(np.ceil(period.min_members / len(period.members) * len(chosen)))
        year = min(on.year - 1, 2020)
        check = period.min_members > 0 and nice_population_check
        if check:
            notes.append(f"Nice 62 % population check, population on 1 January {year}")
        return CouncilRule(period.name, on, voting_rule, chosen, {m: period.weights[m] for m in chosen}, quota,
                           min_members, population=population(chosen, year) if check else None,
                           population_year=year if check else None, population_check=0.62 if check else None,
                           notes=tuple(notes))
    year = min(on.year - 1, 2020)
    notes.append(f"population on 1 January {year} (the Council's yearly figures use the previous year's data)")
    pop = population(chosen, year)
    return CouncilRule(period.name, on, voting_rule, chosen, population=pop, population_year=year,
                       population_unit=population_unit, notes=tuple(notes))
