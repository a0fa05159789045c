"""``GET /history``, ``GET /diff``, ``POST /rollback`` and held changes."""

from __future__ import annotations

from pathlib import Path

from .conftest import ADMIN_HEADERS, admin_settings, spec_doc, wait_for, write_spec


def _three_versions(serve, spec_dir: Path):
    """A server whose spec went through v1 (a, b), v2 (+c) and v3 (-b)."""
    path = spec_dir / "items.json"
    write_spec(path, spec_doc(["opA", "opB"], title="Items", version="1.0.0"))
    running = serve(admin_settings(str(path)))
    write_spec(path, spec_doc(["opA", "opB", "opC"], title="Items"))
    running.wait_version(2)
    write_spec(path, spec_doc(["opA", "opC"], title="Items"))
    running.wait_version(3)
    return running


def test_history_diff_and_rollback(serve, spec_dir: Path) -> None:
    """History lists versions newest first; diff shows per-spec changes with findings; rollback restores."""
    running = _three_versions(serve, spec_dir)
    client = running.client
    history = client.get("/history").json()["history"]
    assert [e["version"] for e in history] == [3, 2, 1] and history[0]["changes"] == {"opB": None}
    assert [e["version"] for e in client.get("/history", params={"tool": "opC"}).json()["history"]] == [2]
    assert len(client.get("/history", params={"spec": "items", "limit": 1}).json()["history"]) == 1
    diff = client.get("/diff", params={"from": 1, "to": 3}).json()
    [spec] = diff["specs"]
    assert spec["status"] == "changed" and spec["tools"] == {"added": ["opC"], "removed": ["opB"], "updated": []}
    assert diff["breaking"] and spec["report"]["breaking"]
    assert any(f["id"] == "operation.removed" for f in spec["report"]["findings"])
    first = client.get("/diff", params={"from": 0, "to": 1}).json()["specs"][0]
    assert first["status"] == "added" and first["tools"]["added"] == ["opA", "opB"]
    same = client.get("/diff", params={"from": 3, "to": 3}).json()["specs"][0]
    assert same["status"] == "unchanged" and same["report"] is None
    rolled = client.post("/rollback", json={"version": 1}, headers=ADMIN_HEADERS)
    assert rolled.status_code == 200 and rolled.json()["version"] == 4
    assert sorted(rolled.json()["changes"]["added"]) == ["opB"] and rolled.json()["changes"]["removed"] == ["opC"]
    assert sorted(t["name"] for t in client.get("/tools").json()["tools"]) == ["opA", "opB"]


def test_history_and_diff_refuse_bad_parameters(serve, spec_dir: Path) -> None:
    """Unknown versions are 404; missing, negative or non-integer parameters are 422."""
    running = _three_versions(serve, spec_dir)
    client = running.client
    assert client.get("/diff", params={"from": 1, "to": 99}).status_code == 404
    for params in ({"from": 1}, {"from": -1, "to": 2}, {"from": "x", "to": 2}, {"from": "²", "to": 1}):
        answer = client.get("/diff", params=params)
        assert answer.status_code == 422 and answer.json()["error"] == "invalid_request"
    assert client.get("/history", params={"limit": 0}).status_code == 422
    assert client.get("/history", params={"limit": 5000}).status_code == 422
    assert client.post("/rollback", json={"version": 99}, headers=ADMIN_HEADERS).status_code == 404
    assert client.post("/rollback", json={"version": 0}, headers=ADMIN_HEADERS).status_code == 422
    assert client.post("/rollback", json={"version": "1"}, headers=ADMIN_HEADERS).status_code == 422
    conflict = client.post("/rollback", json={"version": 1, "spec": "nope"}, headers=ADMIN_HEADERS)
    assert conflict.status_code == 409 and "nope" in conflict.json()["message"]
    assert running.registry.version == 3


def _held_server(serve, spec_dir: Path):
    path = spec_dir / "items.json"
    write_spec(path, spec_doc(["opA", "opB"], title="Items"))
    running = serve(admin_settings({"source": str(path), "policy": "block"}))
    write_spec(path, spec_doc(["opA", "opB"], title="Items", version="2.0.0", required=("opB",)))
    held = wait_for(lambda: running.client.get("/held").json()["held"], what="a held change")
    return running, held[0]


def test_approve_a_held_change(serve, spec_dir: Path) -> None:
    """A blocked breaking change waits in /held; approving applies it."""
    running, held = _held_server(serve, spec_dir)
    assert held["spec"] == "items" and held["tools"] == ["opB"]
    assert "q" not in running.client.get("/tools/opB").json()["definitions"]["mcp"]["inputSchema"].get("properties", {})
    approved = running.client.post(f"/held/{held['id']}/approve", headers=ADMIN_HEADERS)
    assert approved.status_code == 200 and approved.json()["changes"]["updated"] == ["opB"]
    assert running.client.get("/tools/opB").json()["definitions"]["mcp"]["inputSchema"]["required"] == ["q"]
    assert running.client.get("/held").json()["held"] == []
    assert running.client.post(f"/held/{held['id']}/approve", headers=ADMIN_HEADERS).status_code == 404


def test_reject_a_held_change(serve, spec_dir: Path) -> None:
    """Rejecting a held change keeps the old tool and empties /held."""
    running, held = _held_server(serve, spec_dir)
    version = running.registry.version
    rejected = running.client.post(f"/held/{held['id']}/reject", headers=ADMIN_HEADERS)
    assert rejected.status_code == 200 and rejected.json()["held"]["id"] == held["id"]
    assert running.client.get("/held").json()["held"] == [] and running.registry.version == version
    assert "q" not in running.client.get("/tools/opB").json()["definitions"]["mcp"]["inputSchema"].get("properties", {})
    assert running.client.post("/held/nope/reject", headers=ADMIN_HEADERS).status_code == 404
