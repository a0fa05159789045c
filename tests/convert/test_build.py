"""build_tools / build_tool: names, descriptions, hints, output schemas, hashes and reuse."""

from __future__ import annotations

import dataclasses

import pytest

from tests.convert.builders import body, ok, op, param, spec
from toolsync.convert import ToolOptions, build_tool, build_tools
from toolsync.errors import ConfigError
from toolsync.ir import Severity
from toolsync.tool import NoteKind


def test_tools_are_sorted_and_bad_operations_skipped() -> None:
    """Tools come sorted by name; an operation that cannot convert is a skipped diagnostic."""
    build = build_tools(spec(op("get", "/b", "zeta"), op("get", "/a", "alpha"), op("get", "/c/{x}", "broken")))
    assert [t.name for t in build.tools] == ["alpha", "zeta"]
    (skipped,) = build.skipped
    assert skipped.severity == Severity.WARNING and "GET /c/{x}" in skipped.message and skipped.source == "pets.yaml"


def test_clash_is_reported_as_a_build_note() -> None:
    """A name changed by a clash is explained in ToolBuild.notes."""
    build = build_tools(spec(op("get", "/a/{x}", params=(param("x", "path"),)), op("get", "/a/x")))
    assert len(build.notes) == 2 and all(n.code == "naming.clash" for n in build.notes)


@pytest.mark.parametrize(("method", "hints"), [
    ("get", {"readOnlyHint": True, "openWorldHint": True}),
    ("delete", {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": True, "openWorldHint": True}),
    ("put", {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": True, "openWorldHint": True}),
    ("patch", {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False, "openWorldHint": True}),
    ("post", {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False, "openWorldHint": True}),
])
def test_annotations_follow_the_method(method: str, hints: dict[str, bool]) -> None:
    """Each HTTP method maps to documented MCP hints."""
    assert dict(build_tool(op(method, "/x"), spec_name="t").annotations) == hints


def test_annotations_can_be_overridden() -> None:
    """The x-toolsync-annotations extension, then the option (by key or operationId), win; bad values are noted."""
    operation = op("post", "/search", "search", extensions={"x-mcp-annotations": {"readOnlyHint": True, "x": 1}})
    t = build_tool(operation, spec_name="t",
                   options=ToolOptions(annotations={"search": {"idempotentHint": True}}))
    assert t.annotations["readOnlyHint"] is True and t.annotations["idempotentHint"] is True
    assert [n.kind for n in t.notes] == [NoteKind.DROPPED]


def test_description_title_and_deprecation() -> None:
    """Title from the summary; a deprecated operation says so first; an empty one falls back to method and path."""
    t = build_tool(op("get", "/x", "x", summary="  Find\nthings ", description="Finds things.", deprecated=True),
                   spec_name="t")
    assert t.title == "Find things"
    assert t.description == "Deprecated: Find\nthings\n\nFinds things."
    bare = build_tool(op("get", "/y", "y"), spec_name="t")
    assert bare.title == "y" and bare.description == "GET /y"


def test_description_budget() -> None:
    """Descriptions beyond the budget are cut with '…' and a TRUNCATED note."""
    t = build_tool(op("get", "/x", "x", description="word " * 100), spec_name="t",
                   options=ToolOptions(description_budget=40))
    assert len(t.description) <= 40 and t.description.endswith("…")
    assert any(n.kind == NoteKind.TRUNCATED for n in t.notes)


def test_output_schema_is_the_json_success_response() -> None:
    """The first 2xx JSON response becomes output_schema, without writeOnly properties, with its $defs."""
    node = {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}
    response = {"type": "object", "properties": {"pw": {"type": "string", "writeOnly": True},
                                                  "root": {"$ref": "#/$defs/Node"}}}
    t = build_tool(op("get", "/x", "x", responses=(ok({"type": "string"}, "404"), ok(response, "201")),
                      defs={"Node": node, "Unused": {}}), spec_name="t")
    assert t.output_schema == {"type": "object", "properties": {"root": {"$ref": "#/$defs/Node"}},
                               "$defs": {"Node": node}}
    text = build_tool(op("get", "/x", "x", responses=(ok({"type": "string"}, "200", "text/plain"),)), spec_name="t")
    assert text.output_schema is None


def test_content_hash_tracks_what_callers_see() -> None:
    """Equal inputs give equal hashes; a changed parameter, description or output changes it."""
    def make(**kw: object) -> str:
        base = {"params": (param("q"),), "responses": (ok({"type": "object"}),), "summary": "s"}
        return build_tool(op("get", "/x", "x", **{**base, **kw}), spec_name="t").content_hash

    first = make()
    assert first == make() and len(first) == 64
    assert len({first, make(params=(param("q", required=True),)), make(summary="other"),
                make(responses=(ok({"type": "array"}),))}) == 4


def test_unchanged_operations_are_reused() -> None:
    """With reuse, an equal operation under the same name keeps its Tool object; a changed one is rebuilt."""
    a, b = op("get", "/a", "a", summary="A"), op("get", "/b", "b", summary="B")
    first = build_tools(spec(a, b))
    previous = {t.operation_key: t for t in first.tools}
    changed = dataclasses.replace(b, summary="B2")
    second = build_tools(spec(dataclasses.replace(a), changed, version="2.0.0"), reuse=previous)
    by_name = {t.name: t for t in second.tools}
    assert second.reused == ("GET /a",)
    assert by_name["a"].content_hash == previous["GET /a"].content_hash and by_name["a"].spec_version == "2.0.0"
    assert by_name["b"].description == "B2"
    renamed = build_tools(spec(a, b), ToolOptions(namespace="ns"), reuse=previous)
    assert renamed.reused == ()


@pytest.mark.parametrize("options", [
    {"namespace": "1bad"}, {"namespace": "has space"}, {"description_budget": 3},
    {"gemini_recursion_depth": 0}, {"body_argument": "a b"},
])
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    """Options that would produce invalid tools raise ConfigError with a reason."""
    with pytest.raises(ConfigError):
        ToolOptions(**options)  # type: ignore[arg-type]


def test_schema_values_json_cannot_hold_fail_the_operation() -> None:
    """An integer beyond 64 bits in a schema skips the operation with a reason instead of crashing."""
    build = build_tools(spec(op("get", "/x", "x", params=(param("n", schema={"type": "integer", "maximum": 2**70}),))))
    assert not build.tools and "cannot be written as JSON" in build.skipped[0].message


def test_unresolved_ref_fails_the_operation() -> None:
    """A $ref the front end left unresolved is reported, not rendered."""
    build = build_tools(spec(op("post", "/x", "x", request_body=body({"$ref": "#/components/schemas/Gone"}),
                                defs={"Other": {}})))
    assert "was not resolved" in build.skipped[0].message
