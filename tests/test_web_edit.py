"""Editing variants and theses through the JSON API: validated by the scenario's own records, 422 naming the
field, 409 on a stale version, nothing changed by a refused edit; a forecast sees the edits."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from tests.web_fixtures import SMALL_YAML, make_client, run_and_wait, upload, weighted_mean

# the border issue of SMALL_YAML: (capability, salience, position) of ua, ru, us
BORDER = [(30, 90, 0), (50, 80, 100), (80, 40, 40)]


@pytest.fixture
def client():
    with make_client() as c:
        yield c


@pytest.fixture
def sid(client) -> str:
    return upload(client, SMALL_YAML).json()["id"]


def _variant(vid: str, *changes: dict, **extra) -> dict:
    return {"id": vid, "name": vid.upper(), "changes": list(changes), **extra}


def _thesis(tid: str = "t1", **fields) -> dict:
    return {"id": tid, "claim": "Border settles below 50", "kind": "threshold", "issue": "border", "op": "<",
            "value": 50, **fields}


def test_add_edit_and_delete_a_variant(client, sid):
    r = client.post(f"/api/scenarios/{sid}/variants", json={"version": 1, "variant": _variant(
        "ru-out", {"op": "remove_actor", "actor": "ru"}, description="Russia leaves the table")})
    assert r.status_code == 201 and r.json()["version"] == 2 and r.headers["ETag"] == f'"{sid}-2"'
    assert [v["id"] for v in r.json()["scenario"]["variants"]] == ["us-out", "ru-out"]
    change = {"op": "set_capability", "actor": "us", "value": 400}
    r = client.put(f"/api/scenarios/{sid}/variants/us-out", json={"version": 2, "variant": _variant("us-out", change)})
    assert r.status_code == 200, r.text
    assert r.json()["scenario"]["variants"][0]["changes"] == [{**change, "value": 400.0}]
    r = client.delete(f"/api/scenarios/{sid}/variants/ru-out", params={"version": 3})
    assert r.status_code == 200 and [v["id"] for v in r.json()["scenario"]["variants"]] == ["us-out"]
    # the edited variant is what a forecast runs
    run = client.get(f"/api/runs/{run_and_wait(client, sid)['run_id']}").json()
    value = next(x["value"] for x in run["results"] if x["variant"] == "us-out" and x["issue"] == "border")
    assert value == pytest.approx(weighted_mean([*BORDER[:2], (400, 40, 40)]))


def test_renaming_a_variant_renames_it_in_the_theses_that_use_it(client, sid):
    r = client.put(f"/api/scenarios/{sid}/theses/t1", json={"version": 1, "thesis": _thesis(variant="us-out")})
    assert r.status_code == 200, r.text
    r = client.put(f"/api/scenarios/{sid}/variants/us-out", json={"version": 2, "variant": _variant(
        "us-weak", {"op": "scale_capability", "actor": "us", "value": 0.5})})
    assert r.status_code == 200, r.text
    assert r.json()["scenario"]["theses"][0]["variant"] == "us-weak"
    r = client.delete(f"/api/scenarios/{sid}/variants/us-weak", params={"version": 3})
    assert r.status_code == 422 and "used by thesis 't1'" in r.json()["detail"]


@pytest.mark.parametrize("variant,needle", [
    (_variant("us-out", {"op": "set_capability", "actor": "us"}), "body.variant.changes.0"),
    (_variant("us-out", {"op": "grow", "actor": "us", "value": 1}), "body.variant.changes.0.op"),
    (_variant("us-out", {"op": "set_capability", "actor": "us", "value": "much"}), "body.variant.changes.0.value"),
    (_variant("us-out", {"op": "set_capability", "actor": "zz", "value": 1}), "unknown actor 'zz'"),
    (_variant("us-out", {"op": "set_position", "actor": "us", "issue": "nope", "value": 1}), "unknown issue 'nope'"),
    (_variant("us-out", {"op": "set_capability", "actor": "us", "value": -1}), "field 'capability'"),
    (_variant("us-out", {"op": "move_position", "actor": "us", "issue": "aid", "value": 50}), "field 'position'"),
    (_variant("us-out", {"op": "set_salience", "actor": "us", "issue": "aid", "value": 120}), "field 'salience'"),
    (_variant("us-out", {"op": "set_affinity", "actor": "us", "value": 1}), "needs 'other'"),
    (_variant("us-out", base="us-out"), "cycle"),
    (_variant("baseline"), "'baseline' names the unchanged scenario"),
    ({"id": "bad id!", "name": "x"}, "body.variant.id"),
    ({"id": "us-out", "name": "x", "colour": "red"}, "body.variant.colour"),
])
def test_a_bad_variant_is_refused_naming_the_field_and_changes_nothing(client, sid, variant, needle):
    r = client.put(f"/api/scenarios/{sid}/variants/us-out", json={"version": 1, "variant": variant})
    assert r.status_code == 422, r.text
    assert needle in r.json()["detail"]
    after = client.get(f"/api/scenarios/{sid}").json()
    assert after["version"] == 1 and after["scenario"]["variants"][0]["changes"][0]["value"] == 0.25


def test_stale_and_unknown_edits(client, sid):
    edit = {"version": 1, "variant": _variant("us-out")}
    assert client.put(f"/api/scenarios/{sid}/variants/us-out", json=edit).status_code == 200
    r = client.put(f"/api/scenarios/{sid}/variants/us-out", json=edit)  # made on version 1, now at 2
    assert r.status_code == 409 and "changed meanwhile" in r.json()["detail"]
    r = client.put(f"/api/scenarios/{sid}/variants/us-out", json={**edit, "version": 2}, headers={"If-Match": '"x-1"'})
    assert r.status_code == 409
    assert client.delete(f"/api/scenarios/{sid}/theses/t1", params={"version": 1}).status_code == 409
    r = client.delete(f"/api/scenarios/{sid}/variants/nope", params={"version": 2})
    assert r.status_code == 404 and "us-out" in r.json()["detail"]
    assert client.delete(f"/api/scenarios/{sid}/variants/us-out").status_code == 422  # no version
    r = client.post(f"/api/scenarios/{sid}/variants", json={"version": 2, "variant": _variant("us-out")})
    assert r.status_code == 422 and "exists already" in r.json()["detail"]
    assert client.get(f"/api/scenarios/{sid}").json()["version"] == 2


def test_add_edit_and_delete_theses_and_the_verdict_follows(client, sid):
    first = client.get(f"/api/runs/{run_and_wait(client, sid)['run_id']}").json()
    verdict = {(v["thesis"], v["variant"]): v["holds"] for v in first["verdicts"]}
    assert verdict[("t1", "baseline")] is True  # 53.3 < 60
    r = client.put(f"/api/scenarios/{sid}/theses/t1", json={"version": 1, "thesis": _thesis(variant="us-out")})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/scenarios/{sid}/theses", json={"version": 2, "thesis": {
        "id": "t2", "kind": "closer", "claim": "Closer to Russia", "issue": "border", "actor": "ru", "other": "ua",
        "model": "weighted-mean"}})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/scenarios/{sid}/theses", json={"version": 3, "thesis": {
        "id": "t3", "kind": "side", "claim": "The US sides with Ukraine", "actors": ["us"], "with_actor": "ua"}})
    assert r.status_code == 201, r.text
    assert [t["kind"] for t in r.json()["scenario"]["theses"]] == ["threshold", "closer", "side"]
    second = client.get(f"/api/runs/{run_and_wait(client, sid)['run_id']}").json()
    verdict = {(v["thesis"], v["variant"]): v["holds"] for v in second["verdicts"]}
    us_out = weighted_mean([*BORDER[:2], (20, 40, 40)])  # capability 80 × 0.25
    assert (us_out < 50) is verdict[("t1", "us-out")] is False
    assert verdict[("t2", "baseline")] is True  # 53.3: closer to Russia (100) than to Ukraine (0)
    r = client.delete(f"/api/scenarios/{sid}/theses/t2", params={"version": 4})
    assert r.status_code == 200 and [t["id"] for t in r.json()["scenario"]["theses"]] == ["t1", "t3"]


@pytest.mark.parametrize("thesis,needle", [
    (_thesis(op="!="), "body.thesis.threshold.op"),
    (_thesis(kind="guess"), "body.thesis"),
    (_thesis(value=None), "body.thesis.threshold.value"),
    (_thesis(issue="nope"), "unknown issue 'nope'"),
    (_thesis(variant="nope"), "unknown variant 'nope'"),
    (_thesis(model="oracle"), "field 'model': unknown model 'oracle'"),
    ({"id": "t1", "kind": "side", "claim": "c", "actors": [], "with_actor": "ua"}, "field 'actors'"),
    ({"id": "t1", "kind": "side", "claim": "c", "actors": ["xx"], "with_actor": "ua"}, "unknown actor 'xx'"),
    ({"id": "t1", "kind": "closer", "claim": "c", "issue": "border", "actor": "ua"}, "body.thesis.closer.other"),
])
def test_a_bad_thesis_is_refused_naming_the_field(client, sid, thesis, needle):
    r = client.put(f"/api/scenarios/{sid}/theses/t1", json={"version": 1, "thesis": thesis})
    assert r.status_code == 422, r.text
    assert needle in r.json()["detail"]
    assert client.get(f"/api/scenarios/{sid}").json()["version"] == 1


def test_an_infinite_threshold_is_refused(client, sid):
    body = '{"version": 1, "thesis": {"id": "t1", "kind": "threshold", "claim": "c", "issue": "border", "op": "<", ' \
           '"value": 1e999}}'  # JSON's way to say inf
    r = client.put(f"/api/scenarios/{sid}/theses/t1", content=body, headers={"Content-Type": "application/json"})
    detail = r.json()["detail"]  # the thesis record refuses it, naming the field
    assert r.status_code == 422 and "threshold.value" in detail and "must be a finite number" in detail


def test_the_scenario_page_lists_variants_and_theses_with_their_editors(client, sid):
    page = client.get(f"/s/{sid}").text
    assert 'id="variants"' in page and 'data-variant="us-out"' in page
    assert 'id="theses"' in page and 'data-thesis="t1"' in page
    assert 'id="variant-form"' in page and 'id="thesis-form"' in page
