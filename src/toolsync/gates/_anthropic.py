"""Anthropic Messages API custom tools (``ToolParam``), including strict tool use."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from jsonschema import Draft202012Validator, validators
from jsonschema_specifications import REGISTRY as _META_SCHEMAS  # type: ignore[import-untyped]

from .._json import is_mapping
from ._metaschema import meta_schema_errors
from ._report import Report
from ._schema import child_pointer, find_recursion, is_object_schema, iter_subschemas, resolve_local_ref

__all__ = ["check_anthropic", "strict_counts"]

NAME_RE: Final = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
KEYS: Final = frozenset({"name", "description", "input_schema", "type", "cache_control", "strict", "defer_loading",
                         "allowed_callers", "eager_input_streaming", "input_examples"})
CALLERS: Final = ("direct", "code_execution_20250825", "code_execution_20260120", "code_execution_20260521")
FORMATS: Final = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6",
                            "uuid"})
STRICT_SUPPORTED: Final = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "anyOf", "allOf", "enum", "const",
    "$ref", "$def", "$defs", "definitions", "default", "description", "title", "format", "pattern", "minItems",
})
_NUMERIC: Final = "numerical constraints"
_STRING: Final = "string constraints"
_ARRAY: Final = "array constraints beyond minItems 0/1"
STRICT_UNSUPPORTED: Final = {
    "minimum": _NUMERIC, "maximum": _NUMERIC, "multipleOf": _NUMERIC, "exclusiveMinimum": _NUMERIC,
    "exclusiveMaximum": _NUMERIC, "minLength": _STRING, "maxLength": _STRING, "maxItems": _ARRAY,
    "uniqueItems": _ARRAY, "contains": _ARRAY, "minContains": _ARRAY, "maxContains": _ARRAY,
}
MAX_STRICT_TOOLS: Final = 20
MAX_OPTIONAL_PARAMS: Final = 24
MAX_UNION_PARAMS: Final = 16
MAX_DEFERRED_TOOLS: Final = 10_000
BIG_QUANTIFIER: Final = 1000

_BACKREF: Final = re.compile(r"(?<!\\)\\[1-9]|\\k<")
_LOOKAROUND: Final = re.compile(r"\(\?<?[=!]")
_WORD_BOUNDARY: Final = re.compile(r"(?<!\\)\\[bB]")
_QUANTIFIER: Final = re.compile(r"\{(\d+)(?:,(\d*))?\}")
_SERVER_TOOL_TYPE: Final = re.compile(r"_\d{8}$")
# Examples are validated against a registry of the meta-schemas only, which cannot retrieve anything:
# a remote or file $ref fails instead of being fetched.
_NO_RETRIEVAL: Final[Any] = _META_SCHEMAS


def check_anthropic(tool: Any, report: Report) -> None:
    """Rules for one custom tool: ``{"name", "description", "input_schema", ...}``."""
    if not is_mapping(tool):
        report.error("anthropic.shape", "", "the tool must be a JSON object")
        return
    if not _check_type(tool, report):
        return
    extra = [k for k in tool if k not in KEYS]
    if extra:
        report.error("anthropic.unknown-key", "", f"keys {extra} are not ToolParam fields "
                     "(for example use input_schema, not parameters)")
    _check_name_and_description(tool, report)
    schema = _check_input_schema(tool.get("input_schema"), report)
    _check_options(tool, report)
    _check_examples(tool.get("input_examples"), schema, report)
    if tool.get("strict") is True and schema is not None:
        _check_strict(schema, "/input_schema", report)


def _check_type(tool: Mapping[str, Any], report: Report) -> bool:
    """True when this is a custom tool the remaining rules apply to."""
    kind = tool.get("type")
    if kind in (None, "custom"):
        return True
    if isinstance(kind, str) and _SERVER_TOOL_TYPE.search(kind):
        report.warn("anthropic.type", "/type", f"type {kind!r} looks like a versioned server tool; not checked")
    else:
        report.error("anthropic.type", "/type", f"type {kind!r}: a custom tool has no type or \"custom\" "
                     "(the OpenAI shape {\"type\": \"function\", ...} is not accepted)")
    return False


def _check_name_and_description(tool: Mapping[str, Any], report: Report) -> None:
    name = tool.get("name")
    if not isinstance(name, str):
        report.error("anthropic.name.required", "/name", "name is required and must be a string")
    elif not NAME_RE.fullmatch(name):
        report.error("anthropic.name.pattern", "/name", f"{name!r} must match ^[a-zA-Z0-9_-]{{1,64}}$")
    desc = tool.get("description")
    if desc is not None and not isinstance(desc, str):
        report.error("anthropic.description.type", "/description", "description must be a string")
    elif not desc:
        report.warn("anthropic.description.missing", "/description",
                    "no description (optional, but the docs call it the most important factor)")


def _check_input_schema(schema: Any, report: Report) -> Mapping[str, Any] | None:
    where = "/input_schema"
    if schema is None:
        report.error("anthropic.input-schema.required", where, "input_schema is required")
        return None
    if not is_mapping(schema):
        report.error("anthropic.input-schema.type", where, "input_schema must be a JSON object")
        return None
    if "type" not in schema:
        report.error("anthropic.input-schema.root-object", where, "input_schema.type is required and must be "
                     "\"object\" (the API answers 'input_schema.type: Field required')")
    elif schema.get("type") != "object":
        report.error("anthropic.input-schema.root-object", where,
                     f"input_schema.type must be \"object\" (got {schema.get('type')!r})")
    for pointer, message in meta_schema_errors(schema, where):
        report.error("anthropic.input-schema.meta-schema", pointer, message)
    return schema


def _check_options(tool: Mapping[str, Any], report: Report) -> None:
    cache = tool.get("cache_control")
    if cache is not None and not _valid_cache_control(cache):
        report.error("anthropic.cache-control", "/cache_control",
                     "cache_control must be {\"type\": \"ephemeral\"} with an optional \"ttl\": \"5m\" | \"1h\"")
    for key in ("strict", "defer_loading"):
        if key in tool and not isinstance(tool[key], bool):
            report.error("anthropic.bool", f"/{key}", f"{key} must be a boolean")
    eager = tool.get("eager_input_streaming")
    if eager is not None and not isinstance(eager, bool):
        report.error("anthropic.bool", "/eager_input_streaming", "eager_input_streaming must be a boolean or null")
    if tool.get("defer_loading") is True and cache is not None:
        report.error("anthropic.defer-cache-control", "", "a deferred tool (defer_loading) cannot carry "
                     "cache_control")
    callers = tool.get("allowed_callers")
    if callers is None:
        return
    if not isinstance(callers, list):
        report.error("anthropic.allowed-callers", "/allowed_callers", "allowed_callers must be a list")
        return
    unknown = [v for v in callers if v not in CALLERS]
    if unknown:
        report.warn("anthropic.allowed-callers", "/allowed_callers",
                    f"values {unknown} are not in the installed SDK's list {sorted(CALLERS)}")


def _valid_cache_control(cache: Any) -> bool:
    return (is_mapping(cache) and cache.get("type") == "ephemeral"
            and all(k in ("type", "ttl") for k in cache) and cache.get("ttl", "5m") in ("5m", "1h"))


def _check_examples(examples: Any, schema: Mapping[str, Any] | None, report: Report) -> None:
    if examples is None:
        return
    where = "/input_examples"
    if not isinstance(examples, list) or not all(is_mapping(e) for e in examples):
        report.error("anthropic.input-examples.type", where, "input_examples must be a list of objects")
        return
    if schema is None:
        return
    try:
        cls = validators.validator_for(schema, default=Draft202012Validator)
        validator = cls(schema, registry=_NO_RETRIEVAL)
        for i, example in enumerate(examples):
            errors = list(validator.iter_errors(example))
            if errors:
                report.error("anthropic.input-examples.invalid", child_pointer(where, i),
                             f"the example does not validate against input_schema: {errors[0].message}")
    except Exception as exc:  # noqa: BLE001 - a broken schema or an unresolvable $ref: report, never crash
        report.warn("anthropic.input-examples.unchecked", where, f"the examples could not be validated: {exc}")


def strict_counts(schema: Mapping[str, Any]) -> tuple[int, int]:
    """(optional parameters, union-typed parameters) over every object schema, nested ones included."""
    optional = union = 0
    for _, sub in iter_subschemas(schema):
        props = sub.get("properties")
        if not is_mapping(props):
            continue
        required = sub.get("required")
        listed = required if isinstance(required, list) else []
        optional += sum(1 for k in props if k not in listed)
        union += sum(1 for p in props.values()
                     if is_mapping(p) and ("anyOf" in p or isinstance(p.get("type"), list)))
    return optional, union


def _check_strict(schema: Mapping[str, Any], where: str, report: Report) -> None:
    cycle = find_recursion(schema)
    if cycle:
        report.error("anthropic.strict.recursive", where, f"recursive schemas are not supported ({cycle})")
    for pointer, sub in iter_subschemas(schema, where):
        _strict_node(schema, pointer, sub, report)
    optional, union = strict_counts(schema)
    if optional > MAX_OPTIONAL_PARAMS:
        report.error("anthropic.strict.limit-optional", where, f"{optional} optional parameters in this schema "
                     f"alone (the request-wide limit is {MAX_OPTIONAL_PARAMS})")
    if union > MAX_UNION_PARAMS:
        report.error("anthropic.strict.limit-union", where, f"{union} union-typed parameters in this schema "
                     f"alone (the request-wide limit is {MAX_UNION_PARAMS})")


def _strict_node(root: Mapping[str, Any], where: str, sub: Mapping[str, Any], report: Report) -> None:
    _strict_keywords(where, sub, report)
    min_items = sub.get("minItems")
    if min_items is not None and min_items not in (0, 1):
        report.error("anthropic.strict.min-items", where, f"minItems {min_items!r}: only 0 and 1 are supported")
    if is_object_schema(sub):
        if "additionalProperties" not in sub:
            report.error("anthropic.strict.additional-properties", where,
                         "objects must set \"additionalProperties\": false")
        elif sub["additionalProperties"] is not False:
            report.error("anthropic.strict.additional-properties", where,
                         "additionalProperties other than false is not supported")
    _strict_values(where, sub, report)
    _strict_refs(root, where, sub, report)
    fmt = sub.get("format")
    if fmt is not None and not (isinstance(fmt, str) and fmt in FORMATS):
        report.error("anthropic.strict.format", where, f"format {fmt!r} is not supported "
                     f"(allowed: {sorted(FORMATS)})")
    pattern = sub.get("pattern")
    if isinstance(pattern, str):
        _strict_pattern(where, pattern, report)


def _strict_keywords(where: str, sub: Mapping[str, Any], report: Report) -> None:
    for key in sub:
        if key in STRICT_UNSUPPORTED:
            report.error("anthropic.strict.unsupported-keyword", where,
                         f"{key!r} is not supported with strict ({STRICT_UNSUPPORTED[key]})")
        elif key == "oneOf":
            report.warn("anthropic.strict.oneof", where, "oneOf is not in the supported list "
                        "(the SDK rewrites it to anyOf)")
        elif key not in STRICT_SUPPORTED:
            report.warn("anthropic.strict.undocumented-keyword", where,
                        f"keyword {key!r} is not in the documented supported list")


def _strict_values(where: str, sub: Mapping[str, Any], report: Report) -> None:
    enum = sub.get("enum")
    if isinstance(enum, list) and any(isinstance(v, (Mapping, list)) for v in enum):
        report.error("anthropic.strict.enum-complex", where, "enum values must be strings, numbers, "
                     "booleans or null")
    if isinstance(sub.get("const"), (Mapping, list)):
        report.warn("anthropic.strict.const-complex", where, "a complex const value (the SDK moves it into "
                    "the description)")


def _strict_refs(root: Mapping[str, Any], where: str, sub: Mapping[str, Any], report: Report) -> None:
    ref = sub.get("$ref")
    if isinstance(ref, str):
        if not ref.startswith("#"):
            report.error("anthropic.strict.ref-external", where, f"external $ref {ref!r} is not supported")
        elif resolve_local_ref(root, ref) is None:
            report.error("anthropic.strict.ref-unresolved", where, f"$ref {ref!r} does not resolve")
    all_of = sub.get("allOf")
    if isinstance(all_of, list) and any(is_mapping(a) and "$ref" in a for a in all_of):
        report.error("anthropic.strict.allof-ref", where, "allOf with $ref is not supported")


def _strict_pattern(where: str, pattern: str, report: Report) -> None:
    if _BACKREF.search(pattern):
        report.error("anthropic.strict.pattern", where, "regex backreferences are not supported")
    if _LOOKAROUND.search(pattern):
        report.error("anthropic.strict.pattern", where, "regex lookahead and lookbehind are not supported")
    if _WORD_BOUNDARY.search(pattern):
        report.error("anthropic.strict.pattern", where, "regex word boundaries (\\b, \\B) are not supported")
    for match in _QUANTIFIER.finditer(pattern):
        bounds = [int(x) for x in match.groups() if x]
        if bounds and max(bounds) > BIG_QUANTIFIER:
            report.warn("anthropic.strict.pattern-quantifier", where, f"large quantifier {match.group(0)} "
                        "(the docs say large {n,m} ranges are unsupported; the threshold is a heuristic)")
