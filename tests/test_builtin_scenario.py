"""The built-in seed scenario ``ukraine-2024-07``: it loads, every number is sourced, nothing post-dates
``as_of``, the required actors/issues/variants/theses exist, every variant applies and compiles, and the
canonical YAML round-trips. These are data-discipline checks; no test asserts a forecast value."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from stakes import builtin_scenario
from stakes.arrays import compile_scenario
from stakes.io.yaml_io import dump_yaml, loads_yaml
from stakes.scenario import CloserThesis, Scenario, SideThesis, ThresholdThesis
from stakes.scenarios import builtin_names, builtin_text
from stakes.variants import BASELINE, apply_variant

REQUIRED_ACTORS = {
    "ukraine", "russia", "us-admin", "us-congress", "france", "uk", "germany", "italy", "poland",
    "nordic", "baltic", "hungary", "china", "north-korea", "japan", "south-korea",
}
REQUIRED_ISSUES = {"territory", "nato-path", "armed-forces", "western-support", "us-commitment", "ceasefire"}
REQUIRED_VARIANTS = {"trump-wins", "us-leaves-nato", "europe-steps-up", "hungary-breaks-ranks"}
# the op-ed's mission-level theses (shared/docs/mission.md): Putin's hurry, Ukraine rejects the terms,
# the US stays, Europe resists, Hungary sides with Russia
REQUIRED_THESES = {
    "putin-no-quick-ceasefire", "no-cession-under-trump", "us-stays-in-europe", "europe-resists-trump",
    "france-poland-stand-with-ukraine", "hungary-sides-with-russia",
}
LATEST_DATE = dt.date(2024, 7, 15)  # "no hindsight": nothing after mid-July 2024


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return builtin_scenario()


def test_default_builtin_is_the_seed(scenario: Scenario) -> None:
    assert "ukraine-2024-07" in builtin_names()
    assert scenario.id == "ukraine-2024-07"
    assert scenario.stakes == 1
    assert scenario.as_of is not None and scenario.as_of <= LATEST_DATE
    # no models declared: the calibrated ensemble judges the theses, with the models it combines beside it
    assert scenario.models == ()
    assert scenario.default_model == "ensemble"
    assert {"bdm", "weighted-mean", "smp", "nash"} <= set(scenario.default_models)


def test_required_actors_issues_variants(scenario: Scenario) -> None:
    assert set(scenario.actor_ids) >= REQUIRED_ACTORS
    assert set(scenario.issue_ids) >= REQUIRED_ISSUES
    assert {v.id for v in scenario.variants} >= REQUIRED_VARIANTS


def test_thesis_kinds_and_quotes_from_the_oped(scenario: Scenario) -> None:
    kinds = {type(t) for t in scenario.theses}
    assert {ThresholdThesis, CloserThesis, SideThesis} <= kinds
    assert {t.id for t in scenario.theses} >= REQUIRED_THESES
    oped = _normalise(_seed_text())
    for t in scenario.theses:
        assert t.quote and t.source == "oped-2024-07", t.id
        # every quoted fragment ("[...]" marks an elision) occurs verbatim in the seed op-ed
        for fragment in t.quote.split("[...]"):
            assert _normalise(fragment) in oped, (t.id, fragment[:60])


def test_every_number_has_a_rationale_and_a_known_source(scenario: Scenario) -> None:
    sources = {s.id for s in scenario.sources}
    records = [("actor", a.id, a.rationale, a.source) for a in scenario.actors]
    records += [("stance", f"{s.actor}/{s.issue}", s.rationale, s.source) for s in scenario.stances]
    records += [("affinity", f"{f.a}/{f.b}", f.rationale, f.source) for f in scenario.affinities]
    records += [("variant", v.id, v.rationale, v.source) for v in scenario.variants]
    for kind, key, rationale, source in records:
        assert rationale and rationale.strip(), f"{kind} {key}: no rationale"
        assert source in sources, f"{kind} {key}: source '{source}' is not in sources"
    for t in scenario.theses:
        assert t.source in sources, t.id


def test_issues_are_anchored_with_status_quo(scenario: Scenario) -> None:
    for issue in scenario.issues:
        values = [a.value for a in issue.anchors]
        assert issue.scale_min in values and issue.scale_max in values, issue.id
        assert len(issue.anchors) >= 3 and all(a.label for a in issue.anchors), issue.id
        assert issue.status_quo is not None and issue.status_quo_rationale, issue.id


def test_sources_dated_no_later_than_as_of(scenario: Scenario) -> None:
    ids = [s.id for s in scenario.sources]
    assert len(ids) == len(set(ids))
    for s in scenario.sources:
        assert s.date is not None, s.id
        assert s.date <= scenario.as_of, f"source {s.id} ({s.date}) post-dates as_of {scenario.as_of}"
        assert s.title and s.publisher, s.id


def test_all_sources_are_used(scenario: Scenario) -> None:
    used = {a.source for a in scenario.actors} | {s.source for s in scenario.stances}
    used |= {f.source for f in scenario.affinities} | {v.source for v in scenario.variants}
    used |= {t.source for t in scenario.theses}
    unused = {s.id for s in scenario.sources} - used
    assert not unused, f"sources cited nowhere: {sorted(unused)}"


def test_affinities_in_range_and_not_repeated(scenario: Scenario) -> None:
    seen: set[frozenset[str]] = set()
    for f in scenario.affinities:
        assert -1.0 <= f.value <= 1.0, (f.a, f.b)
        key = frozenset((f.a, f.b))
        assert key not in seen, f"pair {f.a}/{f.b} given twice"
        seen.add(key)
    must = [("ukraine", x) for x in ("russia", "us-admin", "us-congress", "uk", "france", "germany", "italy",
                                     "poland", "nordic", "baltic", "hungary", "eu")]
    must += [("russia", "china"), ("russia", "north-korea"), ("russia", "hungary"), ("us-admin", "japan"),
             ("us-admin", "south-korea"), ("hungary", "eu"), ("hungary", "poland")]
    for a, b in must:
        assert frozenset((a, b)) in seen, f"missing affinity {a}/{b}"


def test_trump_wins_copies_the_trump_camp_row(scenario: Scenario) -> None:
    """trump-wins replaces the camp by the administration: the administration takes the camp's stances
    and propensities, so no pair of the camp may be left without a counterpart change."""
    trump = {frozenset((f.a, f.b)) - {"trump-camp"}: f.value for f in scenario.affinities
             if "trump-camp" in (f.a, f.b) and "us-admin" not in (f.a, f.b)}
    variant = apply_variant(scenario, "trump-wins")
    admin = {frozenset((f.a, f.b)) - {"us-admin"}: f.value for f in variant.affinities if "us-admin" in (f.a, f.b)}
    for other, value in trump.items():
        assert admin.get(other) == value, f"us-admin/{set(other)} under trump-wins"
    for issue in scenario.issue_ids:
        camp = scenario.stance("trump-camp", issue)
        new = variant.stance("us-admin", issue)
        assert camp is not None and new is not None
        assert new.position == camp.position, issue
    assert "trump-camp" not in variant.actor_ids


@pytest.mark.parametrize("variant", [BASELINE, *(v.id for v in builtin_scenario().variants)])
def test_every_variant_applies_and_compiles(scenario: Scenario, variant: str) -> None:
    changed = apply_variant(scenario, variant)
    arrays = compile_scenario(changed)
    n, d = len(changed.actors), len(changed.issues)
    assert arrays.position.shape == (1, n, d)
    assert np.isfinite(arrays.position).all() and np.isfinite(arrays.salience).all()
    assert (arrays.salience >= 0).all() and (arrays.salience <= 1).all()
    assert (arrays.weights().sum(axis=1) > 0).all()  # every issue has someone who cares


def test_variants_change_what_they_claim(scenario: Scenario) -> None:
    """Invariants of the variants' design: the Trump camp is absorbed, the US exit builds on a Trump win,
    Europe's step-up raises only European capabilities, Hungary's break leaves everyone else untouched."""
    assert scenario.variant("us-leaves-nato").base == "trump-wins"
    assert scenario.variant("us-leaves-europe-steps-up").base == "us-leaves-nato"
    europe = {"uk", "france", "germany", "italy", "poland", "nordic", "baltic", "eu"}
    up = apply_variant(scenario, "europe-steps-up")
    for a in scenario.actors:
        new = up.actor(a.id).capability
        assert (new > a.capability) if a.id in europe else (new == a.capability), a.id
    hun = apply_variant(scenario, "hungary-breaks-ranks")
    for st in scenario.stances:
        if st.actor != "hungary":
            assert hun.stance(st.actor, st.issue) == st
    leave = apply_variant(scenario, "us-leaves-nato")
    assert leave.stance("us-admin", "us-commitment").position == scenario.issue("us-commitment").scale_max


def test_yaml_round_trip(scenario: Scenario) -> None:
    text = dump_yaml(scenario)
    again = loads_yaml(text)
    assert again == scenario
    assert dump_yaml(again) == text


def test_file_on_disk_loads_the_same(scenario: Scenario) -> None:
    assert loads_yaml(builtin_text()) == scenario


def test_uncertainty_defaults_declared(scenario: Scenario) -> None:
    spread = scenario.uncertainty.default
    for value in (spread.position, spread.salience, spread.capability, spread.affinity):
        assert value > 0 and math.isfinite(value)


def _seed_text() -> str:
    from pathlib import Path

    here = Path(__file__).resolve()
    for base in (here.parents[1], here.parents[2]):
        for cand in (base / "shared" / "seed", base.parent / "shared" / "seed"):
            hits = sorted(cand.glob("000_*.txt")) if cand.is_dir() else []
            if hits:
                return hits[0].read_text(encoding="utf-8")
    pytest.skip("the seed op-ed (shared/seed/) is not available in this checkout")


def _normalise(text: str) -> str:
    """Compare quotes modulo whitespace and typographic quote marks."""
    for a, b in (("\u201c", '"'), ("\u201d", '"'), ("\u2019", "'"), ("\u2018", "'")):
        text = text.replace(a, b)
    return " ".join(text.split())


DOC = "docs/scenario-ukraine-2024-07.md"


def _doc_text() -> str:
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / DOC
    if not path.is_file():
        pytest.skip(f"{DOC} is not in this checkout")
    return path.read_text(encoding="utf-8")


def test_rationale_doc_covers_every_id(scenario: Scenario) -> None:
    doc = _doc_text()
    ids = scenario.actor_ids + scenario.issue_ids + [v.id for v in scenario.variants]
    ids += [t.id for t in scenario.theses] + [s.id for s in scenario.sources]
    missing = [i for i in ids if f"`{i}`" not in doc]
    assert not missing, f"{DOC} does not mention: {missing}"


def test_rationale_doc_tables_match_the_yaml(scenario: Scenario) -> None:
    """The per-actor tables of the document (capability, position, salience) equal the YAML's numbers."""
    import re

    doc = _doc_text()
    sections = re.split(r"^### 5\.\d+ ", doc, flags=re.M)[1:]
    seen = set()
    rows = 0
    for section in sections:
        head = re.match(r".*\(`([^`]+)`\)\s*$", section.splitlines()[0])
        assert head, section.splitlines()[0]
        actor = scenario.actor(head.group(1))
        seen.add(actor.id)
        cap = re.search(r"\*\*Capability ([\d.]+)\*\*", section)
        assert cap and float(cap.group(1)) == actor.capability, actor.id
        for issue, pos, sal in re.findall(r"^\| `([\w-]+)` \| ([\d.]+|—) \| ([\d.]+|—) \|", section, flags=re.M):
            rows += 1
            stance = scenario.stance(actor.id, issue)
            if pos == "—":
                assert stance is None, (actor.id, issue)
            else:
                assert stance is not None and (stance.position, stance.salience) == (float(pos), float(sal))
    assert seen == set(scenario.actor_ids)
    assert rows == len(scenario.actors) * len(scenario.issues)
