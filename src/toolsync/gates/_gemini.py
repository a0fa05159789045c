"""Google Gemini ``FunctionDeclaration``: the OpenAPI-subset ``parameters`` or plain ``parametersJsonSchema``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final

from ..limits import NESTING_LIMIT, too_deep
from ._memo import clean_memo
from ._metaschema import meta_schema_errors
from ._model import GeminiBackend
from ._report import Report
from ._schema import child_pointer, is_mapping, iter_subschemas
from ._sdk import validate_gemini_declaration

__all__ = ["check_gemini", "declarations_of"]

NAME_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$")
OLD_NAME_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
PARAM_NAME_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
DECLARATION_KEYS: Final = frozenset({"name", "description", "parameters", "parametersJsonSchema",
                                     "parameters_json_schema", "response", "responseJsonSchema",
                                     "response_json_schema", "behavior"})
_SCHEMA_FIELDS: Final = ("type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
                         "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
                         "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum",
                         "additionalProperties", "defs", "ref")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_SNAKE: Final = {k: _snake(k) for k in _SCHEMA_FIELDS}
_SNAKE_ONLY: Final = frozenset(v for k, v in _SNAKE.items() if v != k)
#: Schema field spelling (camelCase or snake_case) -> canonical camelCase name.
SCHEMA_KEYS: Final = {**{k: k for k in _SCHEMA_FIELDS}, **{v: k for k, v in _SNAKE.items()}}
VERTEX_ONLY: Final = frozenset({"additionalProperties", "defs", "ref"})
TYPES: Final = frozenset({"TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"})
DEVELOPER_FORMATS: Final = {"STRING": frozenset({"enum", "date-time"}), "NUMBER": frozenset({"float", "double"}),
                            "INTEGER": frozenset({"int32", "int64"})}
VERTEX_STRING_FORMATS: Final = frozenset({"enum", "date-time", "date", "email", "byte", "password", "time",
                                          "duration", "uuid", "uri", "hostname", "ipv4", "ipv6"})
JSON_SCHEMA_DOCUMENTED: Final = frozenset({
    "type", "format", "title", "description", "default", "items", "minItems", "maxItems", "enum",
    "properties", "required", "minProperties", "maxProperties", "minimum", "maximum", "minLength",
    "maxLength", "pattern", "additionalProperties", "anyOf", "uniqueItems", "$ref", "$defs", "oneOf",
    "prefixItems", "propertyOrdering",
})
MAX_DECLARATIONS: Final = 512
OLD_MAX_DECLARATIONS: Final = 128


def declarations_of(tool: Any) -> list[tuple[str, Any]] | None:
    """(pointer, declaration) pairs of a ``{"functionDeclarations": [...]}`` wrapper; None when not one."""
    if not is_mapping(tool):
        return None
    for key in ("functionDeclarations", "function_declarations"):
        if key in tool:
            decls = tool[key]
            items = decls if isinstance(decls, list) else []
            return [(child_pointer(f"/{key}", i), d) for i, d in enumerate(items)]
    return None


def check_gemini(decl: Any, report: Report, *, backend: GeminiBackend, use_sdk: bool, where: str = "") -> None:
    """Rules for one function declaration."""
    if not is_mapping(decl):
        report.error("gemini.shape", where, "the function declaration must be a JSON object")
        return
    extra = [k for k in decl if k not in DECLARATION_KEYS]
    if extra:
        report.error("gemini.unknown-key", where, f"keys {extra} are not FunctionDeclaration fields")
    _check_name_and_description(decl, where, report)
    _check_parameters(decl, where, report, backend)
    if decl.get("behavior") is not None:
        report.warn("gemini.behavior", f"{where}/behavior", "behavior is only supported by the Live API "
                    "(BidiGenerateContent)")
    if use_sdk:
        for rule, severity, message in validate_gemini_declaration(decl):
            report.add(severity, rule, where, message)


def _check_name_and_description(decl: Mapping[str, Any], where: str, report: Report) -> None:
    name = decl.get("name")
    if not isinstance(name, str) or not name:
        report.error("gemini.name.required", f"{where}/name", "name is required")
    elif not NAME_RE.fullmatch(name):
        report.error("gemini.name.pattern", f"{where}/name",
                     f"{name!r}: must start with a letter or _, then [A-Za-z0-9_.:-], at most 128 characters")
    elif not OLD_NAME_RE.fullmatch(name):
        report.warn("gemini.name.legacy", f"{where}/name", f"{name!r} needs the newer rule (colons or more "
                    "than 64 characters); older backends answered 'max length of 64' and did not list colons")
    desc = decl.get("description")
    if desc is not None and not isinstance(desc, str):
        report.error("gemini.description.type", f"{where}/description", "description must be a string")
    elif not desc:
        report.warn("gemini.description.missing", f"{where}/description", "the Gemini Developer API "
                    "reference marks description as required (Vertex and the SDK: optional)")


def _check_parameters(decl: Mapping[str, Any], where: str, report: Report, backend: GeminiBackend) -> None:
    params = decl.get("parameters")
    json_params = decl.get("parametersJsonSchema", decl.get("parameters_json_schema"))
    if params is not None and json_params is not None:
        report.error("gemini.parameters.exclusive", where,
                     "parameters and parametersJsonSchema are mutually exclusive")
    if params is not None:
        _SchemaCheck(report, backend).run(params, f"{where}/parameters", is_root=True)
    if json_params is not None:
        _check_json_schema(json_params, f"{where}/parametersJsonSchema", report)
    response = decl.get("response")
    json_response = decl.get("responseJsonSchema", decl.get("response_json_schema"))
    if response is not None and json_response is not None:
        report.error("gemini.response.exclusive", where, "response and responseJsonSchema are mutually exclusive")
    if response is not None:
        _SchemaCheck(report, backend).run(response, f"{where}/response", is_root=False)
    if json_response is not None and not isinstance(json_response, (Mapping, bool)):
        report.error("gemini.response-json-schema.type", f"{where}/responseJsonSchema", "must be a JSON Schema")


def _check_json_schema(schema: Any, where: str, report: Report) -> None:
    if not is_mapping(schema):
        report.error("gemini.json-schema.type", where, "parametersJsonSchema must be a JSON object")
        return
    if schema.get("type") != "object":
        report.error("gemini.json-schema.root-object", where,
                     f"the schema must describe an object (type \"object\"; got {schema.get('type')!r})")
    for pointer, message in meta_schema_errors(schema, where):
        report.error("gemini.json-schema.meta-schema", pointer, message)
    if not report.want_warnings:
        return  # the rest only warns
    for pointer, sub in iter_subschemas(schema, where):
        for key in sub:
            if key not in JSON_SCHEMA_DOCUMENTED:
                report.warn("gemini.json-schema.undocumented-keyword", child_pointer(pointer, key),
                            f"{key!r} is outside the documented subset (the structured-output docs say "
                            "unsupported properties are ignored)")


def _either(schema: Mapping[str, Any], key: str) -> Any:
    """A Schema field in either spelling (camelCase wins)."""
    return schema.get(key, schema.get(_SNAKE[key]))


class _SchemaCheck:
    """The protobuf ``Schema`` rules, walked with a work list so deep schemas cannot exhaust the stack."""

    def __init__(self, report: Report, backend: GeminiBackend) -> None:
        self.report = report
        self.backend = backend

    def run(self, schema: Any, where: str, *, is_root: bool) -> None:
        start = len(self.report.issues)
        try:
            _Subtrees(self).visit(schema, where, is_root)
        except RecursionError:  # deeper than the stack allows: the work list, without the memo
            del self.report.issues[start:]
            self.walk(schema, where, is_root)

    def walk(self, schema: Any, where: str, is_root: bool) -> None:
        todo: list[tuple[Any, str, bool]] = [(schema, where, is_root)]
        seen: set[int] = set()  # a mapping shared by several parents (or nested in itself) is checked once
        while todo:
            node, here, root = todo.pop()
            if is_mapping(node):
                if id(node) in seen:
                    continue
                seen.add(id(node))
            todo.extend(reversed(self.node(node, here, root)))

    def node(self, schema: Any, where: str, is_root: bool) -> list[tuple[Any, str, bool]]:
        if not is_mapping(schema):
            self.report.error("gemini.schema.type", where, "a schema must be a JSON object")
            return []
        self.fields(schema, where)

        # Without any snake_case spelling present, the camelCase look-up alone gives the same answer.
        get: Callable[[str], Any] = schema.get if _SNAKE_ONLY.isdisjoint(schema) else partial(_either, schema)

        type_name = self.check_type(get("type"), where, is_root)
        self.enum(get("enum"), type_name, where)
        self.check_format(get("format"), type_name, where)
        children: list[tuple[Any, str, bool]] = []
        props = self.properties(get("properties"), type_name, where, children)
        self.required(get("required"), props, where)
        self.ordering(get("propertyOrdering"), props, where)
        self.nested(get, type_name, where, is_root, children)
        nullable = get("nullable")
        if nullable is not None and not isinstance(nullable, bool):
            self.report.error("gemini.schema.nullable", f"{where}/nullable", "nullable must be a boolean")
        return children

    def fields(self, schema: Mapping[str, Any], where: str) -> None:
        for key in schema:
            canon = SCHEMA_KEYS.get(key)
            if canon is None:
                hint = (" (the Schema fields are named ref/defs and are Vertex only; or use "
                        "parametersJsonSchema)") if key in ("$ref", "$defs") else ""
                self.report.error("gemini.schema.unknown-field", child_pointer(where, key), f"{key!r} is not a "
                                  f"Schema field; the API answers 'Unknown name ... Cannot find field'{hint}")
            elif canon in VERTEX_ONLY and self.backend == "developer":
                message = (f"{key!r} in parameters is only supported on Vertex AI; use parametersJsonSchema "
                           "on the Developer API")
                if canon == "additionalProperties":
                    self.report.error("gemini.schema.vertex-only", child_pointer(where, key), message)
                else:
                    self.report.warn("gemini.schema.vertex-only", child_pointer(where, key), message)

    def check_type(self, declared: Any, where: str, is_root: bool) -> str | None:
        name: str | None = None
        if declared is None:
            if is_root:
                self.report.warn("gemini.schema.root-type", f"{where}/type", "the root parameters schema should "
                                 "be type OBJECT")
        elif isinstance(declared, list):
            self.report.error("gemini.schema.type-list", f"{where}/type", "type must be a single value (a list "
                              "gives 'Proto field is not repeating'); use nullable: true")
        elif not isinstance(declared, str) or declared.upper() not in TYPES:
            self.report.error("gemini.schema.type-value", f"{where}/type",
                              f"invalid type {declared!r} (allowed: {sorted(TYPES)})")
        else:
            name = declared.upper()
        if is_root and name not in (None, "OBJECT"):
            self.report.warn("gemini.schema.root-type", f"{where}/type",
                             f"the root parameters schema is {name}, expected OBJECT")
        return name

    def enum(self, enum: Any, type_name: str | None, where: str) -> None:
        if enum is None:
            return
        if not isinstance(enum, list) or any(not isinstance(v, str) for v in enum):
            self.report.error("gemini.schema.enum-strings", f"{where}/enum", "enum values must be strings")
        if type_name is None:
            self.report.error("gemini.schema.enum-type", f"{where}/enum",
                              "enum without type (the API answers 'enum only allowed for STRING type')")
        elif type_name != "STRING":
            self.report.warn("gemini.schema.enum-type", f"{where}/enum", f"enum on {type_name}: the SDK docs "
                             "show INTEGER with format enum, but the API was seen answering 'enum only allowed "
                             "for STRING type'")

    def check_format(self, fmt: Any, type_name: str | None, where: str) -> None:
        if not isinstance(fmt, str) or type_name not in DEVELOPER_FORMATS:
            return
        if self.backend == "developer" and fmt not in DEVELOPER_FORMATS[type_name]:
            message = (f"format {fmt!r} on {type_name}: the Gemini API accepts "
                       f"{sorted(DEVELOPER_FORMATS[type_name])}")
            if type_name == "STRING":
                self.report.error("gemini.schema.format", f"{where}/format", message)
            else:
                self.report.warn("gemini.schema.format", f"{where}/format", message)
        elif self.backend == "vertex" and type_name == "STRING" and fmt not in VERTEX_STRING_FORMATS:
            self.report.warn("gemini.schema.format", f"{where}/format",
                             f"format {fmt!r} is not among the documented STRING formats")

    def properties(self, props: Any, type_name: str | None, where: str,
                   children: list[tuple[Any, str, bool]]) -> Mapping[str, Any] | None:
        if type_name == "OBJECT" and (not is_mapping(props) or not props):
            self.report.error("gemini.schema.object-empty", where, "OBJECT needs non-empty properties (the API "
                              "answers 'properties: should be non-empty for OBJECT type'); for a function "
                              "without parameters leave parameters out")
        if props is None:
            return None
        if not is_mapping(props):
            self.report.error("gemini.schema.properties-type", f"{where}/properties", "properties must be an object")
            return None
        base = f"{where}/properties"
        for name, sub in props.items():
            here = child_pointer(base, name)
            if not PARAM_NAME_RE.fullmatch(str(name)):
                self.report.warn("gemini.schema.param-name", here, "the Vertex docs say parameter names start "
                                 "with a letter or _, then only [A-Za-z0-9_], at most 64 characters")
            children.append((sub, here, False))
        return props

    def required(self, required: Any, props: Mapping[str, Any] | None, where: str) -> None:
        if required is None:
            return
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            self.report.error("gemini.schema.required-type", f"{where}/required", "required must be a list of "
                              "strings")
        elif props is not None:
            missing = [r for r in required if r not in props]
            if missing:
                self.report.warn("gemini.schema.required-unknown", f"{where}/required",
                                 f"names not in properties: {missing}")

    def ordering(self, ordering: Any, props: Mapping[str, Any] | None, where: str) -> None:
        if isinstance(ordering, list) and props is not None:
            unknown = [p for p in ordering if not isinstance(p, str) or p not in props]
            if unknown:
                self.report.warn("gemini.schema.property-ordering", f"{where}/propertyOrdering",
                                 f"names not in properties: {unknown}")

    def nested(self, get: Callable[[str], Any], type_name: str | None, where: str, is_root: bool,
               children: list[tuple[Any, str, bool]]) -> None:
        items = get("items")
        if type_name == "ARRAY" and items is None:
            self.report.warn("gemini.schema.array-items", where, "ARRAY without items (reported rejected by "
                             "stricter models)")
        if items is not None:
            children.append((items, f"{where}/items", False))
        any_of = get("anyOf")
        if any_of is not None:
            if not isinstance(any_of, list):
                self.report.error("gemini.schema.anyof-type", f"{where}/anyOf", "anyOf must be a list")
            else:
                children.extend((sub, child_pointer(f"{where}/anyOf", i), False) for i, sub in enumerate(any_of))
        extra = get("additionalProperties")
        if is_mapping(extra):
            children.append((extra, f"{where}/additionalProperties", False))
        defs = get("defs")
        if is_mapping(defs):
            if not is_root:
                self.report.warn("gemini.schema.defs-root", f"{where}/defs", "defs is only allowed at the root "
                                 "of the schema")
            children.extend((sub, child_pointer(f"{where}/defs", name), False) for name, sub in defs.items())


class _Subtrees:
    """
    :meth:`_SchemaCheck.walk` as a recursion that remembers each clean subtree for the next tool.

    A sub-schema's findings depend on it alone (and the backend), so one whose whole subtree raised
    nothing raises nothing wherever it appears again. Findings and their order are the work list's.
    """

    __slots__ = ("check", "depth", "memo", "seen", "settings", "tainted")

    def __init__(self, check: _SchemaCheck) -> None:
        self.check = check
        self.settings = ("gemini schema", check.backend, check.report.want_warnings)
        self.memo = clean_memo(self.settings)
        self.seen: set[int] = set()
        self.tainted = 0  # skips of a node already checked with findings (or nested in itself)
        self.depth = 0

    def visit(self, node: Any, where: str, is_root: bool) -> None:
        mapping = type(node) is dict or is_mapping(node)
        if mapping:
            key = id(node)
            hit = self.memo.get(key)
            if hit is not None and hit[0] is node and not is_root:
                return
            if key in self.seen:
                self.tainted += 1  # not remembered as clean, so it had findings: its parents are not clean
                return
            self.seen.add(key)
        if self.depth >= NESTING_LIMIT:
            raise too_deep()
        issues, tainted = len(self.check.report.issues), self.tainted
        self.depth += 1
        for child, here, root in self.check.node(node, where, is_root):
            self.visit(child, here, root)
        self.depth -= 1
        if mapping and not is_root and len(self.check.report.issues) == issues and self.tainted == tainted:
            self.memo[key] = (node, None)

