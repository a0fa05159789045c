"""Health, readiness and CORS."""

from __future__ import annotations

from .conftest import wait_for


def test_readyz_reports_a_closed_store(serve, sqlite_registry) -> None:
    """When the store cannot be read, readyz answers 503 and says so; healthz still answers."""
    registry = sqlite_registry()
    running = serve({}, registry=registry)
    registry.close()
    answer = running.client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["error"] == "store_unavailable"
    assert running.client.get("/healthz").status_code == 200


def test_cors_is_off_unless_origins_are_listed(serve) -> None:
    """No CORS headers by default; a listed origin gets them, with the ETag exposed."""
    closed = serve({})
    assert "access-control-allow-origin" not in closed.client.get("/tools", headers={"Origin": "https://a.example"}).headers
    running = serve({"server": {"cors_origins": ["https://a.example"]}})
    answer = running.client.get("/tools", headers={"Origin": "https://a.example"})
    assert answer.headers["access-control-allow-origin"] == "https://a.example"
    assert "ETag" in answer.headers["access-control-expose-headers"]
    preflight = running.client.options("/specs", headers={"Origin": "https://a.example",
                                                           "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200


def test_healthz_answers_while_the_first_load_runs(serve, spec_host) -> None:
    """healthz answers at once; readyz is 503 until the initial load is done, then 200."""
    running = serve({"specs": [{"url": spec_host.url, "allow_private": True}]}, ready=False)
    health = running.client.get("/healthz").json()
    assert health["status"] == "ok" and health["uptime"] >= 0
    first = running.client.get("/readyz")
    assert first.status_code in (200, 503)
    if first.status_code == 503:
        assert first.json()["status"] == "starting"
    wait_for(lambda: running.client.get("/readyz").status_code == 200, what="readiness")
    assert running.client.get("/readyz").json() == {"status": "ready", "version": 1, "specs": 1, "tools": 1,
                                                     "failed": {}}
