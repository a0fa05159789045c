"""The API's own OpenAPI document: complete, valid, served, and loadable by toolsync itself."""

from __future__ import annotations

from openapi_spec_validator import validate

from toolsync.limits import FetchPolicy
from toolsync.pipeline import compile_from_spec
from toolsync.server import ROUTES, api_document
from toolsync.server.openapi import OPERATIONS
from toolsync.spec.loader import load_spec


def test_every_route_is_documented_and_nothing_else() -> None:
    """The document's operations are exactly the app's routes."""
    assert set(OPERATIONS) == {(method, path) for path, method, _ in ROUTES}


def test_the_document_is_valid_openapi_3_1() -> None:
    """openapi-spec-validator accepts the document."""
    validate(api_document("http://127.0.0.1:8765"))


def test_toolsync_turns_the_document_into_one_tool_per_operation() -> None:
    """Loading the document with toolsync gives one operation and one tool per route."""
    spec = load_spec(api_document("http://127.0.0.1:8765"))
    assert len(spec.operations) == len(ROUTES)
    compiled = compile_from_spec(spec)
    expected = {op["operationId"] for item in api_document()["paths"].values() for op in item.values()}
    assert set(compiled.tools) == expected
    for provider in ("openai", "anthropic", "gemini", "mcp"):
        assert set(compiled.rendered[provider]) == expected, provider
    call = compiled.tools["callTool"]
    assert {b.argument for b in call.bindings} >= {"name", "arguments"}


def test_the_served_document_loads_from_the_server(serve) -> None:
    """GET /openapi.json serves the document with the server's own URL; load_spec reads it from there."""
    running = serve({})
    served = running.client.get("/openapi.json").json()
    assert served == api_document(running.url)
    spec = load_spec(running.url + "/openapi.json", fetch=FetchPolicy(allow_private=True))
    assert spec.title == "toolsync" and len(spec.operations) == len(ROUTES)
    assert spec.servers[0].url == running.url
