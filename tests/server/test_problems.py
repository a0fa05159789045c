"""Errors at the HTTP edge: every toolsync error has a status, and nothing leaks a traceback."""

from __future__ import annotations

import pytest
from starlette.routing import Route

from toolsync import errors
from toolsync.server.problems import ApiError, error_response, status_for

ALL_ERRORS = [getattr(errors, name) for name in errors.__all__]


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.__name__)
def test_every_error_class_maps_to_a_client_or_unavailable_status(cls: type[errors.ToolsyncError]) -> None:
    """No toolsync error becomes a 500: each maps to a 4xx, or 503 for the store."""
    status = status_for(cls("something went wrong", source="x"))
    assert 400 <= status < 500 or status == 503


@pytest.mark.parametrize(("error", "status"), [
    (errors.AuthError("no"), 401), (errors.FetchBlockedError("no"), 403), (errors.ToolNotFoundError("no"), 404),
    (errors.HistoryError("no"), 404), (errors.NameConflictError("no"), 409), (errors.BreakingChangeError("no"), 409),
    (errors.ParseError("no"), 422), (errors.SourceError("no"), 422), (errors.StoreCorruptError("no"), 503),
    (errors.ConfigError("no"), 400), (ApiError(413, "too_large", "no"), 413),
])
def test_specific_statuses(error: errors.ToolsyncError, status: int) -> None:
    """The most specific class decides the status."""
    assert status_for(error) == status


def test_error_body_shape() -> None:
    """A JSON error names the error and the message, plus the source when known."""
    response = error_response(errors.ParseError("bad token", source="spec.yaml", pointer="/paths"))
    assert response.status_code == 422
    assert response.body == (b'{"error":"ParseError","message":"bad token","source":"spec.yaml",'
                             b'"pointer":"/paths"}')


def test_an_unexpected_failure_is_a_json_500_without_a_traceback(serve, caplog: pytest.LogCaptureFixture) -> None:
    """A bug in a handler answers a short JSON 500; the traceback goes to the log only."""
    running = serve({})

    async def boom(request):
        raise RuntimeError("internal detail 42")

    running.app.router.routes.append(Route("/boom", boom))
    answer = running.client.get("/boom")
    assert answer.status_code == 500 and answer.json()["error"] == "internal_error"
    assert "internal detail 42" not in answer.text and "Traceback" not in answer.text
    assert "internal detail 42" in caplog.text
