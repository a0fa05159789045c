"""The fast paths of loading and compiling give the same answers as the slow ones they stand in for."""

from __future__ import annotations

import gc
import itertools
import json
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolsync.config import SpecConfig
from toolsync.errors import LimitError, ParseError, SpecError
from toolsync.gates import check_spec, check_tool, shared_schemas
from toolsync.gates._structure import local_refs_resolve, ref_errors
from toolsync.limits import Limits
from toolsync.pipeline import VALIDATOR_MAX_ENTRIES, compile_spec
from toolsync.registry import Registry
from toolsync.spec._depth import _json_brackets, _nests_within, check_json_depth
from toolsync.spec.loader import load_spec
from toolsync.spec.parse import parse_document, parse_source


def spec_with(paths: int, *, description: str = "Read one item.", extra: dict[str, Any] | None = None
              ) -> dict[str, Any]:
    """An OpenAPI 3.0 spec with ``paths`` path items that share one component schema."""
    items = {f"/items{i}/{{id}}": {"get": {
        "operationId": f"getItem{i}", "description": description if i == 0 else f"Read item kind {i}.",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Item"}}}}}}} for i in range(paths)}
    item = {"type": "object", "properties": {"id": {"type": "string"}, "size": {"type": "integer",
                                                                               "nullable": True}}}
    return {"openapi": "3.0.3", "info": {"title": "Items", "version": "1.0.0"},
            "servers": [{"url": "https://api.example.com"}], "paths": items,
            "components": {"schemas": {"Item": item, **(extra or {})}}}


def write(path: Path, document: dict[str, Any]) -> str:
    path.write_bytes(orjson.dumps(document))
    return str(path)


# --------------------------------------------------------------------------------------------- refs


@pytest.mark.parametrize(("document", "clean"), [
    ({"paths": {"/a": {"$ref": "#/components/pathItems/A"}}, "components": {"pathItems": {"A": {}}}}, True),
    ({"paths": {"/a": {"$ref": "#/components/pathItems/Missing"}}}, False),
    ({"x": {"$ref": "#/y"}, "y": {"$ref": "#/x"}}, False),
    ({"paths": {}, "components": {"examples": {"e": {"value": {"$ref": "#/nowhere"}}}}}, True),
    ({"a": {"$ref": "#/b~1c"}, "b/c": {}}, True),
    ({"a": {"$ref": "other.yaml#/x"}}, True),
])
def test_quick_ref_check_agrees_with_the_walk(document: dict[str, Any], clean: bool) -> None:
    """When the quick check says every local ref resolves, the full walk finds nothing either."""
    found = ref_errors(document, "spec.json")
    if local_refs_resolve(document):
        assert found == []
    assert (not found) is clean


def test_quick_ref_check_declines_escaped_refs() -> None:
    """A ref whose JSON text holds an escape is left to the walk, which decodes it."""
    assert not local_refs_resolve({"a": {"$ref": '#/b"c'}, 'b"c': {}})
    assert ref_errors({"a": {"$ref": '#/b"c'}, 'b"c': {}}, "spec.json") == []


@pytest.mark.parametrize(("document", "clean"), [
    ({"paths": {"/a": {"$ref": "#/components/pathItems/A"}}, "components": {"pathItems": {"A": {}}}}, True),
    ({"paths": {"/a": {"$ref": "#/components/pathItems/Missing"}}}, False),
    ({"x": {"$ref": "#/y"}, "y": {"$ref": "#/x"}}, False),
    ({"a": {"$ref": "#/b~1c"}, "b/c": {}, "d": "\"$ref\":\"#/nowhere\""}, True),
    ({"a": {"$ref": "other.yaml#/x"}, "b": [{"$ref": "#/a"}]}, True),
])
def test_refs_listed_while_parsing_give_the_quick_check_its_answer(document: dict[str, Any], clean: bool) -> None:
    """The refs a first JSON parse lists are exactly the ones the quick check reads from its own dump."""
    parsed = parse_source(orjson.dumps(document), source="spec.json", limits=Limits(), want_refs=True)
    assert parsed.document == document
    assert parsed.refs is not None
    assert local_refs_resolve(document, refs=parsed.refs) is local_refs_resolve(document) is clean


@pytest.mark.parametrize(("data", "want"), [
    (b'{"a": {"$ref": "#/b\\"c"}}', True),  # an escape inside the ref: only a walk can read it
    (b"a:\n  $ref: '#/b'\n", True),  # YAML: nothing is serialized while parsing
    (b'{"a": {"$ref": "#/b"}}', False),  # not asked for (a reload)
])
def test_refs_are_not_listed_when_parsing_cannot_be_sure(data: bytes, want: bool) -> None:
    assert parse_source(data, source="spec", limits=Limits(), want_refs=want).refs is None


def test_first_load_hands_the_spec_gate_its_refs_and_a_reload_does_not(tmp_path: Path) -> None:
    """A broken local ref is still an error on a first load (the listed refs include it) and on a reload."""
    path = write(tmp_path / "spec.json", spec_with(2))
    first = load_spec(path)
    assert first.document_refs == {"#/components/schemas/Item"}
    assert load_spec(path).document_refs is None  # the second build of the same source is a reload
    broken = spec_with(2)
    broken["paths"]["/items1/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Gone"}
    with pytest.raises(SpecError, match="Gone"):
        compile_spec(SpecConfig(source=write(tmp_path / "broken.json", broken)))
    unused = spec_with(2, extra={"Other": {"$ref": "#/components/schemas/Nope"}})
    compiled = compile_spec(SpecConfig(source=write(tmp_path / "unused.json", unused)))
    assert [d.pointer for d in compiled.diagnostics if d.code == "spec.ref.unresolved"] == [
        "/components/schemas/Other"]
    swagger = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/A"}}}}}},
        "definitions": {"A": {"type": "object"}}}
    assert load_spec(write(tmp_path / "swagger.json", swagger)).document_refs is None  # its refs are rewritten


def test_spec_gate_without_validator_keeps_structural_errors() -> None:
    """validator=False still reports structural errors, adds a note, and runs no validator."""
    document = spec_with(2)
    del document["paths"]["/items0/{id}"]["get"]["parameters"][0]["in"]
    found = check_spec(document, source="spec.json", validator=False)
    codes = [d.code for d in found]
    assert "spec.parameter.in" in codes and "spec.validator.skipped" in codes
    assert not any(c.startswith(("spec.schema", "spec.semantic")) for c in codes)


def test_pipeline_runs_the_validator_only_on_small_specs(tmp_path: Path) -> None:
    """Specs above VALIDATOR_MAX_ENTRIES are gated by the structural checks alone, and say so."""
    small = compile_spec(SpecConfig(source=write(tmp_path / "small.json", spec_with(3))))
    large = compile_spec(SpecConfig(source=write(tmp_path / "large.json", spec_with(VALIDATOR_MAX_ENTRIES + 1))))
    assert "spec.validator.skipped" not in {d.code for d in small.diagnostics}
    assert "spec.validator.skipped" in {d.code for d in large.diagnostics}
    assert len(large.tools) == VALIDATOR_MAX_ENTRIES + 1


# --------------------------------------------------------------------------------------------- depth


def exact_depth(data: bytes) -> int:
    """The running bracket depth's maximum, the way the check measured it before the fast path."""
    steps = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
    return max(accumulate((steps[ch] for ch in _json_brackets(data)), initial=0))


_JSON = st.recursive(st.one_of(st.none(), st.integers(), st.text(alphabet='ab[]{}"\\é', max_size=6)),
                     lambda inner: st.one_of(st.lists(inner, max_size=3),
                                             st.dictionaries(st.text(alphabet='k[}"\\', max_size=3), inner,
                                                             max_size=3)),
                     max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(_JSON, st.integers(0, 8))
def test_depth_fast_path_agrees_with_the_running_count(value: Any, limit: int) -> None:
    """The round-based measure accepts exactly the documents the running count accepts."""
    data = json.dumps(value).encode()
    deep = exact_depth(data) > limit
    assert _nests_within(_json_brackets(data), limit) is not deep
    if deep:
        with pytest.raises(LimitError):
            check_json_depth(data, limit, "spec.json")
    else:
        check_json_depth(data, limit, "spec.json")


def test_unbalanced_brackets_fall_back_to_the_running_count() -> None:
    """Brackets that never pair up are judged by the exact count, not refused by the fast path."""
    assert not _nests_within(b"]]][[[", 10)
    check_json_depth(b"]]]]", 2, "broken.json")


# --------------------------------------------------------------------------------------------- parse


def test_json_is_parsed_from_bytes_and_bad_utf8_is_still_named() -> None:
    """JSON skips the text decode, yet invalid UTF-8 is reported with its line and column."""
    assert parse_document(b' \n{"openapi": "3.1.0"}', source="s.json", limits=Limits()) == {"openapi": "3.1.0"}
    with pytest.raises(ParseError, match="not UTF-8 text: byte 0xff at line 2"):
        parse_document(b'{"a":\n "\xff"}', source="s.json", limits=Limits())


def test_json_after_unicode_whitespace_takes_the_text_path() -> None:
    """A document that starts with non-ASCII whitespace is still read as JSON."""
    data = '\u2028{"openapi": "3.1.0"}'.encode()
    assert parse_document(data, source="s.yaml", limits=Limits()) == {"openapi": "3.1.0"}


# --------------------------------------------------------------------------------------------- reuse


def test_reload_reuses_unchanged_operations(tmp_path: Path) -> None:
    """After a one-operation change, other operations are the same objects and equal a fresh load."""
    document = spec_with(6)
    source = write(tmp_path / "spec.json", document)
    first = load_spec(source)
    document["paths"]["/items0/{id}"]["get"]["description"] = "Changed."
    write(tmp_path / "spec.json", document)
    second = load_spec(source)
    fresh = load_spec(write(tmp_path / "copy.json", document))
    assert second.operations == fresh.operations
    assert second.operations[0].description == "Changed."
    assert second.operations[0] is not first.operations[0]
    assert all(a is b for a, b in zip(first.operations[1:], second.operations[1:], strict=True))


def test_swagger2_reload_reuses_unchanged_operations(tmp_path: Path) -> None:
    """Swagger 2.0 documents are lifted whole, then unchanged path items are still reused."""
    paths = {f"/pets{i}": {"get": {"operationId": f"get{i}", "responses": {"200": {"description": "ok"}}}}
             for i in range(3)}
    document = {"swagger": "2.0", "info": {"title": "Pets", "version": "1"}, "host": "api.example.com",
                "paths": paths}
    source = write(tmp_path / "spec.json", document)
    first = load_spec(source)
    document["paths"]["/pets0"]["get"]["summary"] = "Changed."
    write(tmp_path / "spec.json", document)
    second = load_spec(source)
    assert second.operations[0].summary == "Changed."
    assert [a is b for a, b in zip(first.operations, second.operations, strict=True)] == [False, True, True]


def test_a_first_build_digests_nothing_and_later_builds_still_reuse(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The first load of a source serializes no path item; the second digests both sides, the third one side."""
    from toolsync.spec import build

    calls: list[int] = []
    real = build._digest
    monkeypatch.setattr(build, "_digest", lambda value: calls.append(1) or real(value))
    document = spec_with(4)
    source = write(tmp_path / "spec.json", document)
    first = load_spec(source)
    assert calls == []
    loads = [first]
    for round_ in (1, 2):
        calls.clear()
        document["paths"]["/items0/{id}"]["get"]["description"] = f"Changed {round_}."
        write(tmp_path / "spec.json", document)
        loads.append(load_spec(source))
        items = len(document["paths"])
        # context digests (the last build's, when not kept, and this one's) plus path items
        assert len(calls) == (2 + 2 * items if round_ == 1 else 1 + items)
    for before, after in pairwise(loads):
        assert after.operations[0] is not before.operations[0]
        assert all(a is b for a, b in zip(before.operations[1:], after.operations[1:], strict=True))
    assert loads[-1].operations[0].description == "Changed 2."


def test_changed_components_are_never_reused(tmp_path: Path) -> None:
    """A change outside ``paths`` makes every operation be read again."""
    document = spec_with(3)
    source = write(tmp_path / "spec.json", document)
    first = load_spec(source)
    document["components"]["schemas"]["Item"]["properties"]["name"] = {"type": "string"}
    write(tmp_path / "spec.json", document)
    second = load_spec(source)
    assert not any(a is b for a, b in zip(first.operations, second.operations, strict=True))
    schema = second.operations[1].responses[0].content[0].schema
    assert "name" in schema["properties"]


def test_specs_reading_other_files_are_not_reused(tmp_path: Path) -> None:
    """A spec that pulls in another file is read whole every time (that file may have changed)."""
    (tmp_path / "item.json").write_text(json.dumps({"type": "object", "properties": {"id": {"type": "string"}}}))
    document = spec_with(2)
    document["components"]["schemas"]["Item"] = {"$ref": "item.json"}
    source = write(tmp_path / "spec.json", document)
    first = load_spec(source)
    (tmp_path / "item.json").write_text(json.dumps({"type": "object", "properties": {"n": {"type": "integer"}}}))
    second = load_spec(source)
    assert "n" in second.operations[1].responses[0].content[0].schema["properties"]
    assert first.operations[1] is not second.operations[1]


def test_compile_leaves_the_collector_as_it_found_it(tmp_path: Path) -> None:
    """The cyclic collector is paused while compiling and loading, and enabled again afterwards."""
    assert gc.isenabled()
    source = write(tmp_path / "spec.json", spec_with(2))
    compile_spec(SpecConfig(source=source))
    assert gc.isenabled()
    with Registry() as registry:
        registry.load(source)
        with pytest.raises(SpecError):
            registry.load(write(tmp_path / "broken.json", {"openapi": "3.0.3", "info": {}, "paths": []}))
    assert gc.isenabled()
    gc.disable()
    try:
        compile_spec(SpecConfig(source=source))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_compiled_objects_are_frozen_until_the_next_full_collection(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """What a compile leaves behind is frozen; a full collection thaws it and still finds older garbage."""
    import toolsync.spec.build

    source = write(tmp_path / "spec.json", spec_with(3))
    # Every _THAW_EVERY-th block thaws instead of freezing: start the count so this compile freezes,
    # whatever ran before it in the session.
    monkeypatch.setattr(toolsync.spec.build, "_blocks", itertools.count(1))

    class Node:
        def __init__(self) -> None:
            self.me = self

    gc.collect()
    garbage = Node()
    del garbage  # a cycle only the collector can free, made before the compile freezes everything
    compile_spec(SpecConfig(source=source))
    assert gc.get_freeze_count() > 0
    assert gc.collect() >= 1  # the Node (and its __dict__), thawed at the start of the collection
    assert gc.get_freeze_count() == 0


def test_builds_in_a_row_thaw_what_they_froze_now_and_then() -> None:
    """However fast builds follow each other, one block in every few leaves nothing frozen."""
    from toolsync.spec.build import _THAW_EVERY, gc_paused

    counts = []
    for _ in range(_THAW_EVERY):
        with gc_paused():
            pass
        counts.append(gc.get_freeze_count())
    assert 0 in counts and any(counts)
    gc.collect()


# --------------------------------------------------------------------------------------------- gates


def test_shared_schemas_remembers_only_valid_subtrees() -> None:
    """Inside the block a valid shared schema is checked once; an invalid one is reported every time."""
    shared = {"type": "object", "properties": {"id": {"type": "string"}}}
    bad = {"type": "object", "properties": {"id": {"type": 5}}}
    tool = {"name": "t", "inputSchema": {"type": "object", "properties": {"a": shared, "b": bad}}}
    outside = check_tool("mcp", tool)
    with shared_schemas():
        first, second = check_tool("mcp", tool), check_tool("mcp", tool)
    assert first == second == outside
    assert any(i.rule == "mcp.input-schema.meta-schema" for i in first)
