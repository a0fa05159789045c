"""``GET /tools``, ``GET /tools/{name}`` and ``POST /tools/{name}/call`` on a real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.upstream.app import API_KEY, OPENAPI

from .conftest import ADMIN_HEADERS, admin_settings, spec_doc, write_spec


@pytest.fixture
def two_specs(spec_dir: Path) -> list[str]:
    """Two spec files: items (2 tools, tag items) and orders (1 tool, tag orders)."""
    items, orders = spec_dir / "items.json", spec_dir / "orders.json"
    write_spec(items, spec_doc(["listItems", "getItem"], title="Items"))
    write_spec(orders, spec_doc(["listOrders"], title="Orders", tag="orders"))
    return [str(items), str(orders)]


def test_list_tools_per_provider_with_filters(serve, two_specs) -> None:
    """Tools come in the provider's format; spec and tag filters narrow them; the version is in a header."""
    running = serve({"specs": two_specs})
    body = running.client.get("/tools", params={"provider": "anthropic"})
    assert body.status_code == 200 and body.headers["X-Toolsync-Version"] == str(running.registry.version)
    data = body.json()
    assert data["provider"] == "anthropic" and data["version"] == running.registry.version
    assert sorted(t["name"] for t in data["tools"]) == ["getItem", "listItems", "listOrders"]
    assert all("input_schema" in t for t in data["tools"])
    default = running.client.get("/tools").json()
    assert default["provider"] == "openai" and all(t["type"] == "function" for t in default["tools"])
    by_spec = running.client.get("/tools", params={"provider": "mcp", "spec": "orders"}).json()["tools"]
    assert [t["name"] for t in by_spec] == ["listOrders"] and "inputSchema" in by_spec[0]
    by_tag = running.client.get("/tools", params={"provider": "gemini", "tag": "items"}).json()["tools"]
    assert sorted(t["name"] for t in by_tag) == ["getItem", "listItems"]


