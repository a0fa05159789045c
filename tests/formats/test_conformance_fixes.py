"""Regressions found by rendering every spec of the public collections (benchmarks/conformance.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.formats.helpers import params_of, rendered


def _ast_defs(kinds: int) -> dict[str, Any]:
    """An expression tree: ``Expression`` is any of ``kinds`` node types, each holding two Expressions."""
    refs = [{"$ref": f"#/$defs/Kind{i}"} for i in range(kinds)]
    defs: dict[str, Any] = {"Expression": {"oneOf": refs}}
    for i in range(kinds):
        defs[f"Kind{i}"] = {"type": "object", "properties": {
            "left": {"$ref": "#/$defs/Expression"}, "right": {"$ref": "#/$defs/Expression"},
            "op": {"type": "string"}}}
    return defs


def _expansions(node: Any) -> int:
    """The most nested objects with properties along any path (each is one expanded definition)."""
    if isinstance(node, dict):
        below = max((_expansions(v) for v in node.values()), default=0)
        return below + (1 if "properties" in node else 0)
    if isinstance(node, list):
        return max((_expansions(v) for v in node), default=0)
    return 0


def test_mutually_recursive_schemas_stay_small_for_gemini() -> None:
    """Many mutually recursive definitions expand gemini_recursion_depth times in all along a path."""
    result = rendered("gemini", {"query": {"$ref": "#/$defs/Expression"}}, defs=_ast_defs(20),
                      gemini_recursion_depth=3)
    query = params_of(result)["properties"]["query"]
    # Expression, then a Kind, then Expression again: the third expansion is the last one.
    assert _expansions(query) == 1
    assert query["anyOf"][0]["properties"]["left"]["anyOf"][0] == {"description": "A nested Kind0 value."}
    assert len(json.dumps(result.definition)) < 50_000


def _aws_expression_defs() -> dict[str, Any]:
    """AWS style: a recursive Expression whose nested uses are ``allOf: [{$ref}, {description}]``."""
    return {"Expression": {"type": "object", "properties": {
        "Not": {"allOf": [{"$ref": "#/$defs/Expression"}, {"description": "Negated."}]},
        "And": {"allOf": [{"$ref": "#/$defs/Expressions"}, {"description": "All of these."}]},
        "Key": {"type": "string"}}},
        "Expressions": {"type": "array", "items": {"$ref": "#/$defs/Expression"}}}


def test_recursive_allof_ref_stays_a_ref_in_openai_strict() -> None:
    """allOf of a recursive $ref and a description renders strict, keeping the $ref (no endless inlining)."""
    result = rendered("openai", {"filter": {"allOf": [{"$ref": "#/$defs/Expression"}, {"description": "Filter."}]}},
                      defs=_aws_expression_defs())
    assert result.strict is True
    schema = params_of(result)
    assert schema["properties"]["filter"]["anyOf"][0] == {"$ref": "#/$defs/Expression"}
    expression = schema["$defs"]["Expression"]["properties"]["Not"]
    assert {"$ref": "#/$defs/Expression"} in expression["anyOf"] and expression["description"].startswith("Negated.")


def test_recursive_allof_with_constraints_falls_back_instead_of_recursing() -> None:
    """A recursive definition inlined into itself through allOf makes the tool non-strict, not a crash."""
    defs = {"Node": {"type": "object", "properties": {
        "child": {"allOf": [{"$ref": "#/$defs/Node"}, {"required": ["name"]}]}, "name": {"type": "string"}}}}
    result = rendered("openai", {"root": {"allOf": [{"$ref": "#/$defs/Node"}, {"required": ["name"]}]}}, defs=defs)
    assert result.strict is False
    assert any("inlined into itself" in note.message for note in result.notes)


def test_nested_false_property_is_left_out_for_gemini() -> None:
    """A nested property whose schema is false is not sent to Gemini, which has no such schema."""
    result = rendered("gemini", {"srv": {"type": "object", "required": ["port", "never"], "properties": {
        "port": {"type": "integer"}, "never": False}}})
    assert params_of(result)["properties"]["srv"] == {"type": "OBJECT", "properties": {"port": {"type": "INTEGER"}},
                                                     "required": ["port"]}


def test_recursive_allof_ref_is_cut_for_gemini() -> None:
    """allOf parts that inline a recursive $ref count against gemini_recursion_depth (no endless merging)."""
    result = rendered("gemini", {"filter": {"allOf": [{"$ref": "#/$defs/Expression"}, {"description": "Filter."}]}},
                      defs=_aws_expression_defs(), gemini_recursion_depth=2)
    nested = params_of(result)["properties"]["filter"]["properties"]["Not"]["properties"]["Not"]
    assert nested == {"description": "Negated. A nested Expression value."}
