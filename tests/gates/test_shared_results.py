"""The gate's shortcuts (shared findings, one walk, per-keyword meta-schema checks) change no finding."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from toolsync.gates import GateOptions, check_tool, shared_schemas
from toolsync.gates._metaschema import _META, _format_errors, _key, _node_errors_cached
from toolsync.gates._schema import iter_subschemas, iter_subschemas_with_levels, object_depth

from .test_metaschema import _KEYWORDS, _VALUES

_SCHEMA_KEYS = st.sampled_from(["type", "properties", "items", "additionalProperties", "anyOf", "oneOf", "allOf",
                                "prefixItems", "$defs", "definitions", "not", "patternProperties", "required"])
_TYPES = st.sampled_from(["object", "array", "string", ["object", "null"]])
_SCHEMAS = st.recursive(
    st.fixed_dictionaries({}, optional={"type": _TYPES}),
    lambda c: st.one_of(st.dictionaries(_SCHEMA_KEYS, st.one_of(c, st.lists(c, max_size=2), _TYPES,
                                                                st.dictionaries(st.text(max_size=2), c, max_size=2)),
                                        max_size=4)),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(node=st.dictionaries(_KEYWORDS, _VALUES, max_size=5))
def test_keyword_errors_match_whole_node_errors(node: dict[str, Any]) -> None:
    """Checking a node keyword by keyword gives the errors, order included, of validating it whole."""
    key = _key(node)
    if key is not None:
        assert _node_errors_cached(key) == _format_errors(_META.iter_errors(orjson.loads(key)))


@settings(max_examples=300, deadline=None)
@given(schema=_SCHEMAS)
def test_levels_give_object_depth(schema: dict[str, Any]) -> None:
    """One walk yields the sub-schemas of iter_subschemas and, as its largest level, object_depth."""
    walked = list(iter_subschemas_with_levels(schema, "/p"))
    assert [(p, id(n)) for p, n, _ in walked] == [(p, id(n)) for p, n in iter_subschemas(schema, "/p")]
    assert max((level for _, _, level in walked), default=0) == object_depth(schema)


def _broken_params() -> dict[str, Any]:
    return {"type": "object", "properties": {"a": {"type": "text", "default": 1}, "b": {"type": "object"}},
            "required": ["a", "zz"], "allOf": [{"minLength": -1}]}


def _definitions(params: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {
        "openai": [{"type": "function", "name": "one", "parameters": params, "strict": True},
                   {"type": "function", "name": "two", "parameters": params},
                   {"type": "function", "name": "three", "parameters": params, "strict": False}],
        "openai-chat": [{"type": "function", "function": {"name": "four", "parameters": params, "strict": True}}],
        "anthropic": [{"name": "five", "input_schema": params, "strict": True}, {"name": "six", "input_schema": params}],
        "mcp": [{"name": "seven", "inputSchema": params, "outputSchema": params}],
        "gemini": [{"name": "eight", "parametersJsonSchema": params}],
    }


def test_shared_schemas_give_the_same_findings() -> None:
    """Tools sharing one broken schema get, inside shared_schemas(), the findings each gets alone."""
    params = _broken_params()
    for options in (GateOptions(use_sdk=False), GateOptions(use_sdk=False, warnings=False)):
        alone = {p: [check_tool(p, copy.deepcopy(d), options=options) for d in defs]
                 for p, defs in _definitions(params).items()}
        with shared_schemas():
            shared = {p: [check_tool(p, d, options=options) for d in defs]
                      for p, defs in _definitions(params).items()}
        assert shared == alone
        assert any(i.is_error for issues in shared["openai"] for i in issues)
