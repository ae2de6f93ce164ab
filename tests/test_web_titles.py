"""A web upload keeps its file name as the title when the format has no title of its own."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("multipart")

from stakes.io.yaml_io import loads_yaml
from tests.web_fixtures import SMALL_YAML, make_client, upload


def test_table_upload_is_titled_after_its_file_and_yaml_keeps_its_title(tmp_path):
    from stakes.io import save_scenario

    path = tmp_path / "s.csv"
    save_scenario(loads_yaml(SMALL_YAML), path)
    with make_client() as c:
        r = upload(c, path.read_bytes(), name="Talks in Geneva.csv")
        assert r.status_code == 201, r.text
        assert r.json()["scenario"]["title"] == "Talks in Geneva"
        assert r.json()["scenario"]["id"] == "Talks-in-Geneva"
        r = upload(c, SMALL_YAML, name="renamed.yaml")
        assert r.json()["scenario"]["title"] == loads_yaml(SMALL_YAML).title
