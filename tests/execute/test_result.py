"""ToolResult, check_current and the package's public names."""

from __future__ import annotations

from dataclasses import replace

import orjson

from toolsync import execute
from toolsync.execute import ErrorType, ToolResult, check_current

from .helpers import make_tool, operation, param

TOOL = make_tool(operation("get", "/pets/{id}", [param("id", "path")]), name="getPet", content_hash="h1")


def test_check_current_same_tool() -> None:
    """The same content hash means the call may go ahead."""
    assert check_current(TOOL, replace(TOOL)) is None


def test_check_current_changed_tool() -> None:
    """A changed tool yields tool_changed with the new input schema."""
    new_schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    current = replace(TOOL, input_schema=new_schema, content_hash="h2", spec_version="2.0")
    result = check_current(TOOL, current)
    assert result is not None and not result.ok
    assert result.error == {
        "type": "tool_changed", "tool": "getPet", "removed": False, "input_schema": new_schema,
        "spec_version": "2.0",
        "message": "tool 'getPet' changed when its spec was reloaded; check the new input schema and call again",
    }


def test_check_current_removed_tool() -> None:
    """A removed tool yields tool_changed marked removed."""
    result = check_current(TOOL, None)
    assert result is not None and result.error is not None
    assert (result.error["type"], result.error["removed"]) == ("tool_changed", True)


def test_model_text_of_errors_is_compact_json() -> None:
    """Errors reach the model as one compact JSON object."""
    result = ToolResult.failure(ErrorType.BLOCKED, "host not allowed", host="x.example")
    assert result.to_model_text() == '{"error":{"type":"blocked","message":"host not allowed","host":"x.example"}}'


def test_model_text_of_http_error_keeps_body() -> None:
    """An http_error shows the API's own body to the model, after the error."""
    result = ToolResult(ok=False, status=422, body={"detail": "bad"}, text='{"detail":"bad"}',
                        error={"type": "http_error", "status": 422, "message": "the API answered 422"})
    assert orjson.loads(result.to_model_text()) == {"error": result.error, "body": {"detail": "bad"}}


def test_to_dict_is_json_ready() -> None:
    """to_dict round-trips through JSON."""
    result = ToolResult(ok=True, status=200, content_type="application/json", body=[1], text="[1]",
                        elapsed_ms=12.345)
    assert orjson.loads(orjson.dumps(result.to_dict()))["elapsed_ms"] == 12.3


def test_public_names_sorted_and_present() -> None:
    """__all__ lists every public name of toolsync.execute, sorted."""
    assert execute.__all__ == sorted(execute.__all__)
    for name in execute.__all__:
        assert hasattr(execute, name)
