"""``GET/POST /specs``, ``DELETE /specs/{name}`` and ``POST /specs/{name}/reload``."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ADMIN_HEADERS, admin_settings, spec_doc, wait_for, write_spec


@pytest.fixture
def items(spec_dir: Path) -> Path:
    path = spec_dir / "items.json"
    write_spec(path, spec_doc(["listItems"], title="Items"))
    return path


def test_list_specs(serve, items: Path, spec_dir: Path) -> None:
    """Registered specs with their status and whether they are watched; failed sources are listed."""
    broken = spec_dir / "broken.json"
    broken.write_text('{"openapi": "3.1.0", "paths": ')
    running = serve({"specs": [str(items), str(broken)]})
    data = running.client.get("/specs").json()
    assert data["version"] == running.registry.version
    [entry] = data["specs"]
    assert entry["name"] == "items" and entry["tools"] == ["listItems"] and entry["watched"] is True
    assert entry["status"] == "ok" and entry["source"] == str(items)
    assert any("broken.json" in key or "broken.json" in text for key, text in data["failures"].items())


def test_add_a_spec_file_under_an_allowed_root(serve, spec_dir: Path, items: Path) -> None:
    """POST /specs registers a file under a root (201), again from the same source (200), then watches it."""
    running = serve(admin_settings(), roots=(str(spec_dir),))
    added = running.client.post("/specs", json={"source": str(items), "namespace": "inv", "policy": "block"},
                                headers=ADMIN_HEADERS)
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["changes"]["added"] == ["inv_listItems"] and body["spec"]["policy"] == "block"
    assert running.client.get("/tools/inv_listItems").status_code == 200
    again = running.client.post("/specs", json={"source": str(items), "namespace": "inv", "policy": "block"},
                                headers=ADMIN_HEADERS)
    assert again.status_code == 200 and again.json()["changes"]["version"] is None
    version = running.registry.version
    write_spec(items, spec_doc(["listItems", "countItems"], title="Items"))
    running.wait_version(version + 1)
    assert "inv_countItems" in running.registry.snapshot.tools
    assert running.client.get("/specs").json()["specs"][0]["watched"] is True


@pytest.mark.parametrize(("where", "status", "needle"), [
    ("outside", 403, "outside the folders"),
    ("folder", 422, "not a folder"),
    ("missing", 422, "no such file"),
])
def test_add_refuses_files_it_may_not_read(serve, tmp_path: Path, spec_dir: Path, where: str, status: int,
                                           needle: str) -> None:
    """Files outside the allowed roots, folders and missing files are refused; nothing is registered."""
    outside = tmp_path / "outside.json"
    write_spec(outside, spec_doc(["secret"]))
    link = spec_dir / "link.json"
    link.symlink_to(outside)
    source = {"outside": str(link), "folder": str(spec_dir), "missing": str(spec_dir / "nope.json")}[where]
    running = serve(admin_settings(), roots=(str(spec_dir),))
    answer = running.client.post("/specs", json={"source": source}, headers=ADMIN_HEADERS)
    assert answer.status_code == status and needle in answer.json()["message"]
    assert running.registry.version == 0


def test_add_without_any_root_refuses_files(serve, items: Path) -> None:
    """With no allowed root, file sources are refused (403)."""
    running = serve(admin_settings())
    answer = running.client.post("/specs", json={"source": str(items)}, headers=ADMIN_HEADERS)
    assert answer.status_code == 403 and "no folder is open" in answer.json()["message"]


def test_add_a_url_goes_through_the_fetch_guard(serve, spec_host) -> None:
    """A URL on a private address is refused by the guard unless allowed; allowed, it is registered and polled."""
    closed = serve(admin_settings())
    refused = closed.client.post("/specs", json={"source": spec_host.url}, headers=ADMIN_HEADERS)
    assert refused.status_code == 403 and refused.json()["error"] == "FetchBlockedError"
    running = serve({**admin_settings(), "fetch": {"allow_private": True}})
    added = running.client.post("/specs", json={"source": spec_host.url, "name": "remote"}, headers=ADMIN_HEADERS)
    assert added.status_code == 201 and added.json()["changes"]["added"] == ["remoteOne"]
    assert running.client.post("/specs", json={"source": "ftp://x/y"}, headers=ADMIN_HEADERS).status_code == 422


def test_add_refuses_a_name_taken_by_another_source(serve, spec_dir: Path, items: Path) -> None:
    """A second source under a registered spec's name is a 409 conflict."""
    other = spec_dir / "other.json"
    write_spec(other, spec_doc(["otherOp"]))
    running = serve(admin_settings(str(items)), roots=(str(spec_dir),))
    answer = running.client.post("/specs", json={"source": str(other), "name": "items"}, headers=ADMIN_HEADERS)
    assert answer.status_code == 409 and answer.json()["error"] == "name_taken"
    assert "otherOp" not in running.registry.snapshot.tools


