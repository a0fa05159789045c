"""Execution fidelity: every built request is valid for its operation according to openapi-core."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.upstream.app import OPENAPI
from toolsync.execute import ExecutionConfig
from toolsync.ir import Spec
from toolsync.spec.loader import load_spec
from toolsync.tool import Tool

from .fidelity import check_tools, sample
from .helpers import tools_by_operation_id


def test_upstream_operations_build_valid_requests(upstream_spec: Spec, upstream_tools: dict[str, Tool]) -> None:
    """Every upstream operation, called with minimal and full generated arguments, passes openapi-core."""
    config = ExecutionConfig.for_spec(upstream_spec)
    outcomes = check_tools(OPENAPI, upstream_tools.values(), config)
    failures = [o for o in outcomes if o.error]
    assert len(outcomes) == 2 * len(upstream_spec.operations)
    assert failures == []


def test_sample_respects_schema_keywords() -> None:
    """The generator honours enum, bounds, lengths, patterns, formats and required fields."""
    schema = {"type": "object", "required": ["a"], "properties": {
        "a": {"type": "integer", "minimum": 5, "maximum": 9},
        "b": {"type": "string", "minLength": 5, "pattern": "^[a-z]+$"},
        "c": {"type": ["null", "string"], "format": "date"},
        "d": {"type": "array", "items": {"enum": ["x", "y"]}, "minItems": 2},
        "e": {"$ref": "#/$defs/E"}}, "$defs": {"E": {"type": "number", "exclusiveMinimum": 0}}}
    assert sample(schema, schema, full=False) == {"a": 5}
    assert sample(schema, schema, full=True) == {"a": 5, "b": "abcaa", "c": "2024-01-02", "d": ["x", "x"],
                                                 "e": 1.5}


def test_upstream_through_the_loader_builds_valid_requests() -> None:
    """The same holds when the upstream document goes through the real loader (and converter, once there)."""
    spec = load_spec(OPENAPI)
    outcomes = check_tools(OPENAPI, _example_tools(spec), ExecutionConfig.for_spec(spec))
    assert len(outcomes) == 2 * len(spec.operations) > 0
    assert [o for o in outcomes if o.error] == []


def test_checker_catches_a_wrong_request(upstream_spec: Spec, upstream_tools: dict[str, Tool]) -> None:
    """A tool that sends its body field under the wrong name is reported by the check."""
    tool = upstream_tools["createPet"]
    wrong = tuple(replace(b, name="nom") if b.name == "name" else b for b in tool.bindings)
    outcomes = check_tools(OPENAPI, [replace(tool, bindings=wrong)], ExecutionConfig.for_spec(upstream_spec))
    assert all(o.error and "name" in o.error for o in outcomes)


EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "specs").glob("*.*"))


def _example_tools(spec: Spec) -> list[Tool]:
    """The converter's tools when it is available, else hand-built ones with the same bindings."""
    try:
        from toolsync.convert import build_tools
    except ImportError:
        return list(tools_by_operation_id(spec).values())
    return list(build_tools(spec).tools)


def _binary_as_content_media(node: Any) -> Any:
    """OpenAPI 3.1 spelling of raw bytes: ``contentMediaType`` (3.1 validators read ``format: binary`` as text)."""
    if isinstance(node, dict):
        out = {k: _binary_as_content_media(v) for k, v in node.items()}
        if out.get("format") == "binary" and out.get("type") == "string":
            del out["format"]
            out["contentMediaType"] = "application/octet-stream"
        return out
    if isinstance(node, list):
        return [_binary_as_content_media(v) for v in node]
    return node


def _reference_document(document: dict[str, Any], spec: Spec) -> Any:
    """What requests are checked against: the document itself, or its 3.1 form for Swagger 2.0
    (openapi-core reads OpenAPI 3.x only)."""
    if "swagger" not in document:
        return document
    return _binary_as_content_media(spec.document)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_specs_build_valid_requests(path: Path) -> None:
    """Every operation of every example spec builds requests that openapi-core accepts."""
    document = yaml.safe_load(path.read_text())
    spec = load_spec(path)
    tools = _example_tools(spec)
    outcomes = check_tools(_reference_document(document, spec), tools, ExecutionConfig.for_spec(spec))
    assert len(outcomes) == 2 * len(spec.operations) > 0
    assert [o for o in outcomes if o.error] == []
