"""Tokens: admin for every change, read protection by configuration, secrets never logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from toolsync.server import ROUTES
from toolsync.server.logs import SecretFilter
from toolsync.server.webhook import sign

from .conftest import ADMIN, ADMIN_HEADERS, READ, READ_HEADERS, WEBHOOK, admin_settings, spec_doc, write_spec

ADMIN_ROUTES = [("POST", "/tools/listItems/call"), ("POST", "/specs"), ("DELETE", "/specs/items"),
                ("POST", "/specs/items/reload"), ("POST", "/rollback"), ("POST", "/held/abc/approve"),
                ("POST", "/held/abc/reject")]
READ_ROUTES = [("GET", "/tools"), ("GET", "/tools/listItems"), ("GET", "/specs"), ("GET", "/history"),
               ("GET", "/diff?from=0&to=1"), ("GET", "/held"), ("GET", "/metrics")]
OPEN_ROUTES = [("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/openapi.json")]


def test_every_route_has_an_access_rule() -> None:
    """The lists above cover every route of the API, so a new route cannot slip by untested."""
    covered = {(m, p.split("?")[0]) for m, p in [*ADMIN_ROUTES, *READ_ROUTES, *OPEN_ROUTES]}
    templates = {(method, path) for path, method, _ in ROUTES}
    concrete = {(m, p.replace("{name}", "listItems" if p.startswith("/tools") else "items").replace("{id}", "abc"))
                for m, p in templates}
    assert concrete - covered == {("GET", "/events"), ("POST", "/webhooks/reload")}


@pytest.fixture
def items(spec_dir: Path) -> str:
    path = spec_dir / "items.json"
    write_spec(path, spec_doc(["listItems"], title="Items"))
    return str(path)


def test_admin_calls_need_the_admin_token(serve, items: str) -> None:
    """Without a token: 401 with a challenge; a wrong one: 401; the read token: 403. Nothing changes."""
    running = serve(admin_settings(items, read_token=READ))
    version = running.registry.version
    for method, path in ADMIN_ROUTES:
        bare = running.client.request(method, path, json={})
        assert bare.status_code == 401, (method, path)
        assert bare.json()["error"] == "unauthorized" and bare.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = running.client.request(method, path, json={}, headers={"Authorization": f"Bearer {ADMIN}x"})
        assert wrong.status_code == 401, (method, path)
        assert ADMIN not in wrong.text
        reader = running.client.request(method, path, json={}, headers=READ_HEADERS)
        assert reader.status_code == 403 and reader.json()["error"] == "forbidden", (method, path)
    assert running.registry.version == version and "listItems" in running.registry.snapshot.tools


def test_without_an_admin_token_admin_calls_are_disabled(serve, items: str) -> None:
    """No admin token configured: every admin call is refused (403), whatever is sent."""
    running = serve({"specs": [items]})
    for method, path in ADMIN_ROUTES:
        answer = running.client.request(method, path, json={}, headers={"Authorization": "Bearer anything"})
        assert answer.status_code == 403 and answer.json()["error"] == "admin_disabled", (method, path)


def test_reading_is_open_by_default(serve, items: str) -> None:
    """With no read token every read endpoint answers without a token."""
    running = serve(admin_settings(items))
    for method, path in [*READ_ROUTES, *OPEN_ROUTES]:
        assert running.client.request(method, path).status_code in (200, 404), path


def test_a_read_token_protects_reading(serve, items: str) -> None:
    """With a read token, reads need it (or the admin token); health, readiness and the document stay open."""
    running = serve(admin_settings(items, read_token=READ))
    for method, path in READ_ROUTES:
        assert running.client.request(method, path).status_code == 401, path
        assert running.client.request(method, path, headers=READ_HEADERS).status_code == 200, path
        assert running.client.request(method, path, headers=ADMIN_HEADERS).status_code == 200, path
        assert running.client.request(method, path, headers={"Authorization": "Basic eDp5"}).status_code == 401
    for method, path in OPEN_ROUTES:
        assert running.client.request(method, path).status_code == 200, path
    events = running.client.get("/events")
    assert events.status_code == 401


def test_secrets_never_reach_the_log(serve, items: str, caplog: pytest.LogCaptureFixture) -> None:
    """Tokens and the webhook secret appear in no log record, whatever requests come in."""
    caplog.set_level(logging.DEBUG)
    running = serve(admin_settings(items, read_token=READ))
    client = running.client
    client.get("/tools", headers=READ_HEADERS)
    client.get("/tools", headers={"Authorization": f"Bearer {READ}{ADMIN}"})
    client.post("/specs/items/reload", headers=ADMIN_HEADERS)
    client.post("/rollback", json={"version": 1}, headers={"Authorization": f"Bearer {ADMIN}"})
    body = b'{"spec": "items"}'
    client.post("/webhooks/reload", content=body, headers=sign(WEBHOOK, body))
    client.post("/webhooks/reload", content=body, headers=sign(WEBHOOK + "x", body))
    logging.getLogger("toolsync.server").warning("a careless line with %s and %s", ADMIN, WEBHOOK)
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "careless line" in caplog.text and "webhook refused" in caplog.text
    for secret in (ADMIN, READ, WEBHOOK):
        assert secret not in text


def test_secret_filter_redacts_messages_arguments_and_tracebacks() -> None:
    """The filter replaces secrets in the formatted message and in exception text."""
    secret_filter = SecretFilter(["tok-123456", "tok-123456789"])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "got %s and %s", ("tok-123456789", "tok-123456"),
                               None)
    record.exc_text = "Traceback: tok-123456"
    assert secret_filter.filter(record)
    assert record.getMessage() == "got *** and ***" and record.exc_text == "Traceback: ***"


def test_an_mcp_call_without_its_http_request_is_refused() -> None:
    """Over HTTP the MCP call rule needs the request to see who sent it; without one the call does not run."""
    from starlette.requests import Request

    from toolsync.server.access import Access
    from toolsync.server.http import _call_refusal
    from toolsync.settings import ServerSettings

    access = Access(ServerSettings(tool_calls="read"))
    assert "cannot be checked" in str(_call_refusal(access, None))
    request = Request({"type": "http", "method": "POST", "path": "/mcp", "headers": []})
    assert _call_refusal(access, request) is None
    assert "disabled" in str(_call_refusal(Access(ServerSettings(tool_calls="off")), request))
