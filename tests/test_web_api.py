"""The web app's JSON API and pages, in-process (FastAPI TestClient): the happy path and every abuse case."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("multipart")

from stakes.io.yaml_io import loads_yaml
from stakes.web import Limits
from tests.web_fixtures import (
    SMALL_YAML,
    XSS,
    XSS_YAML,
    make_client,
    many_actors_csv,
    run_and_wait,
    upload,
)


@pytest.fixture
def client():
    with make_client() as c:
        yield c



# -- listing, upload, download -------------------------------------------------------------------------
def test_lists_models_and_builtins(client):
    ids = {m["id"] for m in client.get("/api/models").json()}
    assert {"mean", "weighted-mean", "weighted-median"} <= ids
    from stakes.scenarios import builtin_names

    assert client.get("/api/builtins").json() == builtin_names()


def test_upload_yaml_round_trips_through_download(client):
    r = upload(client, SMALL_YAML)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["version"] == 1 and body["n_actors"] == 3 and r.headers["ETag"] == f'"{body["id"]}-1"'
    assert [e["id"] for e in client.get("/api/scenarios").json()] == [body["id"]]
    yaml_text = client.get(f"/api/scenarios/{body['id']}/scenario.yaml").text
    assert loads_yaml(yaml_text) == loads_yaml(SMALL_YAML)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_upload_csv_and_xlsx(client, tmp_path: Path, suffix: str):
    pytest.importorskip("openpyxl")
    from stakes.io import save_scenario

    path = tmp_path / f"s{suffix}"
    save_scenario(loads_yaml(SMALL_YAML), path)
    r = upload(client, path.read_bytes(), name=f"talks{suffix}")
    assert r.status_code == 201, r.text
    assert r.json()["n_actors"] == 3 and r.json()["n_issues"] == 2


def test_builtin_copy_and_unknown_builtin(client):
    from stakes.scenarios import builtin_names, builtin_text

    for name in builtin_names():
        try:
            builtin_text(name)
        except FileNotFoundError:  # the built-in file is written by another part of the project
            continue
        assert client.post("/api/scenarios/builtin", json={"name": name}).status_code == 201
    r = client.post("/api/scenarios/builtin", json={"name": "../../etc/passwd"})
    assert r.status_code == 404 and "no built-in scenario" in r.json()["detail"]


# -- malformed and huge input -----------------------------------------------------------------------------
def test_malformed_upload_names_file_and_row(client):
    r = upload(client, "title: x\nactors: [\n", name="broken.yaml")
    assert r.status_code == 422
    assert "broken.yaml" in r.json()["detail"] and "YAML" in r.json()["detail"]
    r = upload(client, SMALL_YAML.replace("salience: 90", "salience: 190"), name="high.yaml")
    assert r.status_code == 422 and "salience" in r.json()["detail"] and "high.yaml" in r.json()["detail"]
    r = upload(client, b"\x00\x01binary", name="x.exe")
    assert r.status_code == 422 and "unsupported file type" in r.json()["detail"]
    r = upload(client, b"   ", name="empty.yaml")
    assert r.status_code == 422 and "empty" in r.json()["detail"]
    assert client.get("/api/scenarios").json() == []  # nothing stored


def test_huge_upload_is_refused_before_parsing():
    with make_client(limits=Limits(max_upload_bytes=5_000)) as c:
        r = upload(c, SMALL_YAML + "#" * 10_000)
        assert r.status_code == 413 and "5,000 bytes" in r.json()["detail"]
        # a body without Content-Length (chunked) is counted as it arrives

        def chunks():
            for _ in range(20):
                yield b"x" * 1_000

        r = c.post("/api/scenarios", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert c.get("/api/scenarios").json() == []


def test_ten_thousand_actors_are_refused_with_the_limit_named(client):
    r = upload(client, many_actors_csv(10_000), name="crowd.csv")
    assert r.status_code == 413
    detail = r.json()["detail"]
    assert "10000 actors" in detail and "max_actors" in detail and "command line" in detail
    assert client.get("/api/scenarios").json() == []


def test_path_like_names_never_reach_the_filesystem(client):
    r = upload(client, SMALL_YAML, name="../../etc/passwd.yaml")
    assert r.status_code == 201 and r.json()["origin"] == "upload passwd.yaml"
    r = upload(client, SMALL_YAML, name="../../etc/passwd")
    assert r.status_code == 422 and "unsupported file type" in r.json()["detail"]
    for url in ("/api/scenarios/..%2F..%2Fetc%2Fpasswd", "/api/scenarios/../../etc/passwd",
                "/s/..%2F..%2Fetc%2Fpasswd", "/api/runs/..%2F..%2Fetc%2Fpasswd/results.csv",
                "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/api/scenarios/0123456789abcdef"):
        r = client.get(url)
        assert r.status_code in (404, 422), url
        assert "root:" not in r.text


def test_html_in_names_is_escaped_on_every_page(client):
    sid = upload(client, XSS_YAML, name="xss.yaml").json()["id"]
    job = run_and_wait(client, sid, models=["weighted-mean"])
    assert job["status"] == "done", job
    for url in ("/", f"/s/{sid}", f"/runs/{job['run_id']}", "/compare"):
        page = client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page, url
    assert "&lt;script&gt;alert(" in client.get(f"/s/{sid}").text
    report = client.get(f"/api/runs/{job['run_id']}/report.html").text
    assert "<script>alert(" not in report and "<img src=x onerror" not in report
    # the JSON API returns the names as data; the page's JavaScript writes them with textContent
    assert client.get(f"/api/runs/{job['run_id']}").json()["actors"][0]["name"] == XSS
    js = client.get("/static/app.js").text
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js
    assert "script-src 'self'" in client.get("/").headers["Content-Security-Policy"]


# -- editing and concurrency ------------------------------------------------------------------------------
def test_table_edit_stale_version_gets_409_and_changes_nothing(client):
    sid = upload(client, SMALL_YAML).json()["id"]
    edit = {"version": 1, "cells": [{"actor": "us", "issue": "border", "salience": 90}]}
    first = client.patch(f"/api/scenarios/{sid}/table", json=edit)
    assert first.status_code == 200 and first.json()["version"] == 2
    second = client.patch(f"/api/scenarios/{sid}/table",
                          json={"version": 1, "cells": [{"actor": "us", "issue": "border", "salience": 5}]})
    assert second.status_code == 409 and "version 1" in second.json()["detail"]
    r = client.put(f"/api/scenarios/{sid}", headers={"If-Match": '"whatever-1"'},
                   json={"version": 2, "scenario": first.json()["scenario"]})
    assert r.status_code == 409
    now = client.get(f"/api/scenarios/{sid}").json()
    assert now["version"] == 2
    assert [s["salience"] for s in now["scenario"]["stances"] if s["actor"] == "us" and s["issue"] == "border"] == [90]


def test_invalid_edits_are_refused_whole(client):
    sid = upload(client, SMALL_YAML).json()["id"]
    before = client.get(f"/api/scenarios/{sid}").json()
    bad = [
        {"version": 1, "cells": [{"actor": "us", "issue": "aid", "position": 5},
                                  {"actor": "us", "issue": "aid", "position": 50}]},  # outside 0..10
        {"version": 1, "cells": [{"actor": "nobody", "issue": "aid", "salience": 5}]},
        {"version": 1, "cells": [{"actor": "us", "issue": "aid", "salience": 101}]},
        {"version": 1, "actors": [{"id": "us", "capability": -1}]},
    ]
    for edit in bad:
        r = client.patch(f"/api/scenarios/{sid}/table", json=edit)
        assert r.status_code == 422, (edit, r.text)
    assert "position 50" in client.patch(f"/api/scenarios/{sid}/table", json=bad[0]).json()["detail"]
    assert client.get(f"/api/scenarios/{sid}").json() == before
