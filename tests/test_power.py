"""Power indices: published values, brute force, the `powerindex` package, EU rules by date, capabilities, CLI."""

from __future__ import annotations

import itertools
import json
from math import comb, factorial

import numpy as np
import pytest

from stakes.errors import OptionError, StakesError
from stakes.power import (
    SCHEMES,
    CouncilRule,
    SizeThresholdGame,
    actor_capabilities,
    banzhaf,
    banzhaf_game,
    council_rule,
    double_majority_game,
    members_on,
    procedure_indices,
    shapley_shubik,
    shapley_shubik_double_majority,
    shapley_shubik_game,
    unanimity_game,
    weighted_game,
)
from stakes.power.eu import population_shortfalls

from .conftest import run_main


def brute_force(game) -> tuple[np.ndarray, np.ndarray]:
    """Shapley–Shubik and normalized Banzhaf by enumerating every coalition (small games only)."""
    return brute_force_fn(game.wins, game.n)


def brute_force_fn(wins, n: int) -> tuple[np.ndarray, np.ndarray]:
    ssi, swings = np.zeros(n), np.zeros(n)
    for mask in itertools.product((0, 1), repeat=n):
        members = [i for i in range(n) if mask[i]]
        if wins(members):
            continue
        k = len(members)
        for i in range(n):
            if not mask[i] and wins([*members, i]):
                swings[i] += 1
                ssi[i] += factorial(k) * factorial(n - k - 1) / factorial(n)
    return ssi, swings / swings.sum()


# --- published values -------------------------------------------------------------------------------------

def test_un_security_council_shapley_shubik():
    # 5 permanent members with a veto + 10 others, 9 votes needed: as the weighted game [39; 7×5, 1×10].
    # Published: permanent 421/2145 ≈ 0.1963, non-permanent 4/2145 ≈ 0.00186 (Shapley & Shubik 1954's method;
    # the figures as given in the Wikipedia article "Shapley–Shubik power index").
    ssi = shapley_shubik([7] * 5 + [1] * 10, 39)
    assert ssi[:5] == pytest.approx([421 / 2145] * 5, abs=1e-12)
    assert ssi[5:] == pytest.approx([4 / 2145] * 10, abs=1e-12)


def test_eec_1958_council():
    # EEC Council 1958–1972: DE FR IT 4, BE NL 2, LU 1, quota 12. Published normalized Banzhaf (the
    # `powerindex` package's documentation, the "EEC (1958-1982)" example): 5/21, 5/21, 5/21, 3/21, 3/21, 0;
    # Shapley–Shubik 14/60, 9/60, 0 (Felsenthal & Machover 1998, The Measurement of Voting Power, ch. 7).
    weights = [4, 4, 4, 2, 2, 1]
    assert banzhaf(weights, 12) == pytest.approx([5 / 21] * 3 + [3 / 21] * 2 + [0.0], abs=1e-12)
    assert shapley_shubik(weights, 12) == pytest.approx([14 / 60] * 3 + [9 / 60] * 2 + [0.0], abs=1e-12)


def test_stach_2011_example():
    # Weights 10, 10, 20, 30, quota 50: Shapley–Shubik 1/12, 1/12, 1/4, 7/12 — Stach (2011), "Shapley–Shubik
    # index", Encyclopedia of Power (SAGE), as printed in the R package CoopGame's shapleyShubikIndex example.
    assert shapley_shubik([10, 10, 20, 30], 50) == pytest.approx([1 / 12, 1 / 12, 1 / 4, 7 / 12], abs=1e-12)


def test_nassau_county_board_1964():
    # Weights 9, 9, 7, 3, 1, 1, quota 16: the three small members are dummies, the others share power equally
    # (Banzhaf 1965, "Weighted voting doesn't work", Rutgers Law Review 19; the Wikipedia example of the
    # Banzhaf power index and the votingpower R package's example).
    assert banzhaf([9, 9, 7, 3, 1, 1], 16) == pytest.approx([1 / 3] * 3 + [0.0] * 3, abs=1e-12)


