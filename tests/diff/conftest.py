"""Builders for hand-made operations and specs, and helpers to look findings up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from toolsync.diff import Finding, FindingSeverity, diff_operations
from toolsync.ir import MediaType, Operation, Parameter, ParamLocation, RequestBody, Response, Spec

JSON = "application/json"


def op(method: str = "get", path: str = "/pets", **fields: Any) -> Operation:
    """An operation with a 200 JSON response unless ``responses`` is given."""
    fields.setdefault("responses", (Response("200", "ok", (MediaType(JSON, {"type": "object"}),)),))
    return Operation(method=method, path=path, **fields)


def param(name: str, location: str = "query", schema: Mapping[str, Any] | None = None, *,
          required: bool = False, **fields: Any) -> Parameter:
    return Parameter(name=name, location=ParamLocation(location), schema=schema or {"type": "string"},
                     required=required or location == "path", **fields)


def body(schema: Mapping[str, Any], *, required: bool = True, media_types: tuple[str, ...] = (JSON,)) -> RequestBody:
    return RequestBody(tuple(MediaType(name, schema) for name in media_types), required=required)


def ok(schema: Mapping[str, Any], status: str = "200", media_type: str = JSON) -> tuple[Response, ...]:
    return (Response(status, "ok", (MediaType(media_type, schema),)),)


def spec(*operations: Operation, version: str = "1.0.0", **fields: Any) -> Spec:
    fields.setdefault("title", "Pets")
    return Spec(name="pets", source="pets.yaml", version=version, openapi_version="3.1.0",
                operations=operations, **fields)


def post_body(schema: Mapping[str, Any], **fields: Any) -> Operation:
    """POST /pets taking ``schema`` as its JSON body."""
    return op("post", "/pets", request_body=body(schema, **fields))


def get_returning(schema: Mapping[str, Any]) -> Operation:
    return op("get", "/pets", responses=ok(schema))


def ids(findings: list[Finding] | tuple[Finding, ...]) -> set[tuple[str, FindingSeverity]]:
    return {(f.id, f.severity) for f in findings}


def only(old: Operation, new: Operation) -> Finding:
    """The single finding between two operations (fails when there are none or several)."""
    found = diff_operations(old, new)
    assert len(found) == 1, [f"{f.id}: {f.message}" for f in found]
    return found[0]


def finding(findings: list[Finding] | tuple[Finding, ...], rule: str) -> Finding:
    matches = [f for f in findings if f.id == rule]
    assert matches, f"no {rule} in {[f.id for f in findings]}"
    return matches[0]


def obj(required: tuple[str, ...] = (), **props: Any) -> dict[str, Any]:
    """An object schema with the given properties."""
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    return out
