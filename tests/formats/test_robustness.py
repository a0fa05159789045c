"""Odd and broken schemas never crash conversion or rendering with a bare Python exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.convert.builders import body, op, param, spec
from toolsync.convert import ToolOptions, build_tools
from toolsync.formats import PROVIDERS, neutral_arguments, render_all
from toolsync.ir import Diagnostic

_KEYWORDS = ["type", "properties", "items", "required", "enum", "const", "anyOf", "oneOf", "allOf", "$ref",
             "additionalProperties", "format", "default", "minimum", "exclusiveMinimum", "description", "nullable",
             "readOnly", "patternProperties", "prefixItems", "not", "examples", "title", "dependentRequired"]
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, width=16),
                     st.sampled_from(["string", "object", "array", "integer", "null", "number", "uri", "#/$defs/N",
                                      "#/x", "a", ""]))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from([*_KEYWORDS, "a", "b"]), inner, max_size=4)),
    max_leaves=12)
_schemas = st.dictionaries(st.sampled_from(_KEYWORDS), _values, max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_schemas, _schemas, st.booleans())
def test_any_schema_builds_and_renders_or_is_skipped(query: dict[str, Any], payload: dict[str, Any],
                                                      strict_anthropic: bool) -> None:
    """Random schemas end in tools or in skipped diagnostics, for every provider."""
    operation = op("post", "/x", "x", params=(param("q", schema=query),), request_body=body(payload),
                   defs={"N": payload})
    options = ToolOptions(anthropic_strict=strict_anthropic)
    build = build_tools(spec(operation), options)
    for provider in PROVIDERS:
        skipped: list[Diagnostic] = []
        rendered = render_all(build.tools, provider, options, skipped=skipped)
        assert len(rendered) + len(skipped) == len(build.tools)
    for tool in build.tools:
        neutral_arguments(tool, {"q": "1", "body": None, "a": {"b": [None, "x"]}})