def test_nice_eu27_banzhaf_matches_felsenthal_machover():
    # Normalized Banzhaf (%) of the Nice rule for EU-27, Felsenthal & Machover (2001), "The Treaty of Nice and
    # qualified majority voting", Social Choice and Welfare 18: 431–464. The figures below are quoted from
    # memory of their EU-27 table (not re-checked against the printed page). Both include the 62 % population
    # check (with different population figures); 0.015 percentage points are allowed for that and rounding.
    published = {"de": 7.78, "es": 7.42, "ro": 4.26, "nl": 3.97, "be": 3.68, "at": 3.09, "dk": 2.18, "lu": 1.26,
                 "mt": 0.95}
    ours = council_rule("2008-05-01", "QMV").banzhaf()
    for state, value in published.items():
        assert 100 * ours[state] == pytest.approx(value, abs=0.015), state


# --- properties and cross-checks ----------------------------------------------------------------------------

def test_matches_powerindex_on_random_proper_games():
    px = pytest.importorskip("powerindex")
    rng = np.random.default_rng(2024)
    checked = 0
    while checked < 150:
        n = int(rng.integers(2, 13))
        w = rng.integers(1, 30, n)  # powerindex mis-counts Banzhaf swings of zero-weight players
        q = int(rng.integers(w.sum() // 2 + 1, w.sum() + 1))
        if w.max() >= q:  # powerindex gives all power to a player reaching the quota alone
            continue
        game = px.Game(q, [int(x) for x in w])
        game.calc()
        assert shapley_shubik(w, q) == pytest.approx(game.shapley_shubik, abs=1e-12)
        assert banzhaf(w, q) == pytest.approx(game.banzhaf, abs=1e-12)
        checked += 1


def test_double_majority_matches_brute_force():
    rng = np.random.default_rng(7)
    for _ in range(40):
        n = int(rng.integers(3, 10))
        pop = rng.integers(0, 60, n)
        if pop.sum() == 0:
            continue
        game = double_majority_game(pop, float(rng.uniform(0.3, 0.9)), float(rng.uniform(0.3, 0.9)),
                                    int(rng.integers(0, 4)))
        ssi, bz = brute_force(game)
        assert shapley_shubik_game(game) == pytest.approx(ssi, abs=1e-12)
        assert banzhaf_game(game) == pytest.approx(bz, abs=1e-12)


def test_zero_weight_player_is_a_dummy_and_symmetric_players_are_equal():
    ssi = shapley_shubik([5, 3, 3, 0, 2], 8)
    bz = banzhaf([5, 3, 3, 0, 2], 8)
    assert ssi[3] == 0 and bz[3] == 0
    assert ssi[1] == ssi[2] and bz[1] == bz[2]
    assert ssi.sum() == pytest.approx(1) and bz.sum() == pytest.approx(1)
    assert brute_force(double_majority_game([5, 3, 3, 0, 2], 0.01, 8 / 13))[0] == pytest.approx(ssi, abs=1e-12)


def test_more_than_30_players_uses_wide_counts():
    # 33 equal players, simple majority of 17: everyone 1/33; two dummies added at weight 0 stay at 0.
    ssi = shapley_shubik([1] * 33 + [0, 0], 17)
    assert ssi[:33] == pytest.approx([1 / 33] * 33, abs=1e-12) and list(ssi[33:]) == [0, 0]
    absolute = banzhaf([1] * 33, 17, normalized=False)
    assert absolute[0] == pytest.approx(comb(32, 16) / 2**32, abs=1e-15)  # swings: 16 of the 32 others


def test_unanimity_gives_everyone_one_nth():
    game = unanimity_game(7)
    assert shapley_shubik_game(game) == pytest.approx([1 / 7] * 7)
    assert banzhaf_game(game) == pytest.approx([1 / 7] * 7)
    assert banzhaf_game(game, normalized=False) == pytest.approx([1 / 2**6] * 7)


def test_lisbon_blocking_minority_rule():
    # Four states with 70 % of the population: without the rule the other 24 could never win; with it, 25
    # members win whatever their population.
    pop = [30, 20, 10, 10] + [1.25] * 24
    game = double_majority_game(pop, 0.55, 0.65, min_blocking=4)
    assert game.wins(list(range(3, 28)))  # 25 members, 40 % of the population: fewer than 4 oppose
    assert not game.wins(list(range(4, 28)))  # 24 members, 30 %: the four big ones block
    no_rule = double_majority_game(pop, 0.55, 0.65, min_blocking=0)
    assert not no_rule.wins(list(range(3, 28)))


def test_population_unit_changes_results_only_in_the_sixth_decimal():
    rule = council_rule("2020-06-01")
    pop = [rule.population[m] for m in rule.members]
    fine = shapley_shubik_double_majority(pop, 0.55, 0.65, 4, unit=500)
    default = shapley_shubik_double_majority(pop, 0.55, 0.65, 4, unit=rule.population_unit)
    assert np.abs(fine - default).max() < 5e-6
    assert default.sum() == pytest.approx(1)
    assert np.all(np.diff(default[np.argsort(pop)]) >= -1e-12)  # more people, at least as much power


def test_population_check_matches_brute_force():
    rng = np.random.default_rng(11)
    for _ in range(30):
        n = int(rng.integers(4, 10))
        votes, people = rng.integers(1, 12, n), [int(x) for x in rng.integers(1, 100, n)]
        base = weighted_game(votes, float(rng.integers(votes.sum() // 2 + 1, votes.sum() + 1)),
                             int(rng.integers(0, n // 2 + 1)))
        share = float(rng.uniform(0.4, 0.9))
        game = SizeThresholdGame(base.weights, base.thresholds, population_shortfalls(base, people, share))
        for members in itertools.chain.from_iterable(itertools.combinations(range(n), r) for r in range(n + 1)):
            expected = base.wins(members) and sum(people[i] for i in members) >= share * sum(people)
            assert game.wins(members) == expected
        ssi, bz = brute_force(game)
        assert shapley_shubik_game(game) == pytest.approx(ssi, abs=1e-12)
        assert banzhaf_game(game) == pytest.approx(bz, abs=1e-12)


def test_procedure_game_matches_brute_force():
    members = ("a", "b", "c", "d", "e", "f")
    votes = dict(zip(members, (9, 7, 5, 4, 2, 1), strict=True))
    people = dict(zip(members, (50, 10, 30, 5, 4, 1), strict=True))
    for check in (None, 0.7):
        rule = CouncilRule("test", council_rule("2008-01-01").on, "QMV", members, votes, 19.0, 3, people,
                           population_check=check)
        council = rule.game()
        for procedure in ("CNS", "COD"):
            def wins(coalition, procedure=procedure, council=council):
                states = [i - 2 for i in coalition if i >= 2]
                if procedure == "CNS":
                    return (0 in coalition and council.wins(states)) or len(states) == len(members)
                return 1 in coalition and council.wins(states)

            ssi, bz = brute_force_fn(wins, 2 + len(members))
            got = procedure_indices(rule, procedure, "ssi")
            assert list(got.values()) == pytest.approx(ssi, abs=1e-12), (check, procedure)
            got = procedure_indices(rule, procedure, "banzhaf")
            assert list(got.values()) == pytest.approx(bz, abs=1e-12), (check, procedure)


def test_nice_population_check_bites_on_the_big_three():
    # EU-27, 2008: all members but Germany, France and the UK hold 258 of 345 votes and 24 members but about
    # 59 % of the population, short of 62 %: a qualified majority without the check, not with it.
    rule = council_rule("2008-05-01")
    others = [i for i, m in enumerate(rule.members) if m not in ("de", "fr", "uk")]
    assert not rule.game().wins(others)
    assert council_rule("2008-05-01", nice_population_check=False).game().wins(others)


# --- EU rules by date -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "n", "name"), [
    ("1996-03-01", 15, "EU-15"), ("2004-04-30", 15, "EU-15"), ("2004-05-01", 25, "transitional"),
    ("2004-11-01", 25, "Nice, EU-25"), ("2007-01-01", 27, "Nice, EU-27"), ("2013-07-01", 28, "Nice, EU-28"),
    ("2014-11-01", 28, "Lisbon"), ("2020-02-01", 27, "Lisbon"),
])
def test_rule_in_force(day, n, name):
    rule = council_rule(day, "QMV")
    assert len(rule.members) == n and name in rule.name
    assert sum(rule.shapley_shubik().values()) == pytest.approx(1)


def test_vote_totals_and_quotas_are_the_treaties():
    for day, total, quota in [("2000-01-01", 87, 62), ("2004-06-01", 124, 88), ("2005-06-01", 321, 232),
                              ("2008-01-01", 345, 255), ("2014-01-01", 352, 260)]:
        rule = council_rule(day)
        assert (sum(rule.votes.values()), rule.quota) == (total, quota), day


def test_nice_on_request_until_march_2017():
    assert "Nice" in council_rule("2016-05-01", nice_until_2017=True).name
    assert "Lisbon" in council_rule("2017-04-01", nice_until_2017=True).name
    assert "Lisbon" in council_rule("2016-05-01").name


def test_unanimity_and_members():
    rule = council_rule("2010-01-01", "Unan")
    assert list(rule.shapley_shubik().values()) == pytest.approx([1 / 27] * 27)
    assert "cr" not in members_on("2013-06-30") and "cr" in members_on("2013-07-01")


@pytest.mark.parametrize("bad", [dict(on="2008-13-01"), dict(on="1970-01-01"), dict(on="2008-01-01", voting_rule="x"),
                                 dict(on="2000-01-01", members=["pl"])])
def test_bad_rule_requests(bad):
    with pytest.raises(StakesError):
        council_rule(**bad)


# --- capabilities -------------------------------------------------------------------------------------------

ACTORS = ["com", "ep", "de", "fr", "pl", "mt", "cr"]


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_every_scheme_gives_every_actor_a_finite_capability(scheme):
    caps = actor_capabilities(ACTORS, "2009-03-01", "QMV", "COD", scheme)
    assert list(caps) == ACTORS and all(np.isfinite(v) and v >= 0 for v in caps.values())
    assert caps["cr"] == 0  # not a member in 2009


def test_procedure_game_roles():
    rule = council_rule("2009-03-01", "QMV")
    cns, cod = procedure_indices(rule, "CNS"), procedure_indices(rule, "COD")
    assert cns["ep"] == 0 and cns["com"] > cns["de"]  # consultation: the Commission sets the agenda
    assert cod["com"] == 0 and cod["ep"] > cod["de"]  # co-decision: Parliament is a co-legislator
    assert sum(cns.values()) == pytest.approx(1) and sum(cod.values()) == pytest.approx(1)
    unan = procedure_indices(council_rule("2009-03-01", "Unan"), "COD")
    assert unan["ep"] == pytest.approx(1 / 28) and unan["mt"] == pytest.approx(1 / 28)


def test_colegislator_split():
    cod = actor_capabilities(["com", "ep", "de"], "2009-03-01", "QMV", "cod", "colegislator-ssi")
    cns = actor_capabilities(["com", "ep", "de"], "2009-03-01", "QMV", "CNS", "colegislator-ssi")
    assert cod["ep"] == 0.5 and cns["ep"] == 0 and cod["de"] == pytest.approx(cns["de"] / 2)


@pytest.mark.parametrize(("args", "word"), [(("xx",), "unknown DEU actor"), (("de",), "scheme")])
def test_bad_capability_requests(args, word):
    scheme = "nope" if word == "scheme" else "ssi"
    with pytest.raises(OptionError, match=word):
        actor_capabilities(list(args), "2009-03-01", "QMV", "COD", scheme)
    with pytest.raises(OptionError, match="procedure"):
        actor_capabilities(["de"], "2009-03-01", "QMV", "SYN", "ssi")


# --- CLI ----------------------------------------------------------------------------------------------------

def test_cli_eu_rule_json(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "power", "--rule", "eu", "--date", "2008-05-01", "--format",
                            "json")
    assert code == 0
    data = json.loads(out)
    rows = {r["member"]: r for r in data["rows"]}
    assert "Nice, EU-27" in data["rule"] and len(rows) == 27
    assert rows["de"]["banzhaf"] == pytest.approx(council_rule("2008-05-01").banzhaf()["de"])


def test_cli_weights_and_population(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "power", "--weights", "a=3,b=2,c=1", "--quota", "4",
                            "--index", "ssi", "--format", "csv")
    assert code == 0 and out.splitlines() == ["member,ssi", "a,0.666667", "b,0.166667", "c,0.166667"]
    code, out, _ = run_main(monkeypatch, capsys, "power", "--population", "a=50,b=30,c=20", "--states-threshold",
                            "0.5", "--population-threshold", "0.6")
    assert code == 0 and "double majority" in out


def test_cli_nice_population_check_switch(monkeypatch, capsys):
    rows = {}
    for flag in ("--nice-population-check", "--no-nice-population-check"):
        code, out, _ = run_main(monkeypatch, capsys, "power", "--rule", "eu", "--date", "2008-05-01", flag,
                                "--index", "ssi", "--format", "json")
        assert code == 0
        rows[flag] = {r["member"]: r["ssi"] for r in json.loads(out)["rows"]}
    assert rows["--nice-population-check"]["de"] > rows["--no-nice-population-check"]["de"]
    assert rows["--no-nice-population-check"]["de"] == pytest.approx(rows["--no-nice-population-check"]["uk"])


def test_cli_capabilities(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "power", "--rule", "eu", "--date", "2009-03-01", "--scheme",
                            "procedure-ssi", "--procedure", "CNS", "--format", "json")
    assert code == 0
    caps = json.loads(out)["capabilities"]
    assert caps == pytest.approx(actor_capabilities(list(caps), "2009-03-01", "QMV", "CNS", "procedure-ssi"))
    assert caps["ep"] == 0 and caps["com"] > caps["de"]


@pytest.mark.parametrize("args", [
    ("--rule", "eu", "--date", "2009-03-01", "--scheme", "nope"),
    ("--rule", "eu", "--date", "2009-03-01", "--scheme", "ssi", "--procedure", "SYN"),
    ("--weights", "a=3,b=2", "--quota", "3", "--scheme", "ssi"),
    ("--weights", "a=3,b=x", "--quota", "4"), ("--weights", "a=3,b=2"), ("--rule", "eu"),
    ("--rule", "eu", "--date", "1970-01-01"), ("--rule", "un", "--date", "2000-01-01"),
    ("--weights", "a=1", "--quota", "4"), ("--weights", "a=1", "--population", "a=1", "--quota", "1"),
    ("--population", "a=1,b=-2"), ("--weights", "a=1.5,b=2", "--quota", "2"),
])
def test_cli_bad_input_exits_2(monkeypatch, capsys, args):
    code, _, err = run_main(monkeypatch, capsys, "power", *args)
    assert code == 2 and "error" in err and "Traceback" not in err


def test_capabilities_are_cached_per_rule_and_equal_to_a_fresh_computation():
    first = actor_capabilities(["com", "ep", "de"], "2016-02-01", "QMV", "CNS", "procedure-ssi")
    again = actor_capabilities(["de", "ep"], "2016-09-01", "QMV", "CNS", "procedure-ssi")  # same rule, same year
    fresh = procedure_indices(council_rule("2016-02-01", "QMV"), "CNS")
    assert first["de"] == again["de"] == pytest.approx(fresh["de"], abs=1e-15)


def test_members_override_keeps_the_quota_share():
    rule = council_rule("2000-01-01", members=["de", "fr", "it", "uk", "es"])
    assert rule.quota == pytest.approx(62 / 87 * 48)
    ssi = rule.shapley_shubik()
    assert ssi["de"] == ssi["uk"] and sum(ssi.values()) == pytest.approx(1)


def test_power_package_imports_no_edge_code():
    import subprocess
    import sys

    code = ("import sys, stakes.power\n"
            "print(sorted(m for m in ('typer', 'rich', 'matplotlib', 'sqlalchemy', 'fastapi') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