@pytest.mark.parametrize(("body", "status", "needle"), [
    ({}, 422, "source is required"),
    ({"source": ""}, 422, "source must not be empty"),
    ({"source": 7}, 422, "source must be a string"),
    ({"source": "x.json", "policy": "sometimes"}, 422, "policy must be one of allow, warn, block"),
    ({"source": "x.json", "extra": 1}, 422, "unknown field 'extra'"),
    ({"source": "PLACEHOLDER", "namespace": "9bad space"}, 422, "namespace"),
])
def test_add_validates_its_body(serve, spec_dir: Path, items: Path, body: dict, status: int, needle: str) -> None:
    """Every malformed POST /specs body is a 4xx naming the field."""
    if body.get("source") == "PLACEHOLDER":
        body = {**body, "source": str(items)}
    running = serve(admin_settings(), roots=(str(spec_dir),))
    answer = running.client.post("/specs", json=body, headers=ADMIN_HEADERS)
    assert answer.status_code == status and needle in answer.json()["message"], answer.text


def test_add_an_invalid_spec(serve, spec_dir: Path) -> None:
    """A file that is not a usable spec is a 422 saying why; the registry is unchanged."""
    bad = spec_dir / "bad.json"
    bad.write_text('{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {"/a": {"get": 5}}}')
    running = serve(admin_settings(), roots=(str(spec_dir),))
    answer = running.client.post("/specs", json={"source": str(bad)}, headers=ADMIN_HEADERS)
    assert answer.status_code == 422 and answer.json()["error"].endswith("Error")
    assert "bad.json" in answer.json().get("source", "") + answer.json()["message"]
    assert running.registry.version == 0


def test_remove_a_spec(serve, items: Path) -> None:
    """DELETE /specs/{name} unregisters the spec's tools; an unknown name is 404."""
    running = serve(admin_settings(str(items)))
    removed = running.client.delete("/specs/items", headers=ADMIN_HEADERS)
    assert removed.status_code == 200 and removed.json()["changes"]["removed"] == ["listItems"]
    assert running.client.get("/tools/listItems").status_code == 404
    assert running.client.delete("/specs/items", headers=ADMIN_HEADERS).status_code == 404


def test_remove_an_added_spec_stops_watching_it(serve, spec_dir: Path, items: Path) -> None:
    """A spec added over HTTP and then removed is no longer reloaded when its file changes."""
    running = serve(admin_settings(), roots=(str(spec_dir),))
    assert running.client.post("/specs", json={"source": str(items)}, headers=ADMIN_HEADERS).status_code == 201
    assert running.client.delete("/specs/items", headers=ADMIN_HEADERS).status_code == 200
    version = running.registry.version
    write_spec(items, spec_doc(["listItems", "more"], title="Items"))
    assert running.client.post("/specs/items/reload", headers=ADMIN_HEADERS).status_code == 404
    assert running.registry.version == version and not running.client.get("/specs").json()["specs"]


def test_reload_answers_with_the_outcome(serve, items: Path) -> None:
    """POST /specs/{name}/reload reloads now: unchanged, applied, or 422 when the spec broke."""
    running = serve(admin_settings(str(items)))
    same = running.client.post("/specs/items/reload", headers=ADMIN_HEADERS)
    assert same.status_code == 200 and same.json()["outcome"] == "unchanged"
    items.write_text('{"openapi": "3.1.0", "info": {"title": "Items", "version": "2"}, "paths": \n')
    failed = running.client.post("/specs/items/reload", headers=ADMIN_HEADERS)
    assert failed.status_code == 422 and failed.json()["outcome"]["outcome"] == "failed"
    assert running.client.get("/tools/listItems").status_code == 200
    assert running.client.get("/specs").json()["specs"][0]["status"] == "failed"
    assert running.client.post("/specs/nope/reload", headers=ADMIN_HEADERS).status_code == 404


def test_a_spec_that_fails_at_start_does_not_stop_the_server(serve, items: Path, spec_dir: Path) -> None:
    """The server starts with a broken spec; readyz names it and the good ones are served."""
    broken = spec_dir / "broken.json"
    broken.write_text("{nope")
    running = serve({"specs": [str(items), str(broken)]})
    ready = running.client.get("/readyz").json()
    assert ready["status"] == "degraded" and any("broken.json" in k + v for k, v in ready["failed"].items())
    assert running.client.get("/tools/listItems").status_code == 200
    write_spec(broken, spec_doc(["fixed"], title="Fixed"))
    wait_for(lambda: "fixed" in running.registry.snapshot.tools, what="the fixed spec to load")
    assert running.client.get("/readyz").json()["status"] == "ready"
