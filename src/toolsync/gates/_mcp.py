"""MCP ``Tool`` objects as a server lists them in ``tools/list``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import orjson

from .._json import is_mapping
from ._metaschema import meta_schema_errors
from ._report import Report
from ._schema import iter_subschemas, types_of
from ._sdk import validate_mcp_tool

__all__ = ["check_mcp"]

NAME_RE: Final = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
TOOL_KEYS: Final = frozenset({"name", "title", "description", "inputSchema", "outputSchema", "annotations", "icons",
                              "_meta", "execution"})
ANNOTATION_BOOLS: Final = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
HEADER_VERSION: Final = "2026-07-28"
_TCHAR_RE: Final = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def check_mcp(tool: Any, report: Report, *, version: str, use_sdk: bool) -> None:
    """Rules for one MCP tool under protocol ``version``."""
    if not is_mapping(tool):
        report.error("mcp.shape", "", "the tool must be a JSON object")
        return
    extra = [k for k in tool if k not in TOOL_KEYS]
    if extra:
        hint = " (use inputSchema, camelCase)" if "input_schema" in extra or "parameters" in extra else ""
        report.warn("mcp.unknown-key", "", f"keys {extra} are not Tool fields; clients ignore them{hint}")
    if version == HEADER_VERSION and "execution" in tool:
        report.warn("mcp.execution-removed", "/execution", f"execution was removed in {HEADER_VERSION}")
    _check_name(tool.get("name"), report)
    for key in ("title", "description"):
        if tool.get(key) is not None and not isinstance(tool[key], str):
            report.error("mcp.string-field", f"/{key}", f"{key} must be a string")
    _check_input_schema(tool.get("inputSchema"), report, version)
    _check_output_schema(tool.get("outputSchema"), report, version)
    _check_annotations(tool.get("annotations"), report)
    icons = tool.get("icons")
    if icons is not None and (not isinstance(icons, list) or any(
            not is_mapping(i) or not isinstance(i.get("src"), str) for i in icons)):
        report.error("mcp.icons", "/icons", "icons must be a list of objects with a string src")
    if use_sdk:
        for rule, severity, message in validate_mcp_tool(tool, version):
            report.add(severity, rule, "", message)


def _check_name(name: Any, report: Report) -> None:
    if not isinstance(name, str) or not name:
        report.error("mcp.name.required", "/name", "name is required (a non-empty string)")
        return
    if not NAME_RE.fullmatch(name):
        report.warn("mcp.name.format", "/name", f"{name!r}: names SHOULD be 1-128 characters of [A-Za-z0-9._-]")
    if name[0] in "-." or name[-1] in "-.":
        report.warn("mcp.name.edges", "/name", "a leading or trailing '-' or '.' may break some clients")


def _check_input_schema(schema: Any, report: Report, version: str) -> None:
    where = "/inputSchema"
    if schema is None:
        report.error("mcp.input-schema.required", where, "inputSchema is required and must not be null")
        return
    if not is_mapping(schema):
        report.error("mcp.input-schema.type", where, "inputSchema must be a JSON Schema object")
        return
    if schema.get("type") != "object":
        report.error("mcp.input-schema.root-object", where,
                     f"inputSchema must have type \"object\" at the root (got {schema.get('type')!r})")
    for pointer, message in meta_schema_errors(schema, where):
        report.error("mcp.input-schema.meta-schema", pointer, message)
    if schema.get("type") == "object" and "properties" not in schema \
            and schema.get("additionalProperties") is not False:
        report.warn("mcp.input-schema.no-params", where, "no properties: the spec recommends "
                    "{\"type\": \"object\", \"additionalProperties\": false}; clients backed by OpenAI also "
                    "need \"properties\": {}")
    _check_headers(schema, where, report, version)


def _check_output_schema(schema: Any, report: Report, version: str) -> None:
    if schema is None:
        return
    where = "/outputSchema"
    if not is_mapping(schema):
        report.error("mcp.output-schema.type", where, "outputSchema must be a JSON Schema object")
        return
    if version != HEADER_VERSION and schema.get("type") != "object":
        report.error("mcp.output-schema.root-object", where, "the outputSchema root must be type \"object\" "
                     f"through 2025-11-25 (got {schema.get('type')!r})")
    for pointer, message in meta_schema_errors(schema, where):
        report.error("mcp.output-schema.meta-schema", pointer, message)


def _check_annotations(annotations: Any, report: Report) -> None:
    if annotations is None:
        return
    if not is_mapping(annotations):
        report.error("mcp.annotations.type", "/annotations", "annotations must be an object")
        return
    for key in ANNOTATION_BOOLS:
        if annotations.get(key) is not None and not isinstance(annotations[key], bool):
            report.error("mcp.annotations.bool", f"/annotations/{key}", f"{key} must be a boolean")
    if annotations.get("title") is not None and not isinstance(annotations["title"], str):
        report.error("mcp.annotations.title", "/annotations/title", "title must be a string")


def _may_hold(schema: Mapping[str, Any], key: bytes) -> bool:
    """False only when ``key`` (JSON-quoted) appears nowhere in the schema: one C-speed pass, no walk."""
    try:
        return key in orjson.dumps(schema, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return True


def _check_headers(schema: Mapping[str, Any], where: str, report: Report, version: str) -> None:
    """``x-mcp-header`` (2026-07-28): an HTTP token, unique ignoring case, on a primitive property."""
    if not _may_hold(schema, b'"x-mcp-header"'):
        return
    seen: dict[str, str] = {}
    for pointer, sub in iter_subschemas(schema, where):
        if "x-mcp-header" not in sub:
            continue
        if version != HEADER_VERSION:
            report.warn("mcp.x-mcp-header.version", pointer, f"x-mcp-header is defined by {HEADER_VERSION} only")
        value = sub["x-mcp-header"]
        if not isinstance(value, str) or not _TCHAR_RE.fullmatch(value):
            report.error("mcp.x-mcp-header.token", pointer,
                         f"x-mcp-header {value!r} must be a non-empty HTTP token (RFC 9110 tchar)")
            continue
        if value.lower() in seen:
            report.error("mcp.x-mcp-header.unique", pointer,
                         f"x-mcp-header {value!r} repeats the one at {seen[value.lower()]} (case-insensitive)")
        seen[value.lower()] = pointer
        types = types_of(sub)
        if not types or any(t not in ("integer", "string", "boolean") for t in types):
            report.error("mcp.x-mcp-header.primitive", pointer,
                         "x-mcp-header only on integer, string or boolean properties (not number)")
