"""One valid and one invalid tool set per rule id of RULES.md, checked through the public gate."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from toolsync.gates import GateOptions, check_tools

from .conftest import RULES_PATH, obj, strict_obj

DROP = object()


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is DROP:
            out.pop(key, None)
        else:
            out[key] = value
    return out


_PARAMS = strict_obj({"a": {"type": "string"}})
_RESPONSES = {"type": "function", "name": "f", "description": "d", "strict": True, "parameters": _PARAMS}
_CHAT_FN = {"name": "f", "description": "d", "strict": True, "parameters": _PARAMS}
_ANTHROPIC = {"name": "f", "description": "d", "input_schema": obj({"a": {"type": "string"}}, ["a"])}
_GEMINI = {"name": "f", "description": "d", "parameters": {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}}}
_MCP = {"name": "f", "description": "d", "inputSchema": obj({"a": {"type": "string"}})}


def oa(**changes: Any) -> dict[str, Any]:
    """A valid strict Responses tool, changed."""
    return _with(_RESPONSES, **changes)


def oa_params(schema: Any, **changes: Any) -> dict[str, Any]:
    return oa(parameters=schema, **changes)


def chat(**changes: Any) -> dict[str, Any]:
    return {"type": "function", "function": _with(_CHAT_FN, **changes)}


def an(**changes: Any) -> dict[str, Any]:
    return _with(_ANTHROPIC, **changes)


def an_strict(schema: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return an(strict=True, input_schema=schema, **changes)


def ge(**changes: Any) -> dict[str, Any]:
    return _with(_GEMINI, **changes)


def ge_params(schema: Any, **changes: Any) -> dict[str, Any]:
    return ge(parameters=schema, **changes)


def mc(**changes: Any) -> dict[str, Any]:
    return _with(_MCP, **changes)


def nested(levels: int) -> dict[str, Any]:
    """A strict object schema with ``levels`` nested objects, the root included."""
    schema = strict_obj({"leaf": {"type": "string"}})
    for _ in range(levels - 1):
        schema = strict_obj({"child": schema})
    return schema


def many(tool: dict[str, Any], count: int, name_key: tuple[str, ...] = ("name",)) -> list[dict[str, Any]]:
    """``count`` copies of ``tool`` with distinct names."""
    out = []
    for i in range(count):
        t = copy.deepcopy(tool)
        target = t
        for key in name_key[:-1]:
            target = target[key]
        target[name_key[-1]] = f"t{i}"
        out.append(t)
    return out


@dataclass
class Case:
    rule: str
    provider: str
    bad: list[Any]
    good: list[Any]
    severity: str = "error"
    options: dict[str, Any] = field(default_factory=dict)
    label: str = ""


def _optional_props(n: int) -> dict[str, Any]:
    return {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(n)}, "required": [],
            "additionalProperties": False}


def _union_props(n: int) -> dict[str, Any]:
    props = {f"p{i}": {"type": ["string", "null"]} for i in range(n)}
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


_RECURSIVE = {"type": "object", "additionalProperties": False, "required": ["n"],
              "properties": {"n": {"$ref": "#/$defs/Node"}},
              "$defs": {"Node": {"type": "object", "additionalProperties": False, "required": [],
                                 "properties": {"child": {"$ref": "#/$defs/Node"}}}}}
_HEADER = "2026-07-28"

CASES: list[Case] = [
    # ------------------------------------------------------------------ OpenAI
    Case("openai.shape", "openai", ["not a tool"], [oa()]),
    Case("openai.type", "openai", [oa(type="custom")], [oa()]),
    Case("openai.chat.function", "openai-chat", [{"type": "function"}], [chat()]),
    Case("openai.responses.flat", "openai", [oa(function={"name": "f"})], [oa()]),
    Case("openai.name.required", "openai", [oa(name=DROP)], [oa()]),
    Case("openai.name.pattern", "openai", [oa(name="get weather!")], [oa(name="get-weather_2")]),
    Case("openai.name.pattern", "openai-chat", [chat(name="a" * 65)], [chat(name="a" * 64)], label="length"),
    Case("openai.description.type", "openai", [oa(description=5)], [oa()]),
    Case("openai.description.length", "openai", [oa(description="x" * 1025)], [oa(description="x" * 1024)],
         "warning"),
    Case("openai.unknown-key", "openai", [oa(extra=1)], [oa()], "warning"),
    Case("openai.unknown-key", "openai-chat", [{**chat(), "extra": 1}], [chat()], "warning", label="chat"),
    Case("openai.strict.type", "openai", [oa(strict="yes")], [oa()]),
    Case("openai.responses.bool", "openai", [oa(defer_loading="yes")], [oa(defer_loading=True)]),
    Case("openai.responses.allowed-callers", "openai", [oa(allowed_callers=["robot"])],
         [oa(allowed_callers=["direct", "programmatic"])], "warning"),
    Case("openai.responses.output-schema", "openai", [oa(output_schema="text")],
         [oa(output_schema={"type": "object"})]),
    Case("openai.parameters.type", "openai", [oa_params([1])], [oa()]),
    Case("openai.parameters.root-object", "openai-chat",
         [chat(strict=False, parameters={"type": "array", "items": {"type": "string"}})], [chat()]),
    Case("openai.parameters.properties-missing", "openai", [oa_params({"type": "object"}, strict=False)],
         [oa_params({"type": "object", "properties": {}}, strict=False)]),
    Case("openai.parameters.meta-schema", "openai", [oa_params(obj({"a": "number"}), strict=False)],
         [oa_params(obj({"a": {"type": "number"}}), strict=False)]),
    Case("openai.parameters.nested-properties-missing", "openai",
         [oa_params(obj({"a": {"type": "object"}}), strict=False)],
         [oa_params(obj({"a": {"type": "object", "additionalProperties": {"type": "string"}}}), strict=False)],
         "warning"),
    Case("openai.strict.no-parameters", "openai", [oa(parameters=DROP)], [oa()], "warning"),
    Case("openai.strict.additional-properties", "openai", [oa_params(obj({"a": {"type": "string"}}, ["a"]))],
         [oa()]),
    Case("openai.strict.required-all", "openai-chat",
         [chat(parameters=obj({"a": {"type": "string"}}, [], additionalProperties=False))],
         [chat(parameters=strict_obj({"a": {"type": ["string", "null"]}}))]),
    Case("openai.strict.required-unknown", "openai",
         [oa_params(obj({"a": {"type": "string"}}, ["a", "b"], additionalProperties=False))], [oa()]),
    Case("openai.strict.root-anyof", "openai", [oa_params({**_PARAMS, "anyOf": [_PARAMS]})], [oa()]),
    Case("openai.strict.format", "openai", [oa_params(strict_obj({"u": {"type": "string", "format": "uri"}}))],
         [oa_params(strict_obj({"u": {"type": "string", "format": "date-time"}}))]),
    Case("openai.strict.unsupported-keyword", "openai",
         [oa_params(strict_obj({"x": {"allOf": [{"type": "string"}]}}))],
         [oa_params(strict_obj({"x": {"anyOf": [{"type": "string"}, {"type": "null"}]}}))]),
    Case("openai.strict.undocumented-keyword", "openai",
         [oa_params(strict_obj({"x": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}}))],
         [oa_params(strict_obj({"x": {"type": "array", "items": {"type": "string"}, "maxItems": 3}}))],
         "warning"),
    Case("openai.strict.default", "openai", [oa_params(strict_obj({"x": {"type": "string", "default": "a"}}))],
         [oa()], "warning"),
    Case("openai.strict.bad-type", "openai", [oa_params(strict_obj({"x": {"type": "text"}}))], [oa()]),
    Case("openai.strict.ref-external", "openai", [oa_params(strict_obj({"x": {"$ref": "other.json#/A"}}))],
         [oa_params(strict_obj({"x": {"$ref": "#/$defs/A"}}, **{"$defs": {"A": {"type": "string"}}}))]),
    Case("openai.strict.ref-unresolved", "openai", [oa_params(strict_obj({"x": {"$ref": "#/$defs/Nope"}}))],
         [oa_params(strict_obj({"x": {"$ref": "#/$defs/A"}}, **{"$defs": {"A": {"type": "string"}}}))]),
    Case("openai.strict.ref-siblings", "openai",
         [oa_params(strict_obj({"x": {"$ref": "#/$defs/A", "description": "d"}},
                               **{"$defs": {"A": {"type": "string"}}}))],
         [oa_params(strict_obj({"x": {"$ref": "#/$defs/A"}}, **{"$defs": {"A": {"type": "string"}}}))]),
    Case("openai.strict.limit-properties", "openai",
         [oa_params(strict_obj({f"p{i}": {"type": "string"} for i in range(5001)}))],
         [oa_params(strict_obj({f"p{i}": {"type": "string"} for i in range(5000)}))]),
    Case("openai.strict.limit-depth", "openai", [oa_params(nested(11))], [oa_params(nested(10))]),
    Case("openai.strict.limit-depth-old", "openai", [oa_params(nested(6))], [oa_params(nested(5))], "warning"),
    Case("openai.strict.limit-chars", "openai",
         [oa_params(strict_obj({"e": {"type": "string", "enum": [f"{i:04}" + "x" * 996 for i in range(121)]}}))],
         [oa_params(strict_obj({"e": {"type": "string", "enum": [f"{i:04}" + "x" * 996 for i in range(119)]}}))]),
    Case("openai.strict.limit-enum-values", "openai",
         [oa_params(strict_obj({"e": {"type": "string", "enum": [f"v{i}" for i in range(1001)]}}))],
         [oa_params(strict_obj({"e": {"type": "string", "enum": [f"v{i}" for i in range(1000)]}}))]),
    Case("openai.strict.limit-enum-chars", "openai",
         [oa_params(strict_obj({"e": {"type": "string", "enum": [f"{i:03}" + "x" * 57 for i in range(251)]}}))],
         [oa_params(strict_obj({"e": {"type": "string", "enum": [f"{i:03}" + "x" * 57 for i in range(250)]}}))]),
    Case("openai.tools.max", "openai", many(oa(), 129), many(oa(), 128)),
    Case("openai.tools.max", "openai-chat", many(chat(), 129, ("function", "name")),
         many(chat(), 128, ("function", "name")), label="chat"),
    Case("openai.name.unique", "openai", [oa(), oa()], [oa(), oa(name="g")], "warning"),
    # ------------------------------------------------------------------ Anthropic
    Case("anthropic.shape", "anthropic", [42], [an()]),
    Case("anthropic.type", "anthropic", [an(type="function")], [an(type="custom")]),
    Case("anthropic.type", "anthropic", [an(type="web_search_20250305")], [an()], "warning", label="server"),
    Case("anthropic.unknown-key", "anthropic", [an(parameters={})], [an()]),
    Case("anthropic.name.required", "anthropic", [an(name=DROP)], [an()]),
    Case("anthropic.name.pattern", "anthropic", [an(name="a.b")], [an(name="a-b_c")]),
    Case("anthropic.name.unique", "anthropic", [an(), an()], [an(), an(name="g")]),
    Case("anthropic.description.type", "anthropic", [an(description=1)], [an()]),
    Case("anthropic.description.missing", "anthropic", [an(description=DROP)], [an()], "warning"),
    Case("anthropic.input-schema.required", "anthropic", [an(input_schema=DROP)], [an()]),
    Case("anthropic.input-schema.type", "anthropic", [an(input_schema=[1])], [an()]),
    Case("anthropic.input-schema.root-object", "anthropic", [an(input_schema={"properties": {}})],
         [an(input_schema={"type": "object"})]),
    Case("anthropic.input-schema.meta-schema", "anthropic", [an(input_schema=obj({"a": "number"}))], [an()]),
    Case("anthropic.cache-control", "anthropic", [an(cache_control={"type": "ephemeral", "ttl": "2h"})],
         [an(cache_control={"type": "ephemeral", "ttl": "1h"})]),
    Case("anthropic.bool", "anthropic", [an(strict="yes")], [an(strict=False)]),
    Case("anthropic.bool", "anthropic", [an(eager_input_streaming="yes")], [an(eager_input_streaming=None)],
         label="eager"),
    Case("anthropic.allowed-callers", "anthropic", [an(allowed_callers="direct")], [an(allowed_callers=["direct"])]),
    Case("anthropic.allowed-callers", "anthropic", [an(allowed_callers=["robot"])],
         [an(allowed_callers=["direct"])], "warning", label="unknown"),
    Case("anthropic.input-examples.type", "anthropic", [an(input_examples=[1])], [an(input_examples=[{"a": "x"}])]),
    Case("anthropic.input-examples.invalid", "anthropic", [an(input_examples=[{"a": 5}])],
         [an(input_examples=[{"a": "x"}])]),
    Case("anthropic.input-examples.unchecked", "anthropic",
         [an(input_schema=obj({"a": {"$ref": "http://127.0.0.1:9/a.json"}}), input_examples=[{"a": 1}])],
         [an(input_examples=[{"a": "x"}])], "warning"),
    Case("anthropic.defer.all", "anthropic", [an(defer_loading=True)], [an(defer_loading=True), an(name="g")]),
    Case("anthropic.defer.max", "anthropic", [*many(an(defer_loading=True), 10_001), an(name="direct")],
         [*many(an(defer_loading=True), 10_000), an(name="direct")]),
    Case("anthropic.defer-cache-control", "anthropic",
         [an(defer_loading=True, cache_control={"type": "ephemeral"}), an(name="g")],
         [an(defer_loading=True), an(name="g", cache_control={"type": "ephemeral"})]),
    Case("anthropic.defer.search-tool", "anthropic", [an(defer_loading=True), an(name="g")],
         [an(defer_loading=True), {"type": "tool_search_tool_regex_20251119", "name": "tool_search"}], "warning"),
    Case("anthropic.defer.examples", "anthropic", [an(defer_loading=True), an(name="g", input_examples=[{"a": "x"}])],
         [an(defer_loading=True), an(name="g")], "warning"),
    Case("anthropic.strict.unsupported-keyword", "anthropic",
         [an_strict(strict_obj({"n": {"type": "integer", "minimum": 1}}))],
         [an_strict(strict_obj({"n": {"type": "integer"}}))]),
    Case("anthropic.strict.min-items", "anthropic",
         [an_strict(strict_obj({"l": {"type": "array", "items": {"type": "string"}, "minItems": 2}}))],
         [an_strict(strict_obj({"l": {"type": "array", "items": {"type": "string"}, "minItems": 1}}))]),
    Case("anthropic.strict.additional-properties", "anthropic", [an_strict(obj({"a": {"type": "string"}}))],
         [an_strict(strict_obj({"a": {"type": "string"}}))]),
    Case("anthropic.strict.recursive", "anthropic", [an_strict(_RECURSIVE)],
         [an_strict(strict_obj({"n": {"$ref": "#/$defs/Leaf"}}, **{"$defs": {"Leaf": {"type": "string"}}}))]),
    Case("anthropic.strict.enum-complex", "anthropic", [an_strict(strict_obj({"e": {"enum": [{"a": 1}]}}))],
         [an_strict(strict_obj({"e": {"enum": ["a", 1, None]}}))]),
    Case("anthropic.strict.ref-external", "anthropic", [an_strict(strict_obj({"x": {"$ref": "other.json"}}))],
         [an_strict(strict_obj({"x": {"type": "string"}}))]),
    Case("anthropic.strict.ref-unresolved", "anthropic", [an_strict(strict_obj({"x": {"$ref": "#/$defs/X"}}))],
         [an_strict(strict_obj({"x": {"$ref": "#/$defs/X"}}, **{"$defs": {"X": {"type": "string"}}}))]),
    Case("anthropic.strict.allof-ref", "anthropic",
         [an_strict(strict_obj({"x": {"allOf": [{"$ref": "#/$defs/X"}]}}, **{"$defs": {"X": {"type": "string"}}}))],
         [an_strict(strict_obj({"x": {"allOf": [{"type": "string"}]}}))]),
    Case("anthropic.strict.format", "anthropic", [an_strict(strict_obj({"x": {"type": "string", "format": "regex"}}))],
         [an_strict(strict_obj({"x": {"type": "string", "format": "uri"}}))]),
    Case("anthropic.strict.pattern", "anthropic",
         [an_strict(strict_obj({"x": {"type": "string", "pattern": "(?=a)b"}}))],
         [an_strict(strict_obj({"x": {"type": "string", "pattern": "^[a-z]+$"}}))]),
    Case("anthropic.strict.pattern", "anthropic", [an_strict(strict_obj({"x": {"type": "string", "pattern": "\\bw"}}))],
         [an_strict(strict_obj({"x": {"type": "string", "pattern": "\\\\bw"}}))], label="boundary"),
    Case("anthropic.strict.pattern", "anthropic", [an_strict(strict_obj({"x": {"type": "string", "pattern": "(a)\\1"}}))],
         [an_strict(strict_obj({"x": {"type": "string", "pattern": "(a)1"}}))], label="backreference"),
    Case("anthropic.strict.pattern-quantifier", "anthropic",
         [an_strict(strict_obj({"x": {"type": "string", "pattern": "^a{1,2000}$"}}))],
         [an_strict(strict_obj({"x": {"type": "string", "pattern": "^a{1,1000}$"}}))], "warning"),
    Case("anthropic.strict.oneof", "anthropic",
         [an_strict(strict_obj({"x": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}))],
         [an_strict(strict_obj({"x": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}))], "warning"),
    Case("anthropic.strict.undocumented-keyword", "anthropic",
         [an_strict(strict_obj({"x": {"type": "string", "not": {"const": "a"}}}))],
         [an_strict(strict_obj({"x": {"type": "string"}}))], "warning"),
    Case("anthropic.strict.const-complex", "anthropic", [an_strict(strict_obj({"x": {"const": {"a": 1}}}))],
         [an_strict(strict_obj({"x": {"const": "a"}}))], "warning"),
    Case("anthropic.strict.limit-optional", "anthropic", [an_strict(_optional_props(25))],
         [an_strict(_optional_props(24))]),
    Case("anthropic.strict.limit-optional", "anthropic",
         [an_strict(_optional_props(13)), an_strict(_optional_props(12), name="g")],
         [an_strict(_optional_props(12)), an_strict(_optional_props(12), name="g")], label="request"),
    Case("anthropic.strict.limit-union", "anthropic", [an_strict(_union_props(17))], [an_strict(_union_props(16))]),
    Case("anthropic.strict.limit-union", "anthropic",
         [an_strict(_union_props(9)), an_strict(_union_props(8), name="g")],
         [an_strict(_union_props(8)), an_strict(_union_props(8), name="g")], label="request"),
    Case("anthropic.strict.limit-tools", "anthropic", many(an_strict(strict_obj({"a": {"type": "string"}})), 21),
         many(an_strict(strict_obj({"a": {"type": "string"}})), 20)),
    # ------------------------------------------------------------------ Gemini
    Case("gemini.shape", "gemini", [[1]], [ge()]),
    Case("gemini.unknown-key", "gemini", [ge(strict=True)], [ge()]),
    Case("gemini.name.required", "gemini", [ge(name="")], [ge()]),
    Case("gemini.name.pattern", "gemini", [ge(name="1bad")], [ge(name="_ok.name-1")]),
    Case("gemini.name.legacy", "gemini", [ge(name="ns:tool")], [ge(name="ns.tool")], "warning"),
    Case("gemini.name.unique", "gemini", [ge(), ge()], [ge(), ge(name="g")], "warning"),
    Case("gemini.description.type", "gemini", [ge(description=1)], [ge()]),
    Case("gemini.description.missing", "gemini", [ge(description=DROP)], [ge()], "warning"),
    Case("gemini.parameters.exclusive", "gemini", [ge(parametersJsonSchema=obj({"a": {"type": "string"}}))],
         [ge(parameters=DROP, parametersJsonSchema=obj({"a": {"type": "string"}}))]),
    Case("gemini.response.exclusive", "gemini",
         [ge(response={"type": "STRING"}, responseJsonSchema={"type": "string"})], [ge(response={"type": "STRING"})]),
    Case("gemini.response-json-schema.type", "gemini", [ge(responseJsonSchema="text")],
         [ge(responseJsonSchema={"type": "string"})]),
    Case("gemini.json-schema.type", "gemini", [ge(parameters=DROP, parametersJsonSchema=[1])], [ge()]),
    Case("gemini.json-schema.root-object", "gemini",
         [ge(parameters=DROP, parametersJsonSchema={"type": "array", "items": {}})],
         [ge(parameters=DROP, parametersJsonSchema=obj({}))]),
    Case("gemini.json-schema.meta-schema", "gemini", [ge(parameters=DROP, parametersJsonSchema=obj({"a": "x"}))],
         [ge(parameters=DROP, parametersJsonSchema=obj({"a": {"type": "string"}}))]),
    Case("gemini.json-schema.undocumented-keyword", "gemini",
         [ge(parameters=DROP, parametersJsonSchema=obj({"a": {"type": "string", "const": "x"}}))],
         [ge(parameters=DROP, parametersJsonSchema=obj({"a": {"type": "string", "enum": ["x"]}}))], "warning"),
    Case("gemini.schema.type", "gemini", [ge_params({"type": "OBJECT", "properties": {"a": "text"}})], [ge()]),
    Case("gemini.schema.unknown-field", "gemini",
         [ge_params({"type": "OBJECT", "properties": {"a": {"type": "NUMBER", "exclusiveMinimum": 0}}})],
         [ge_params({"type": "OBJECT", "properties": {"a": {"type": "NUMBER", "minimum": 0}}})]),
    Case("gemini.schema.vertex-only", "gemini",
         [ge_params({"type": "OBJECT", "properties": {"a": {"type": "STRING"}}, "additionalProperties": False})],
         [ge()]),
    Case("gemini.schema.vertex-only", "gemini",
         [ge_params({"type": "OBJECT", "properties": {"a": {"ref": "#/defs/A"}}})], [ge()], "warning",
         label="ref"),
    Case("gemini.schema.type-list", "gemini", [ge_params(obj({"a": {"type": ["STRING", "NULL"]}}))],
         [ge_params(obj({"a": {"type": "STRING", "nullable": True}}))]),
    Case("gemini.schema.type-value", "gemini", [ge_params(obj({"a": {"type": "TEXT"}}))], [ge()]),
    Case("gemini.schema.enum-strings", "gemini", [ge_params(obj({"a": {"type": "STRING", "enum": [1, 2]}}))],
         [ge_params(obj({"a": {"type": "STRING", "enum": ["1", "2"]}}))]),
    Case("gemini.schema.enum-type", "gemini", [ge_params(obj({"a": {"enum": ["x"]}}))],
         [ge_params(obj({"a": {"type": "STRING", "enum": ["x"]}}))]),
    Case("gemini.schema.enum-type", "gemini", [ge_params(obj({"a": {"type": "INTEGER", "format": "enum",
                                                                     "enum": ["1"]}}))],
         [ge_params(obj({"a": {"type": "STRING", "enum": ["1"]}}))], "warning", label="integer"),
    Case("gemini.schema.format", "gemini", [ge_params(obj({"a": {"type": "STRING", "format": "uri"}}))],
         [ge_params(obj({"a": {"type": "STRING", "format": "date-time"}}))]),
    Case("gemini.schema.format", "gemini", [ge_params(obj({"a": {"type": "INTEGER", "format": "int8"}}))],
         [ge_params(obj({"a": {"type": "INTEGER", "format": "int64"}}))], "warning", label="integer"),
    Case("gemini.schema.format", "gemini", [ge_params(obj({"a": {"type": "STRING", "format": "iri"}}))],
         [ge_params(obj({"a": {"type": "STRING", "format": "uri"}}))], "warning", {"gemini_backend": "vertex"},
         label="vertex"),
    Case("gemini.schema.object-empty", "gemini", [ge_params({"type": "OBJECT", "properties": {}})],
         [ge(parameters=DROP)]),
    Case("gemini.schema.properties-type", "gemini", [ge_params({"type": "OBJECT", "properties": ["a"]})], [ge()]),
    Case("gemini.schema.param-name", "gemini", [ge_params(obj({"a-b": {"type": "STRING"}}))],
         [ge_params(obj({"a_b": {"type": "STRING"}}))], "warning"),
    Case("gemini.schema.required-type", "gemini", [ge_params(obj({"a": {"type": "STRING"}}, required="a"))],
         [ge_params(obj({"a": {"type": "STRING"}}, ["a"]))]),
    Case("gemini.schema.required-unknown", "gemini", [ge_params(obj({"a": {"type": "STRING"}}, ["b"]))],
         [ge_params(obj({"a": {"type": "STRING"}}, ["a"]))], "warning"),
    Case("gemini.schema.property-ordering", "gemini",
         [ge_params(obj({"a": {"type": "STRING"}}, propertyOrdering=["b"]))],
         [ge_params(obj({"a": {"type": "STRING"}}, propertyOrdering=["a"]))], "warning"),
    Case("gemini.schema.array-items", "gemini", [ge_params(obj({"a": {"type": "ARRAY"}}))],
         [ge_params(obj({"a": {"type": "ARRAY", "items": {"type": "STRING"}}}))], "warning"),
    Case("gemini.schema.anyof-type", "gemini", [ge_params(obj({"a": {"anyOf": {"type": "STRING"}}}))],
         [ge_params(obj({"a": {"anyOf": [{"type": "STRING"}]}}))]),
    Case("gemini.schema.defs-root", "gemini", [ge_params(obj({"a": {"type": "STRING", "defs": {}}}))],
         [ge_params(obj({"a": {"type": "STRING"}}, defs={}))], "warning", {"gemini_backend": "vertex"}),
    Case("gemini.schema.nullable", "gemini", [ge_params(obj({"a": {"type": "STRING", "nullable": "yes"}}))],
         [ge_params(obj({"a": {"type": "STRING", "nullable": True}}))]),
    Case("gemini.schema.root-type", "gemini", [ge_params({"type": "STRING"})], [ge()], "warning"),
    Case("gemini.behavior", "gemini", [ge(behavior="BLOCKING")], [ge()], "warning"),
    Case("gemini.tools.max", "gemini", many(ge(), 513), many(ge(), 512)),
    Case("gemini.tools.max-old", "gemini", many(ge(), 129), many(ge(), 128), "warning"),
    Case("gemini.sdk", "gemini", [ge_params(obj({"a": {"type": "STRING", "const": "x"}}))], [ge()]),
    Case("gemini.sdk-warning", "gemini", [ge_params(obj({"a": {"type": "TEXT"}}))], [ge()], "warning"),
    # ------------------------------------------------------------------ MCP
    Case("mcp.shape", "mcp", [None], [mc()]),
    Case("mcp.unknown-key", "mcp", [mc(input_schema={})], [mc(_meta={"k": 1})], "warning"),
    Case("mcp.execution-removed", "mcp", [mc(execution={"taskSupport": "optional"})], [mc()], "warning",
         {"mcp_version": _HEADER}),
    Case("mcp.name.required", "mcp", [mc(name="")], [mc()]),
    Case("mcp.name.format", "mcp", [mc(name="get user")], [mc(name="admin.tools.list")], "warning"),
    Case("mcp.name.edges", "mcp", [mc(name="-get")], [mc(name="get")], "warning"),
    Case("mcp.name.unique", "mcp", [mc(), mc()], [mc(), mc(name="g")], "warning"),
    Case("mcp.string-field", "mcp", [mc(title=1)], [mc(title="F")]),
    Case("mcp.input-schema.required", "mcp", [mc(inputSchema=None)], [mc()]),
    Case("mcp.input-schema.type", "mcp", [mc(inputSchema=[1])], [mc()]),
    Case("mcp.input-schema.root-object", "mcp", [mc(inputSchema={"type": "array"})], [mc()]),
    Case("mcp.input-schema.meta-schema", "mcp", [mc(inputSchema=obj({"a": "x"}))], [mc()]),
    Case("mcp.input-schema.no-params", "mcp", [mc(inputSchema={"type": "object"})],
         [mc(inputSchema={"type": "object", "additionalProperties": False})], "warning"),
    Case("mcp.output-schema.type", "mcp", [mc(outputSchema="x")], [mc(outputSchema=obj({}))]),
    Case("mcp.output-schema.root-object", "mcp", [mc(outputSchema={"type": "array"})], [mc(outputSchema=obj({}))]),
    Case("mcp.output-schema.meta-schema", "mcp", [mc(outputSchema=obj({"a": 1}))], [mc(outputSchema=obj({}))]),
    Case("mcp.annotations.type", "mcp", [mc(annotations=[1])], [mc(annotations={})]),
    Case("mcp.annotations.bool", "mcp", [mc(annotations={"readOnlyHint": "yes"})],
         [mc(annotations={"readOnlyHint": True})]),
    Case("mcp.annotations.title", "mcp", [mc(annotations={"title": 1})], [mc(annotations={"title": "T"})]),
    Case("mcp.icons", "mcp", [mc(icons=[{"href": "x"}])], [mc(icons=[{"src": "https://x/i.png"}])]),
    Case("mcp.x-mcp-header.token", "mcp", [mc(inputSchema=obj({"r": {"type": "string", "x-mcp-header": "A B"}}))],
         [mc(inputSchema=obj({"r": {"type": "string", "x-mcp-header": "X-Region"}}))], options={"mcp_version": _HEADER}),
    Case("mcp.x-mcp-header.unique", "mcp",
         [mc(inputSchema=obj({"a": {"type": "string", "x-mcp-header": "R"}, "b": {"type": "string", "x-mcp-header": "r"}}))],
         [mc(inputSchema=obj({"a": {"type": "string", "x-mcp-header": "R"}, "b": {"type": "string", "x-mcp-header": "S"}}))],
         options={"mcp_version": _HEADER}),
    Case("mcp.x-mcp-header.primitive", "mcp", [mc(inputSchema=obj({"r": {"type": "number", "x-mcp-header": "R"}}))],
         [mc(inputSchema=obj({"r": {"type": "integer", "x-mcp-header": "R"}}))], options={"mcp_version": _HEADER}),
    Case("mcp.x-mcp-header.version", "mcp", [mc(inputSchema=obj({"r": {"type": "string", "x-mcp-header": "R"}}))],
         [mc()], "warning"),
    Case("mcp.sdk", "mcp", [mc(_meta="x")], [mc(_meta={"k": 1})]),
]


def _id(case: Case) -> str:
    return f"{case.rule}[{case.label}]" if case.label else case.rule


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_rule_flags_the_invalid_case_and_passes_the_valid_one(case: Case) -> None:
    """The invalid tool set breaks the rule with its documented severity; the valid one does not break it."""
    options = GateOptions(**case.options)
    bad = {(str(i.severity), i.rule) for i in check_tools(case.provider, case.bad, options=options)}
    good = {i.rule for i in check_tools(case.provider, case.good, options=options)}
    assert (case.severity, case.rule) in bad
    assert case.rule not in good


# Rules of RULES.md that never apply to what toolsync checks, with the reason.
NOT_APPLICABLE = {
    "general.jsonschema-missing": "jsonschema is a dependency of toolsync, so meta-schema checks always run",
}


def _documented_rules() -> set[str]:
    text = Path(RULES_PATH).read_text(encoding="utf-8")
    found = set(re.findall(r"[\[`]((?:openai|anthropic|gemini|mcp|general)\.[a-z0-9.\-]+)[\]`]", text))
    return found - {"mcp.types"}  # the SDK module, not a rule


def test_every_documented_rule_has_a_case() -> None:
    """Each rule id RULES.md names is exercised above, or listed as not applicable with a reason."""
    if not Path(RULES_PATH).is_file():
        pytest.skip(f"RULES.md not found at {RULES_PATH}")
    covered = {case.rule for case in CASES} | set(NOT_APPLICABLE)
    assert sorted(_documented_rules() - covered) == []


def test_every_rule_the_gate_can_report_has_a_case() -> None:
    """No rule id in the gate's source goes untested."""
    source = "\n".join(p.read_text(encoding="utf-8")
                       for p in (Path(__file__).parents[2] / "src/toolsync/gates").glob("_*.py"))
    emitted = set(re.findall(r"\"((?:openai|anthropic|gemini|mcp)\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)*)\"", source))
    emitted -= {"mcp.types"}  # a module name, not a rule
    assert sorted(emitted - {case.rule for case in CASES}) == []
