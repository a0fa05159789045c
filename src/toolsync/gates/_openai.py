"""OpenAI function tools: Responses (flat) and Chat Completions (nested ``function``) shapes, strict mode."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from ..ir import Severity
from ..limits import NESTING_LIMIT, too_deep
from ._memo import checked_once, clean_memo
from ._metaschema import meta_schema_errors
from ._report import Report
from ._schema import (
    JSON_TYPES,
    is_mapping,
    is_object_schema,
    iter_subschemas,
    iter_subschemas_with_levels,
    resolve_local_ref,
    subschema_edges,
    types_of,
)

__all__ = ["check_openai_chat", "check_openai_responses"]

NAME_RE: Final = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
CHAT_FUNCTION_KEYS: Final = frozenset({"name", "description", "parameters", "strict"})
RESPONSES_KEYS: Final = frozenset({"type", "name", "description", "parameters", "strict", "defer_loading",
                                   "allowed_callers", "async", "output_schema"})
STRICT_FORMATS: Final = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6",
                                   "uuid"})
STRICT_ALLOWED: Final = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "anyOf", "enum", "const", "$ref",
    "$defs", "definitions", "description", "title", "pattern", "format", "minLength", "maxLength",
    "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "minItems", "maxItems",
})
STRICT_FORBIDDEN: Final = frozenset({"allOf", "not", "dependentRequired", "dependentSchemas", "if", "then", "else"})
MAX_DESCRIPTION: Final = 1024
MAX_PROPERTIES = 5000
MAX_DEPTH = 10
OLD_MAX_DEPTH = 5
MAX_CHARS = 120_000
MAX_ENUM_VALUES = 1000
BIG_ENUM = 250
BIG_ENUM_CHARS = 15_000


def _hashable_in(value: Any, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


def check_openai_responses(tool: Any, report: Report) -> None:
    """Rules for a Responses API function tool: ``{"type": "function", "name": ..., "parameters": ...}``."""
    if not is_mapping(tool):
        report.error("openai.shape", "", "the tool must be a JSON object")
        return
    _check_type(tool, report)
    if "function" in tool:
        report.error("openai.responses.flat", "", "Responses tools are flat ({type, name, parameters, ...}); "
                     "found a nested \"function\" object (that is the Chat Completions shape)")
    _check_function(tool, "", RESPONSES_KEYS, report, responses=True)


def check_openai_chat(tool: Any, report: Report) -> None:
    """Rules for a Chat Completions tool: ``{"type": "function", "function": {...}}``."""
    if not is_mapping(tool):
        report.error("openai.shape", "", "the tool must be a JSON object")
        return
    _check_type(tool, report)
    extra = [k for k in tool if k not in ("type", "function")]
    if extra:
        report.warn("openai.unknown-key", "", f"unexpected keys {extra} for a Chat Completions tool")
    function = tool.get("function")
    if not is_mapping(function):
        report.error("openai.chat.function", "/function", "Chat Completions tools need a \"function\" object "
                     "(name, description, parameters, strict)")
        return
    _check_function(function, "/function", CHAT_FUNCTION_KEYS, report, responses=False)


def _check_type(tool: Mapping[str, Any], report: Report) -> None:
    if tool.get("type") != "function":
        report.error("openai.type", "/type", f"type must be \"function\" (got {tool.get('type')!r})")


def _check_function(fn: Mapping[str, Any], where: str, allowed: frozenset[str], report: Report, *,
                    responses: bool) -> None:
    extra = [k for k in fn if k not in allowed]
    if extra:
        report.warn("openai.unknown-key", where or None,
                    f"keys {extra} are not in the SDK type (the API may answer 'Unknown parameter')")
    _check_name_and_description(fn, where, report)
    strict = fn.get("strict")
    if strict is not None and not isinstance(strict, bool):
        report.error("openai.strict.type", f"{where}/strict", "strict must be a boolean or null")
    if responses:
        _check_responses_fields(fn, report)
    params = fn.get("parameters")
    pointer = f"{where}/parameters"
    if not is_mapping(params):
        _check_parameters(params, pointer, report)
        if strict is True:
            report.warn("openai.strict.no-parameters", pointer, "strict tool without parameters; send "
                        "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false,\"required\":[]}")
        return
    mode = "strict" if strict is True else "lenient" if strict is None and responses else "plain"

    def check(into: Report, at: str) -> None:
        _check_schema(params, at, into, mode)

    # Both OpenAI shapes usually carry the same parameters object: its findings are computed once.
    checked_once(report, ("openai parameters", mode), params, pointer, check)


def _check_schema(params: Mapping[str, Any], pointer: str, report: Report, mode: str) -> None:
    _check_parameters(params, pointer, report)
    if mode == "strict":
        _StrictCheck(params, pointer, report, Severity.ERROR, "").run()
    elif mode == "lenient" and report.want_warnings:  # every finding is a warning: skip when unwanted
        _StrictCheck(params, pointer, report, Severity.WARNING,
                     " [strict omitted: Responses falls back to non-strict for this schema]").run()


def _check_name_and_description(fn: Mapping[str, Any], where: str, report: Report) -> None:
    name = fn.get("name")
    if not isinstance(name, str):
        report.error("openai.name.required", f"{where}/name", "name is required and must be a string")
    elif not NAME_RE.fullmatch(name):
        report.error("openai.name.pattern", f"{where}/name",
                     f"{name!r} must match ^[a-zA-Z0-9_-]{{1,64}}$ (letters, digits, _ and -; at most 64)")
    desc = fn.get("description")
    if desc is not None and not isinstance(desc, str):
        report.error("openai.description.type", f"{where}/description", "description must be a string")
    elif isinstance(desc, str) and len(desc) > MAX_DESCRIPTION:
        report.warn("openai.description.length", f"{where}/description",
                    f"{len(desc)} characters; the API rejected descriptions over 1024 characters until at "
                    "least 2025-04 (reported lifted in 2025-05)")


def _check_responses_fields(fn: Mapping[str, Any], report: Report) -> None:
    for key in ("defer_loading", "async"):
        if key in fn and not isinstance(fn[key], bool):
            report.error("openai.responses.bool", f"/{key}", f"{key} must be a boolean")
    callers = fn.get("allowed_callers")
    if callers is not None and (not isinstance(callers, list)
                                or any(v not in ("direct", "programmatic") for v in callers)):
        report.warn("openai.responses.allowed-callers", "/allowed_callers",
                    "the SDK allows only [\"direct\", \"programmatic\"]")
    output = fn.get("output_schema")
    if output is not None and not is_mapping(output):
        report.error("openai.responses.output-schema", "/output_schema", "output_schema must be an object")


def _check_parameters(params: Any, pointer: str, report: Report) -> None:
    """The rules on ``parameters`` that hold whether or not the tool is strict."""
    if params is None:
        return
    if not is_mapping(params):
        report.error("openai.parameters.type", pointer, "parameters must be a JSON object (a JSON Schema)")
        return
    if params.get("type") != "object":
        report.error("openai.parameters.root-object", pointer,
                     f"the root schema must have type \"object\" (got {params.get('type')!r})")
    elif "properties" not in params:
        report.error("openai.parameters.properties-missing", pointer, "object schema without \"properties\"; "
                     "add \"properties\": {} (the API answers 'object schema missing properties')")
    for where, message in meta_schema_errors(params, pointer):
        report.error("openai.parameters.meta-schema", where, message)
    if not report.want_warnings:
        return  # the rest only warns
    for where, sub in iter_subschemas(params, pointer):
        if where != pointer and sub.get("type") == "object" and "properties" not in sub \
                and not is_mapping(sub.get("additionalProperties")):
            report.warn("openai.parameters.nested-properties-missing", where, "nested object schema without "
                        "\"properties\" (rejected at the root; unverified for nested objects)")


class _StrictCheck:
    """The Structured Outputs subset; run as errors for ``strict: true``, as warnings when strict is omitted."""

    __slots__ = ("chars", "enum_values", "params", "pointer", "report", "severity", "total_props", "why")

    def __init__(self, params: Mapping[str, Any], pointer: str, report: Report, severity: Severity, why: str) -> None:
        self.params = params
        self.pointer = pointer
        self.report = report
        self.severity = severity
        self.why = why
        self.total_props = 0
        self.chars = 0
        self.enum_values = 0

    def flag(self, rule: str, where: str, message: str, severity: Severity | None = None) -> None:
        self.report.add(severity or self.severity, rule, where, message + self.why)

    def run(self) -> None:
        if "anyOf" in self.params or "oneOf" in self.params:
            self.flag("openai.strict.root-anyof", self.pointer, "the root schema must be an object, not anyOf")
        for key in ("$defs", "definitions"):
            defs = self.params.get(key)
            if is_mapping(defs):
                self.chars += sum(len(str(name)) for name in defs)
        start, counts = len(self.report.issues), (self.total_props, self.chars, self.enum_values)
        try:
            depth = _SubtreeWalk(self).visit(self.params, self.pointer)
        except RecursionError:  # deeper than the stack allows: the iterative walk, without the memo
            del self.report.issues[start:]
            self.total_props, self.chars, self.enum_values = counts
            depth = 0
            for where, sub, level in iter_subschemas_with_levels(self.params, self.pointer):
                self.node(where, sub)
                depth = max(depth, level)
        self.limits(depth)

    def node(self, where: str, sub: Mapping[str, Any]) -> None:
        self.keywords(where, sub)
        for t in types_of(sub):
            if t not in JSON_TYPES:
                self.flag("openai.strict.bad-type", where, f"unknown type {t!r}")
        if is_object_schema(sub):
            self.object(where, sub)
        fmt = sub.get("format")
        if fmt is not None and not _hashable_in(fmt, STRICT_FORMATS):
            self.flag("openai.strict.format", where,
                      f"format {fmt!r} is not supported (allowed: {sorted(STRICT_FORMATS)})")
        self.ref(where, sub)
        if "default" in sub:
            self.flag("openai.strict.default", where, "\"default\" is not in the supported list (reported "
                      "rejected in 2024; the SDK strips only default: null)", Severity.WARNING)
        self.enum(where, sub)
        if isinstance(sub.get("const"), str):
            self.chars += len(sub["const"])

    def keywords(self, where: str, sub: Mapping[str, Any]) -> None:
        for key in sub:
            if key in STRICT_FORBIDDEN:
                self.flag("openai.strict.unsupported-keyword", where, f"keyword {key!r} is not supported in "
                          "strict mode")
            elif key not in STRICT_ALLOWED:
                self.flag("openai.strict.undocumented-keyword", where, f"keyword {key!r} is not in the "
                          "documented strict subset (may be rejected)", Severity.WARNING)

    def object(self, where: str, sub: Mapping[str, Any]) -> None:
        if sub.get("additionalProperties") is not False:
            self.flag("openai.strict.additional-properties", where,
                      "every object must set \"additionalProperties\": false")
        props = sub.get("properties")
        props = props if is_mapping(props) else {}
        self.total_props += len(props)
        self.chars += sum(len(str(k)) for k in props)
        required = sub.get("required")
        listed = required if isinstance(required, list) else []
        missing = [k for k in props if k not in listed]
        if props and not isinstance(required, list):
            self.flag("openai.strict.required-all", where, "\"required\" must list every property")
        elif missing:
            self.flag("openai.strict.required-all", where, f"every property must be in \"required\" (missing "
                      f"{missing}); make optional ones nullable, e.g. \"type\": [\"string\", \"null\"]")
        unknown = [k for k in listed if not isinstance(k, str) or k not in props]
        if unknown:
            self.flag("openai.strict.required-unknown", where, f"\"required\" names undefined properties {unknown}")

    def ref(self, where: str, sub: Mapping[str, Any]) -> None:
        ref = sub.get("$ref")
        if not isinstance(ref, str):
            return
        if not ref.startswith("#"):
            self.flag("openai.strict.ref-external", where, f"$ref {ref!r} is not a local reference")
        elif resolve_local_ref(self.params, ref) is None:
            self.flag("openai.strict.ref-unresolved", where, f"$ref {ref!r} does not resolve")
        siblings = [k for k in sub if k != "$ref"]
        if siblings:
            self.flag("openai.strict.ref-siblings", where, f"$ref with sibling keywords {siblings} (the SDK "
                      "inlines such refs because the API does not accept them)")

    def enum(self, where: str, sub: Mapping[str, Any]) -> None:
        enum = sub.get("enum")
        if not isinstance(enum, list):
            return
        self.enum_values += len(enum)
        strings = sum(len(v) for v in enum if isinstance(v, str))
        self.chars += strings
        if len(enum) > BIG_ENUM and any(isinstance(v, str) for v in enum) and strings > BIG_ENUM_CHARS:
            self.flag("openai.strict.limit-enum-chars", where, f"a string enum with more than {BIG_ENUM} "
                      f"values totals {strings} characters (at most {BIG_ENUM_CHARS})")

    def limits(self, depth: int) -> None:
        """The schema-wide limits; ``depth`` is ``object_depth(params)``, found during the walk."""
        if self.total_props > MAX_PROPERTIES:
            self.flag("openai.strict.limit-properties", self.pointer,
                      f"{self.total_props} object properties in total (at most {MAX_PROPERTIES})")
        if depth > MAX_DEPTH:
            self.flag("openai.strict.limit-depth", self.pointer,
                      f"{depth} levels of object nesting (at most {MAX_DEPTH})")
        elif depth > OLD_MAX_DEPTH:
            self.flag("openai.strict.limit-depth-old", self.pointer, f"{depth} levels of object nesting: "
                      f"allowed by the current docs ({MAX_DEPTH}) but over the older limit of {OLD_MAX_DEPTH} "
                      "still quoted in some copies", Severity.WARNING)
        if self.chars > MAX_CHARS:
            self.flag("openai.strict.limit-chars", self.pointer, "property and definition names plus enum "
                      f"and const strings total {self.chars} characters (at most {MAX_CHARS})")
        if self.enum_values > MAX_ENUM_VALUES:
            self.flag("openai.strict.limit-enum-values", self.pointer,
                      f"{self.enum_values} enum values in total (at most {MAX_ENUM_VALUES})")


class _SubtreeWalk:
    """
    The strict check's walk, with each clean subtree remembered for the next tool.

    Tools share most sub-schemas; a subtree that raised nothing (and holds no ``$ref``, which is read
    against the root) is not walked again: its totals and object depth are added from the memo. The
    order of findings and every total are those of the plain pre-order walk.
    """

    __slots__ = ("check", "memo", "on_path", "refs", "settings", "tainted")

    def __init__(self, check: _StrictCheck) -> None:
        self.check = check
        self.settings = ("openai strict", check.severity, check.why, check.report.want_warnings)
        self.memo = clean_memo(self.settings)
        self.on_path: set[int] = set()
        self.refs = 0  # nodes with a $ref seen so far: a subtree holding one is not remembered
        self.tainted = False  # a node nested in itself (Python objects only): nothing more is remembered

    def visit(self, node: Mapping[str, Any], where: str) -> int:
        """Check ``node``'s subtree; return its object depth (object nodes on the longest depth path)."""
        check, key = self.check, id(node)
        if key in self.on_path:
            self.tainted = True
            return 0
        hit = self.memo.get(key)
        if hit is not None and hit[0] is node:
            props, chars, values, depth = hit[1]
            check.total_props += props
            check.chars += chars
            check.enum_values += values
            return int(depth)
        if len(self.on_path) >= NESTING_LIMIT:
            raise too_deep()
        issues, refs = len(check.report.issues), self.refs
        before = (check.total_props, check.chars, check.enum_values)
        check.node(where, node)
        if isinstance(node.get("$ref"), str):
            self.refs += 1
        self.on_path.add(key)
        deepest = 0
        for here, sub, deep in subschema_edges(node, where):
            if type(sub) is dict or is_mapping(sub):
                depth = self.visit(sub, here)
                if deep and depth > deepest:
                    deepest = depth
        self.on_path.discard(key)
        depth = deepest + (1 if is_object_schema(node) else 0)
        if len(check.report.issues) == issues and self.refs == refs and not self.tainted:
            totals = (check.total_props - before[0], check.chars - before[1], check.enum_values - before[2])
            self.memo[key] = (node, (*totals, depth))
        return depth


def tool_name(tool: Any) -> str | None:
    """The name of either shape (the nested ``function`` wins, as the API reads it)."""
    if not is_mapping(tool):
        return None
    fn = tool.get("function")
    name = fn.get("name") if is_mapping(fn) else tool.get("name")
    return name if isinstance(name, str) else None