def test_etag_and_if_none_match(serve, two_specs, spec_dir: Path) -> None:
    """The same snapshot answers 304 to its ETag; a filter or a commit changes the ETag."""
    running = serve({"specs": two_specs})
    first = running.client.get("/tools", params={"provider": "openai"})
    etag = first.headers["ETag"]
    again = running.client.get("/tools", params={"provider": "openai"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    assert running.client.get("/tools", headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert running.client.get("/tools", params={"provider": "anthropic"},
                              headers={"If-None-Match": etag}).status_code == 200
    assert running.client.get("/tools", params={"spec": "items"}).headers["ETag"] != etag
    version = running.registry.version
    write_spec(spec_dir / "orders.json", spec_doc(["listOrders", "getOrder"], title="Orders", tag="orders"))
    running.wait_version(version + 1)
    changed = running.client.get("/tools", params={"provider": "openai"}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert len(changed.json()["tools"]) == 4


def test_get_one_tool(serve, two_specs) -> None:
    """One tool in every format, or in one; unknown tools and unrendered providers are JSON 404s."""
    running = serve({"specs": two_specs})
    every = running.client.get("/tools/getItem").json()
    assert every["spec"] == "items" and every["operation"] == "GET /getItem" and every["tags"] == ["items"]
    assert {"openai", "anthropic", "gemini", "mcp"} <= set(every["definitions"])
    one = running.client.get("/tools/getItem", params={"provider": "openai-chat"}).json()
    assert one["provider"] == "openai-chat" and one["definition"]["function"]["name"] == "getItem"
    missing = running.client.get("/tools/nope")
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_tool" and "nope" in missing.json()["message"]
    bad = running.client.get("/tools/getItem", params={"provider": "cohere"})
    assert bad.status_code == 422 and "cohere" in bad.json()["message"]


@pytest.fixture
def upstream_spec(spec_dir: Path, upstream_url: str) -> str:
    path = spec_dir / "upstream.json"
    path.write_text(json.dumps(OPENAPI))
    return str(path)


def test_call_reaches_the_upstream_api_with_credentials(serve, upstream_spec, upstream_url, monkeypatch) -> None:
    """A call goes to the configured server URL with the credential read from the named variable."""
    monkeypatch.setenv("UPSTREAM_TEST_KEY", API_KEY)
    entry = {"source": upstream_spec, "server_url": upstream_url, "allow_private": True,
             "credentials": {"apiKeyHeader": "UPSTREAM_TEST_KEY"}}
    running = serve(admin_settings(entry))
    pet = running.client.post("/tools/getPet/call", json={"arguments": {"petId": 1}}, headers=ADMIN_HEADERS)
    assert pet.status_code == 200
    result = pet.json()["result"]
    assert result["ok"] and result["status"] == 200 and result["body"]["name"] == "Rex"
    auth = running.client.post("/tools/authHeader/call", json={}, headers=ADMIN_HEADERS).json()["result"]
    assert auth["ok"] and auth["body"] == {"authenticated": True, "scheme": "header"}
    assert API_KEY not in json.dumps(auth)
    wrong = running.client.post("/tools/getPet/call", json={"arguments": {"petId": "one"}}, headers=ADMIN_HEADERS)
    assert wrong.status_code == 200 and wrong.json()["result"]["error"]["type"] == "invalid_arguments"


def test_call_with_a_stale_schema_hash_is_not_sent(serve, upstream_spec, upstream_url) -> None:
    """A caller that saw an older version of the tool gets tool_changed with the new schema."""
    running = serve(admin_settings({"source": upstream_spec, "server_url": upstream_url, "allow_private": True}))
    answer = running.client.post("/tools/getPet/call", json={"arguments": {"petId": 1}, "schema_hash": "0" * 64},
                                 headers=ADMIN_HEADERS).json()
    assert answer["result"]["error"]["type"] == "tool_changed"
    assert answer["result"]["error"]["input_schema"]["required"] == ["petId"]


def test_call_access_follows_the_tool_calls_setting(serve, two_specs) -> None:
    """tool_calls=admin needs the admin token, off refuses everyone, read follows the read rule."""
    admin = serve(admin_settings(*two_specs))
    assert admin.client.post("/tools/getItem/call", json={}).status_code == 401
    off = serve(admin_settings(*two_specs, tool_calls="off"))
    refused = off.client.post("/tools/getItem/call", json={}, headers=ADMIN_HEADERS)
    assert refused.status_code == 403 and refused.json()["error"] == "tool_calls_disabled"
    read = serve(admin_settings(*two_specs, tool_calls="read"))
    answered = read.client.post("/tools/getItem/call", json={"arguments": {}})
    assert answered.status_code == 200 and answered.json()["result"]["error"]["type"] == "blocked"


@pytest.mark.parametrize(("body", "status", "needle"), [
    (b"{", 400, "not valid JSON"),
    (b"[1]", 422, "must be a JSON object"),
    (b'{"arguments": 3}', 422, "arguments must be a JSON object"),
    (b'{"argumnets": {}}', 422, "unknown field 'argumnets'"),
])
def test_bad_call_bodies(serve, two_specs, body: bytes, status: int, needle: str) -> None:
    """Malformed call bodies are refused with a JSON error, never a 500."""
    running = serve(admin_settings(*two_specs))
    answer = running.client.post("/tools/getItem/call", content=body, headers=ADMIN_HEADERS)
    assert answer.status_code == status and needle in answer.json()["message"]


def test_body_size_cap(serve, two_specs) -> None:
    """A body over server.max_body_bytes is refused with 413, announced or streamed."""
    running = serve(admin_settings(*two_specs, max_body_bytes=2048))
    big = b'{"arguments": {"x": "' + b"a" * 4096 + b'"}}'
    assert running.client.post("/tools/getItem/call", content=big, headers=ADMIN_HEADERS).status_code == 413

    def chunks():
        yield big

    streamed = running.client.post("/tools/getItem/call", content=chunks(), headers=ADMIN_HEADERS)
    assert streamed.status_code == 413 and streamed.json()["error"] == "too_large"
