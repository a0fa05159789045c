"""Tools, spec configs and spec entries survive a trip through their stored JSON form."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolsync.config import BreakingPolicy, FetchPolicy, Limits, RefPolicy, SpecConfig
from toolsync.errors import StoreCorruptError
from toolsync.ir import (
    MediaType,
    Operation,
    Parameter,
    ParamLocation,
    RequestBody,
    Response,
    Server,
    ServerVariable,
)
from toolsync.pipeline import compile_spec
from toolsync.registry import SpecEntry, SpecStatus, serialize
from toolsync.registry._build import entry_bytes, entry_from_bytes
from toolsync.tool import ArgLocation, ArgumentBinding, ConversionNote, NoteKind, Tool

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"


def rich_tool() -> Tool:
    node = {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}
    op = Operation(
        method="post", path="/stores/{storeId}/pets", operation_id="addPet", summary="Add", description="Adds.",
        tags=("pets", "write"), deprecated=True,
        parameters=(Parameter("storeId", ParamLocation.PATH, {"type": "string"}, True, style="simple",
                              explode=False),
                    Parameter("X-Trace", ParamLocation.HEADER, {"type": "string"}, content_type="text/plain"),
                    Parameter("tags", ParamLocation.QUERY, {"type": "array", "items": {"type": "string"}},
                              explode=False, allow_reserved=True, deprecated=True, pointer="/p/2")),
        request_body=RequestBody((MediaType("multipart/form-data", {"type": "object"},
                                            {"file": {"contentType": "image/png"}}),), True, "the pet"),
        responses=(Response("201", "Created", (MediaType("application/json", node),)), Response("default")),
        servers=(Server("https://{region}.example.test/v1", "main",
                        {"region": ServerVariable("eu", ("eu", "us"), "where")}),),
        security=({"oauth": ("read", "write")}, {}),
        extensions={"x-rate": {"limit": 10}}, defs={"Node": node}, pointer="/paths/~1stores~1{storeId}~1pets/post")
    return Tool(
        name="addPet", description="Adds a pet.", input_schema={"type": "object", "properties": {"n": node}},
        bindings=(ArgumentBinding("storeId", ArgLocation.PATH, "storeId", True, "simple", False),
                  ArgumentBinding("file", ArgLocation.BODY_FIELD, "file", media_type="multipart/form-data"),
                  ArgumentBinding("trace", ArgLocation.HEADER, "X-Trace", content_type="text/plain")),
        operation=op, spec_name="pets", spec_version="2.0.0", title="Add", output_schema=node,
        annotations={"destructiveHint": False}, notes=(ConversionNote(NoteKind.RENAMED, "renamed", "openai", "/a"),),
        content_hash="abc123")


def test_rich_tool_round_trips() -> None:
    """Every kind of field of a tool and its operation comes back equal, with the same types."""
    original = rich_tool()
    again = serialize.tool_from_json(serialize.tool_to_json(original))
    assert again == original
    assert isinstance(again.operation.parameters, tuple)
    assert again.operation.parameters[0].location is ParamLocation.PATH
    assert again.operation.security == ({"oauth": ("read", "write")}, {})
    assert again.operation.servers[0].variables["region"].enum == ("eu", "us")
    assert again.notes[0].kind is NoteKind.RENAMED


def test_defaults_are_left_out() -> None:
    """Fields at their default are not written, keeping payloads small."""
    data = serialize.tool_to_dict(rich_tool())
    assert "deprecated" not in data["operation"]["parameters"][0]
    assert data["operation"]["parameters"][2]["deprecated"] is True


def test_unknown_fields_are_ignored() -> None:
    """A payload written by a newer version with extra fields still reads."""
    data = serialize.tool_to_dict(rich_tool())
    data["future_field"] = 1
    data["operation"]["another"] = {"x": 1}
    assert serialize.tool_from_dict(data) == rich_tool()


@pytest.mark.parametrize("bad", [b"not json", b"[1, 2]", b'{"name": 5}'])
def test_malformed_payload_is_a_store_error(bad: bytes) -> None:
    """A payload that is not a tool raises StoreCorruptError, never a bare exception."""
    with pytest.raises(StoreCorruptError):
        serialize.tool_from_json(bad)


def test_spec_config_round_trips() -> None:
    """A SpecConfig with every kind of field set comes back equal."""
    config = SpecConfig(source="https://example.test/openapi.json", name="shop", namespace="shop",
                        include_tags=("a",), exclude_paths=("/admin/*",), include_methods=("get",),
                        policy=BreakingPolicy.BLOCK, on_unresolved_ref=RefPolicy.SKIP,
                        credentials={"oauth": "SHOP_TOKEN"}, server_url="https://staging.example.test",
                        poll_interval=5.0, limits=Limits(max_bytes=10), fetch=FetchPolicy(
                            allow_private=True, allowed_hosts=("*.local",), extra_headers={"X-A": "1"}))
    assert serialize.config_from_dict(orjson.loads(serialize.dumps(serialize.config_to_dict(config)))) == config
    assert serialize.config_to_dict(SpecConfig(source="a.yaml")) == {"source": "a.yaml"}


def test_spec_entry_round_trips() -> None:
    """A spec entry with its config reads back equal."""
    entry = SpecEntry("pets", "pets.yaml", "1.0.0", "f" * 64, BreakingPolicy.BLOCK, ("a", "b"), 12.5,
                      SpecStatus.HELD, None, SpecConfig(source="pets.yaml", name="pets"), "Pets", "3.1.0", "abc")
    assert entry_from_bytes(entry_bytes(entry), "pets") == entry


@pytest.mark.parametrize("name", ["petstore.yaml", "bookstore.json", "weather.yaml"])
def test_tools_of_example_specs_round_trip(name: str) -> None:
    """Every tool built from the example specs round-trips exactly."""
    compiled = compile_spec(SpecConfig(source=str(EXAMPLES / name)))
    for tool in compiled.tools.values():
        assert serialize.tool_from_json(serialize.tool_to_json(tool)) == tool


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=60, deadline=None)
@given(schema=st.dictionaries(st.text(max_size=6), json_values, max_size=5),
       extensions=st.dictionaries(st.text(max_size=6).map(lambda s: "x-" + s), json_values, max_size=3))
def test_any_json_in_schemas_round_trips(schema: dict, extensions: dict) -> None:
    """Whatever JSON a schema or extension holds comes back unchanged."""
    op = Operation(method="get", path="/x", extensions=extensions)
    tool = Tool(name="t", description="", input_schema=schema, bindings=(), operation=op, spec_name="s")
    assert serialize.tool_from_json(serialize.tool_to_json(tool)) == tool


def test_equal_parts_decoded_inside_sharing_are_one_object() -> None:
    """Equal JSON at any depth comes back as one object; what differs stays apart."""
    pet = {"type": "object", "properties": {"name": {"type": "string"}, "tags": {"type": "array"}}}
    one = {"type": "object", "properties": {"pet": pet, "count": {"type": "integer"}}}
    many = {"type": "array", "items": pet}
    payloads = [orjson.dumps(value) for value in (one, many, pet)]
    with serialize.sharing():
        first, second, third = (serialize.share(orjson.loads(p)) for p in payloads)
    assert (first, second, third) == (one, many, pet)
    assert first["properties"]["pet"] is second["items"] is third
    assert first["properties"]["pet"]["properties"]["name"] is third["properties"]["name"]
    assert first is not second


def test_sharing_keeps_json_types_and_key_order_apart() -> None:
    """``1``, ``1.0`` and ``true`` are different JSON; so are objects whose keys come in another order."""
    values = [{"a": 1}, {"a": 1.0}, {"a": True}, {"a": 1, "b": [1]}, {"b": [1], "a": 1}, {"b": [True], "a": 1}]
    with serialize.sharing():
        shared = [serialize.share(orjson.loads(orjson.dumps(v))) for v in values]
    assert [orjson.dumps(s) for s in shared] == [orjson.dumps(v) for v in values]
    assert len({id(s) for s in shared}) == len(values)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(json_values, max_size=6))
def test_shared_json_is_the_json_decoded(values: list[object]) -> None:
    """Sharing never changes a value: each comes back with the same JSON text."""
    with serialize.sharing():
        shared = [serialize.share(orjson.loads(orjson.dumps(v))) for v in values]
    assert [orjson.dumps(s) for s in shared] == [orjson.dumps(v) for v in values]
