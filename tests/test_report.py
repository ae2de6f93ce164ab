"""The HTML report: self-contained, escaped, every section drawn from what was computed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

from stakes.alignment import align_variants
from stakes.forecast import forecast
from stakes.io.yaml_io import scenario_from_dict
from stakes.report import build_report, write_report
from stakes.sensitivity import sensitivity
from stakes.simulate import simulate
from stakes.store import RunStore, record_forecast, record_result

from .conftest import small_scenario_dict

EVIL = "<script>alert('x')</script>"


class Tags(HTMLParser):
    """Collects start tags with their attributes (to find external references and scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def rich_dict() -> dict:
    d = small_scenario_dict()
    d["uncertainty"] = {"default": {"position": 5, "salience": 10, "capability": 0.2}}
    d["sources"] = [{"id": "seed", "title": "An op-ed", "url": "https://example.org/op-ed", "publisher": "Paper"},
                    {"id": "bad", "title": "Odd link", "url": "javascript:alert(1)"}]
    d["actors"][0]["source"] = "seed"
    d["stances"][0]["rationale"] = "Kyiv's stated aim"
    d["theses"].append({"id": "t-side", "kind": "side", "claim": "Hungary sides with Russia", "actors": ["hu"],
                        "with_actor": "ru", "source": "seed"})
    return d


@pytest.fixture
def rich():
    return scenario_from_dict(rich_dict())


def _self_contained(html: str) -> None:
    for tag, attrs in tags_of(html):
        assert tag not in ("script", "link", "iframe", "img", "object", "embed"), tag
        for name in ("src", "data"):
            assert name not in attrs, (tag, attrs)
        if tag != "a":
            assert not str(attrs.get("href") or "").startswith(("http", "//")), (tag, attrs)
    assert "@import" not in html and "url(http" not in html


def test_forecast_only_report_says_what_was_not_computed(rich):
    result = forecast(rich, models=["weighted-mean", "bdm"])
    html = build_report(rich, forecast_result=result)
    _self_contained(html)
    for section in ("scenario", "forecast", "rounds", "montecarlo", "sensitivity", "alignment", "theses",
                    "sources"):
        assert f'<section id="{section}">' in html
    assert "Monte Carlo simulation not computed" in html
    assert "Sensitivity analysis not computed" in html
    assert "Alignment not computed" in html
    assert html.count("<svg") == len(rich.issues) + 1  # a forecast plot per issue, one rounds plot for bdm
    for issue in rich.issues:  # anchor labels are shown
        for anchor in issue.anchors:
            assert anchor.label.replace("'", "&#39;") in html
    # every forecast value appears in the tables, rounded as displayed (a diagnostic mark may follow it)
    for value in result.frame().value:
        assert f">{value:.1f}<" in html or f">{value:.1f} <sup" in html


def test_every_section_rendered_when_everything_is_given(rich):
    fc = forecast(rich, models=["weighted-mean"])
    sim = simulate(rich, runs=200, models=["weighted-mean"])
    sens = [sensitivity(rich, model="weighted-mean", samples=32)]
    al = align_variants(rich)
    html = build_report(rich, forecast_result=fc, simulation=sim, sensitivity=sens, alignment=al)
    _self_contained(html)
    assert "not computed" not in html.split('<section id="theses">')[0]
    probs = sim.thesis_table().set_index("thesis").probability
    p = probs["t-below"]
    error = f"± {100 * (p * (1 - p) / 200) ** 0.5:.1f}" if 0 < p < 1 else f"{int(p * 200)} of 200 runs"
    assert f'>{100 * p:.0f} % <span class="small mc-error" title="Monte Carlo standard error">{error}</span>' in html
    assert "at most ±3.5 percentage points" in html  # 50/√200, the simulation's largest standard error
    side = al[0].sides
    expected = "holds" if side["hu"] == side["ru"] else "fails"
    row = re.search(r"<code>t-side</code>.*?</tr>", html, re.S).group(0)
    assert f'<span class="{expected}">{expected}</span>' in row
    assert "200 perturbed runs" in html


def test_names_with_html_are_escaped_everywhere(small_dict):
    d = small_dict
    d["title"] = f"Title {EVIL}"
    d["actors"][0]["name"] = f"Kyiv {EVIL}"
    d["issues"][0]["name"] = f"Land {EVIL}"
    d["issues"][0]["anchors"][0]["label"] = f"borders {EVIL}"
    d["theses"][0]["claim"] = f"claim {EVIL}"
    d["variants"][0]["name"] = f"variant {EVIL}"
    d["sources"] = [{"id": "s1", "title": f"source {EVIL}", "url": "javascript:alert(1)"}]
    sc = scenario_from_dict(d)
    html = build_report(sc, forecast_result=forecast(sc, models=["weighted-mean", "bdm"]))
    assert "<script" not in html.lower()
    assert 'href="javascript' not in html
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    svg_escaped = "&lt;script&gt;alert('x')&lt;/script&gt;"  # inside the SVG: matplotlib's XML escaping
    assert html.count(escaped) >= 6
    assert svg_escaped in html
    assert not any(tag == "script" for tag, _ in tags_of(html))


def test_a_stored_run_reports_like_the_live_result(rich, tmp_path):
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    fc = forecast(rich, models=["weighted-mean", "bdm"])
    sim = simulate(rich, runs=100, models=["weighted-mean"])
    fc_id = record_forecast(fc, url)
    sim_id = record_result("simulation", rich, sim, url)
    with RunStore(url) as store:
        stored = build_report(store.get(fc_id).scenario(), forecast_result=store.tables(fc_id),
                              simulation=store.tables(sim_id))
    live = build_report(rich, forecast_result=fc, simulation=sim)

    def strip(html: str) -> str:
        return re.sub(r"Generated by stakes .*? on [^.]*\.", "", html)

    assert strip(stored) == strip(live)


def test_write_report_keeps_the_forecast_cli_signature(small, tmp_path):
    out = tmp_path / "r.html"
    result = forecast(small, models=["weighted-mean"])
    assert write_report(small, out, forecast_result=result) == out
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert not list(tmp_path.glob(".*tmp"))  # written through a temporary file, nothing left over


def test_many_actors_stay_legible():
    n = 120
    sc = scenario_from_dict({
        "title": "Many", "issues": [{"id": "x", "name": "X"}],
        "actors": [{"id": f"a{i}", "name": f"Actor {i}", "capability": 1 + i % 7} for i in range(n)],
        "stances": [{"actor": f"a{i}", "issue": "x", "position": (i * 37) % 101, "salience": 50} for i in range(n)],
    })
    html = build_report(sc, forecast_result=forecast(sc, models=["weighted-mean", "bdm"]))
    rounds = html.split('<section id="rounds">')[1].split("</section>")[0]
    svg = rounds.split("<svg")[1]
    drawn = [i for i in range(n) if f">Actor {i}<" in svg]  # legend entries of the rounds figure
    caps = sorted((1 + i % 7 for i in drawn), reverse=True)
    assert caps == [7] * 17 + [6] * 8  # the 25 largest capabilities (17 actors have 7)
    assert "Smaller actors not drawn" in rounds
    assert all(f"<td>Actor {i}</td>" in html for i in range(n))  # every actor is still in the tables


def test_forecast_chart_draws_each_models_interval(rich):
    """Issue 11: the ensemble's q05–q95 and q25–q75 and each simulated model's Monte Carlo 5–95 % are drawn on
    the forecast chart, at the values the result holds, and the legend says what they are."""
    from stakes.report.forecast_chart import forecast_figure
    from stakes.report.tidy import quantiles_frame
    from stakes.scoring import QUANTILE_LEVELS

    fc = forecast(rich, models=["ensemble", "weighted-mean", "bdm"])
    sim = simulate(rich, runs=60, models=["weighted-mean"], sides=False)
    issue = rich.issues[0]
    frame = fc.frame()
    summary = sim.summary().astype({"variant": str, "model": str, "issue": str})
    fig = forecast_figure(issue, frame[frame.issue == issue.id], None,
                          quantiles_frame(fc).query("issue == @issue.id"), summary.query("issue == @issue.id"), 60)
    lines = {}  # label -> every (start, end) of its segments (a line holds a model's intervals, split by NaN)
    for line in fig.axes[0].get_lines():
        if line.get_label() not in ("_q05-q95", "_q25-q75", "_mc-05-95"):
            continue  # the rows' separators
        xs = np.asarray(line.get_xdata(), dtype=float).reshape(-1, 3)
        assert np.isnan(xs[:, 2]).all()
        lines.setdefault(line.get_label(), []).extend((round(a, 9), round(b, 9)) for a, b, _ in xs)
    d = [i.id for i in rich.issues].index(issue.id)
    level = {round(q, 2): k for k, q in enumerate(QUANTILE_LEVELS)}
    for variant in fc.variants:
        q = fc.quantiles(variant, "ensemble")[d]
        assert (round(q[level[0.05]], 9), round(q[level[0.95]], 9)) in lines["_q05-q95"]
        assert (round(q[level[0.25]], 9), round(q[level[0.75]], 9)) in lines["_q25-q75"]
        row = summary[(summary.variant == variant) & (summary.issue == issue.id)].iloc[0]
        assert (round(row.q05, 9), round(row.q95, 9)) in lines["_mc-05-95"]
    assert len(lines["_q05-q95"]) == len(lines["_mc-05-95"]) == len(fc.variants)  # none for bdm: not simulated
    assert len(lines["_q25-q75"]) == len(fc.variants)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "predictive interval: thin 5–95 %, thick 25–75 %" in legend
    assert "Monte Carlo 5–95 % (60 runs)" in legend


def test_report_charts_show_intervals_only_where_computed(rich):
    fc = forecast(rich, models=["ensemble", "weighted-mean"])
    plain = build_report(rich, forecast_result=forecast(rich, models=["weighted-mean"]))
    with_bands = build_report(rich, forecast_result=fc, simulation=simulate(rich, runs=40, models=["weighted-mean"]))
    forecast_part = with_bands.split('<section id="forecast">')[1].split("</section>")[0]
    assert forecast_part.count("predictive interval: thin 5–95 %") == len(rich.issues)
    assert forecast_part.count("Monte Carlo 5–95 % (40 runs)") == len(rich.issues)
    assert "predictive interval: thin" not in plain and "Monte Carlo 5–95 % (" not in plain
