"""
Lift Swagger 2.0 and OpenAPI 3.0 documents to one OpenAPI 3.1-shaped model.

Everything here is pure: the input document is never changed, and untouched subtrees of
the result are the input's own objects (copy-on-write), so lifting a large spec stays cheap.

* :func:`detect_version` tells what a document is, or refuses it with a message that names it.
* :func:`normalize_document` lifts a whole root document (``$ref`` values are kept, not inlined).
* :func:`lift_schema` / :func:`lift_schema_node` lift schema keywords (``nullable``, boolean
  ``exclusiveMinimum``, ``x-nullable``, Swagger's ``type: file`` and string ``discriminator``).
* :class:`Swagger2` converts Swagger 2.0 objects (paths, parameters, responses, security
  definitions); the resolver also uses it for objects reached in other files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, NamedTuple
from urllib.parse import urlsplit

from .._json import is_mapping
from ..errors import UnsupportedSpecError
from ..ir import HTTP_METHODS, Diagnostic, Severity

__all__ = [
    "SCHEMA_LIST",
    "SCHEMA_MAP",
    "SCHEMA_ONE",
    "SUBSCHEMA_KEYWORDS",
    "V2",
    "V30",
    "V31",
    "DetectedVersion",
    "Swagger2",
    "collection_format_style",
    "detect_version",
    "escape_pointer",
    "family_of",
    "lift_schema",
    "lift_schema_node",
    "normalize_document",
    "rewrite_v2_ref",
    "translate_v2_pointer",
]

V2: Final = "2.0"
V30: Final = "3.0"
V31: Final = "3.1"

SCHEMA_ONE: Final = 1
SCHEMA_MAP: Final = 2
SCHEMA_LIST: Final = 3
# Keywords whose values are subschemas; everything else (enum, example, default…) is data.
SUBSCHEMA_KEYWORDS: Final[dict[str, int]] = {
    "properties": SCHEMA_MAP,
    "patternProperties": SCHEMA_MAP,
    "dependentSchemas": SCHEMA_MAP,
    "$defs": SCHEMA_MAP,
    "definitions": SCHEMA_MAP,
    "additionalProperties": SCHEMA_ONE,
    "items": SCHEMA_ONE,
    "additionalItems": SCHEMA_ONE,
    "unevaluatedItems": SCHEMA_ONE,
    "unevaluatedProperties": SCHEMA_ONE,
    "contains": SCHEMA_ONE,
    "propertyNames": SCHEMA_ONE,
    "not": SCHEMA_ONE,
    "if": SCHEMA_ONE,
    "then": SCHEMA_ONE,
    "else": SCHEMA_ONE,
    "contentSchema": SCHEMA_ONE,
    "allOf": SCHEMA_LIST,
    "anyOf": SCHEMA_LIST,
    "oneOf": SCHEMA_LIST,
    "prefixItems": SCHEMA_LIST,
}

_NULLABLE_TRIGGERS: Final = frozenset({"nullable", "x-nullable", "exclusiveMinimum", "exclusiveMaximum"})
# Annotations that stay on the outside when a typeless nullable schema is wrapped in anyOf.
_OUTER_ANNOTATIONS: Final[tuple[str, ...]] = ("title", "description", "default", "example", "examples", "readOnly",
                                              "writeOnly", "deprecated")
_V2_REF_PREFIXES: Final = (
    ("/definitions/", "/components/schemas/"),
    ("/parameters/", "/components/parameters/"),
    ("/responses/", "/components/responses/"),
    ("/securityDefinitions/", "/components/securitySchemes/"),
)
_FORM_TYPES: Final = ("application/x-www-form-urlencoded", "multipart/form-data")
_PARAM_SCHEMA_KEYS: Final = ("type", "format", "items", "enum", "default", "maximum", "exclusiveMaximum", "minimum",
                             "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
                             "uniqueItems", "multipleOf", "x-nullable")


class DetectedVersion(NamedTuple):
    """The version as declared (``"3.0.3"``) and its family (``"2.0"``, ``"3.0"`` or ``"3.1"``)."""

    declared: str
    family: str


# ---------------------------------------------------------------------------------------------
# Version detection


def detect_version(document: Any, *, source: str) -> DetectedVersion:
    """
    Tell which API description format ``document`` is.

    Raises:
        UnsupportedSpecError: for anything that is not Swagger 2.0 or OpenAPI 3.0/3.1, with a
            message naming what it is (Swagger 1.2, AsyncAPI, JSON Schema, Postman, …).
    """
    if not is_mapping(document):
        raise UnsupportedSpecError(_not_a_mapping(document), source=source)
    if not document:
        raise UnsupportedSpecError("the document is empty; expected an OpenAPI or Swagger description",
                                   source=source)
    if "openapi" in document:
        return _openapi_version(document["openapi"], source)
    if "swagger" in document:
        declared = _version_text(document["swagger"])
        if declared in ("2.0", "2"):
            return DetectedVersion("2.0", V2)
        raise UnsupportedSpecError(f"Swagger {declared} is not supported; convert it to OpenAPI 3 "
                                   "(toolsync reads Swagger 2.0 and OpenAPI 3.0/3.1)", source=source)
    raise UnsupportedSpecError(_what_else(document), source=source)


def family_of(document: Any) -> str | None:
    """The version family a document declares, or None for fragments and unknown versions."""
    if not is_mapping(document):
        return None
    try:
        return detect_version(document, source="").family
    except UnsupportedSpecError:
        return None


def _not_a_mapping(document: Any) -> str:
    if document is None:
        return "the document is empty; expected an OpenAPI or Swagger description"
    if isinstance(document, list):
        return "the document is a list, not an API description (expected a mapping with an 'openapi' key)"
    return (f"the document is a single {type(document).__name__} value, not an API description "
            "(expected a mapping with an 'openapi' key)")


def _version_text(value: Any) -> str:
    # A bare YAML `openapi: 3.0` may reach us as a float when the document came from elsewhere.
    return str(value).strip()


def _openapi_version(value: Any, source: str) -> DetectedVersion:
    declared = _version_text(value)
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?", declared)
    if match is None:
        raise UnsupportedSpecError(f"'openapi: {declared}' is not a version number "
                                   "(expected e.g. 3.0.3 or 3.1.0)", source=source)
    major, minor = int(match[1]), int(match[2])
    if major == 3 and minor == 0:
        return DetectedVersion(declared, V30)
    if major == 3 and minor >= 1:
        # 3.2 documents are 3.1 documents plus a few additions that are ignored here.
        return DetectedVersion(declared, V31)
    raise UnsupportedSpecError(f"OpenAPI {declared} is not supported "
                               "(toolsync reads Swagger 2.0 and OpenAPI 3.0/3.1)", source=source)


def _what_else(document: Mapping[str, Any]) -> str:
    info = document.get("info")
    if "swaggerVersion" in document:
        return (f"this is a Swagger {document['swaggerVersion']} resource listing, which is not supported; "
                "convert it to OpenAPI 3 first")
    if "asyncapi" in document:
        return "this is an AsyncAPI document (event-driven APIs), not an OpenAPI description"
    if is_mapping(info) and ("_postman_id" in info or "getpostman" in str(info.get("schema", ""))):
        return "this is a Postman collection, not an OpenAPI description; export the API as OpenAPI 3"
    if "$schema" in document and "json-schema" in str(document["$schema"]):
        return "this is a JSON Schema document, not an OpenAPI description"
    return "not an API description (no openapi/swagger key)"


# ---------------------------------------------------------------------------------------------
# Schemas


def rewrite_v2_ref(ref: str) -> str:
    """
    ``#/definitions/X`` → ``#/components/schemas/X`` (and parameters, responses); others unchanged.

    Refs into other files keep their raw pointers: those files are read as written.
    """
    if not ref.startswith("#"):
        return ref
    return "#" + translate_v2_pointer(ref[1:])


def translate_v2_pointer(pointer: str) -> str:
    """Map a JSON pointer into a Swagger 2.0 document onto its place in the lifted document."""
    for old, new in _V2_REF_PREFIXES:
        if pointer.startswith(old):
            return new + pointer[len(old):]
    return pointer


def lift_schema_node(node: dict[str, Any], family: str, *, rewrite_refs: bool = False) -> dict[str, Any]:
    """
    Lift the keywords of one schema object (not its subschemas) to JSON Schema 2020-12.

    Returns ``node`` itself when nothing changes.
    """
    if family == V31:
        return node
    out: dict[str, Any] | None = None
    if not _NULLABLE_TRIGGERS.isdisjoint(node):
        out = _lift_numeric_bounds(dict(node))
    if family == V2:
        out = _lift_v2_keywords(node, out, rewrite_refs)
    elif out is None and "items" not in node:
        return node
    items = node.get("items")
    if isinstance(items, list):
        # Draft-4 tuple validation: the 2020-12 spelling is prefixItems.
        out = dict(node) if out is None else out
        out["prefixItems"] = out.pop("items")
    if out is None:
        return node
    nullable = out.pop("nullable", None) is True
    nullable = (out.pop("x-nullable", None) is True) or nullable
    return _make_nullable(out) if nullable else out


def _lift_numeric_bounds(out: dict[str, Any]) -> dict[str, Any]:
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(exclusive)
        if not isinstance(flag, bool):
            continue
        del out[exclusive]
        if flag and bound in out:
            out[exclusive] = out.pop(bound)
    return out


def _lift_v2_keywords(node: dict[str, Any], out: dict[str, Any] | None, rewrite: bool) -> dict[str, Any] | None:
    if node.get("type") == "file":
        out = dict(node) if out is None else out
        out["type"] = "string"
        out["format"] = "binary"
    discriminator = node.get("discriminator")
    if isinstance(discriminator, str):
        out = dict(node) if out is None else out
        out["discriminator"] = {"propertyName": discriminator}
    ref = node.get("$ref")
    if rewrite and isinstance(ref, str) and ref != (new := rewrite_v2_ref(ref)):
        out = dict(node) if out is None else out
        out["$ref"] = new
    return out


def _make_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list):
        if "null" not in kind:
            schema["type"] = [*kind, "null"]
    else:
        outer = {key: schema.pop(key) for key in _OUTER_ANNOTATIONS if key in schema}
        return {"anyOf": [schema, {"type": "null"}], **outer}
    enum = schema.get("enum")
    if isinstance(enum, list) and None not in enum:
        schema["enum"] = [*enum, None]
    return schema


_SUBSCHEMA_KEYS: Final = frozenset(SUBSCHEMA_KEYWORDS)


def lift_schema(node: Any, family: str, *, rewrite_refs: bool = False) -> Any:
    """Lift a schema and all its subschemas; unchanged subtrees are returned as they are."""
    if family == V31 or not isinstance(node, dict):
        return node
    node = lift_schema_node(node, family, rewrite_refs=rewrite_refs)
    if _SUBSCHEMA_KEYS.isdisjoint(node):
        return node  # a leaf, as most schema objects are
    out: dict[str, Any] | None = None
    for key, value in node.items():
        how = SUBSCHEMA_KEYWORDS.get(key)
        if how is None or not isinstance(value, (dict, list)):
            continue
        new: Any
        if how == SCHEMA_MAP and isinstance(value, dict):
            new = _lift_map(value, family, rewrite_refs)
        elif isinstance(value, list):
            new = _lift_list(value, family, rewrite_refs)
        else:
            new = lift_schema(value, family, rewrite_refs=rewrite_refs)
        if new is not value:
            if out is None:
                out = dict(node)
            out[key] = new
    return node if out is None else out


def _lift_map(value: dict[str, Any], family: str, rewrite: bool) -> dict[str, Any]:
    out: dict[str, Any] | None = None
    for key, sub in value.items():
        new = lift_schema(sub, family, rewrite_refs=rewrite)
        if new is not sub:
            if out is None:
                out = dict(value)
            out[key] = new
    return value if out is None else out


def _lift_list(value: list[Any], family: str, rewrite: bool) -> list[Any]:
    out: list[Any] | None = None
    for index, sub in enumerate(value):
        new = lift_schema(sub, family, rewrite_refs=rewrite)
        if new is not sub:
            if out is None:
                out = list(value)
            out[index] = new
    return value if out is None else out


# ---------------------------------------------------------------------------------------------
# OpenAPI 3.0 documents: walk the places schemas live and lift them.

_MAP: Final = "map:"
_LIST: Final = "list:"
_GRAMMAR: Final[dict[str, dict[str, str]]] = {
    "document": {"paths": _MAP + "path_item", "components": "components", "webhooks": _MAP + "path_item"},
    "path_item": {"parameters": _LIST + "parameter", **dict.fromkeys(HTTP_METHODS, "operation")},
    "operation": {"parameters": _LIST + "parameter", "requestBody": "request_body",
                         "responses": _MAP + "response", "callbacks": _MAP + "callback"},
    "callback": {},  # every key is an expression holding a path item; see _walk_grammar
    "components": {"schemas": _MAP + "schema", "parameters": _MAP + "parameter",
                          "requestBodies": _MAP + "request_body", "responses": _MAP + "response",
                          "headers": _MAP + "parameter", "callbacks": _MAP + "callback",
                          "pathItems": _MAP + "path_item"},
    "parameter": {"schema": "schema", "content": _MAP + "media"},
    "request_body": {"content": _MAP + "media"},
    "media": {"schema": "schema", "encoding": _MAP + "encoding"},
    "encoding": {"headers": _MAP + "parameter"},
    "response": {"headers": _MAP + "parameter", "content": _MAP + "media"},
}


def _walk_grammar(node: Any, kind: str, family: str) -> Any:
    if kind == "schema":
        return lift_schema(node, family)
    if not isinstance(node, dict) or "$ref" in node:
        return node
    if kind == "callback":
        return _walk_child(node, _MAP + "path_item", family)
    out: dict[str, Any] | None = None
    for key, child_kind in _GRAMMAR[kind].items():
        value = node.get(key)
        if value is None:
            continue
        new = _walk_child(value, child_kind, family)
        if new is not value:
            out = dict(node) if out is None else out
            out[key] = new
    return node if out is None else out


def _walk_child(value: Any, kind: str, family: str) -> Any:
    if kind.startswith(_MAP):
        if not isinstance(value, dict):
            return value
        inner = kind[len(_MAP):]
        new = {k: v if str(k).startswith("x-") else _walk_grammar(v, inner, family) for k, v in value.items()}
        return value if all(new[k] is value[k] for k in value) else new
    if kind.startswith(_LIST):
        if not isinstance(value, list):
            return value
        inner = kind[len(_LIST):]
        items = [_walk_grammar(v, inner, family) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return _walk_grammar(value, kind, family)


# ---------------------------------------------------------------------------------------------
# Swagger 2.0


def collection_format_style(fmt: str | None, location: str) -> tuple[str, bool]:
    """The OpenAPI 3 ``(style, explode)`` for a Swagger 2.0 ``collectionFormat`` at ``location``."""
    simple = location in ("path", "header")
    table = {
        "ssv": ("spaceDelimited", False),
        "pipes": ("pipeDelimited", False),
        "multi": ("form", True),
    }
    if fmt in table:
        return table[fmt]
    return ("simple", False) if simple else ("form", False)


class Swagger2:
    """
    Converts Swagger 2.0 objects to their OpenAPI 3.1 form.

    Args:
        document: the Swagger 2.0 document the objects live in (for ``consumes``/``produces``
            and for following local parameter refs).
        base_uri: where the document was read from; its scheme is the default for ``schemes``.
        rewrite_refs: rewrite ``#/definitions/X``-style refs to their lifted places. True for the
            root document; False for other files, whose refs are resolved in their raw form.
        diagnostics: where remarks (e.g. ``collectionFormat: tsv``) are appended.
    """

    def __init__(self, document: Mapping[str, Any], *, base_uri: str = "", rewrite_refs: bool = True,
                 diagnostics: list[Diagnostic] | None = None, source: str | None = None) -> None:
        self.document = document
        self.base_uri = base_uri
        self.rewrite_refs = rewrite_refs
        self.diagnostics = diagnostics if diagnostics is not None else []
        self.source = source
        self.consumes = _str_list(document.get("consumes"))
        self.produces = _str_list(document.get("produces"))

    # -- whole document ------------------------------------------------------------------------

    def convert(self) -> dict[str, Any]:
        """The whole document in OpenAPI 3.1 form."""
        doc = self.document
        out: dict[str, Any] = {"openapi": "3.1.0", "info": doc.get("info", {})}
        out["servers"] = self.servers(None)
        for key in ("tags", "security", "externalDocs"):
            if key in doc:
                out[key] = doc[key]
        out.update(_extensions(doc))
        paths = doc.get("paths")
        if is_mapping(paths):
            out["paths"] = {path: item if str(path).startswith("x-") else
                            self.path_item(item, f"#/paths/{escape_pointer(str(path))}")
                            for path, item in paths.items()}
        elif paths is not None:
            out["paths"] = paths
        components = self.components()
        if components:
            out["components"] = components
        return out

    def components(self) -> dict[str, Any]:
        doc = self.document
        out: dict[str, Any] = {}
        definitions = doc.get("definitions")
        if is_mapping(definitions):
            out["schemas"] = {k: self.schema(v) for k, v in definitions.items()}
        params = doc.get("parameters")
        if is_mapping(params):
            # Body and form parameters become request bodies where they are used.
            out["parameters"] = {k: self.parameter(v) for k, v in params.items()
                                 if not (is_mapping(v) and v.get("in") in ("body", "formData"))}
        responses = doc.get("responses")
        if is_mapping(responses):
            out["responses"] = {k: self.response(v, self.produces) for k, v in responses.items()}
        schemes = doc.get("securityDefinitions")
        if is_mapping(schemes):
            out["securitySchemes"] = {k: self.security_scheme(v) for k, v in schemes.items()}
        return {k: v for k, v in out.items() if v}

    def servers(self, schemes: Any) -> list[dict[str, Any]]:
        """``host`` + ``basePath`` + ``schemes`` as OpenAPI 3 servers (relative when no host)."""
        doc = self.document
        base_path = doc.get("basePath") if isinstance(doc.get("basePath"), str) else ""
        if base_path and not base_path.startswith("/"):
            base_path = "/" + base_path
        host = doc.get("host")
        if not isinstance(host, str) or not host:
            return [{"url": base_path or "/"}]
        declared = _str_list(schemes if schemes is not None else doc.get("schemes"))
        usable = [s.lower() for s in declared if s.lower() in ("http", "https")]
        if not usable:
            base_scheme = urlsplit(self.base_uri).scheme.lower() if self.base_uri else ""
            usable = [base_scheme if base_scheme in ("http", "https") else "https"]
        return [{"url": f"{scheme}://{host.rstrip('/')}{base_path}"} for scheme in usable]

    # -- paths and operations ------------------------------------------------------------------

    def path_item(self, item: Any, pointer: str) -> Any:
        """A path item; path-level body/form parameters move into each operation's request body."""
        if not is_mapping(item) or "$ref" in item:
            return item
        shared = item.get("parameters")
        shared_list = list(shared) if isinstance(shared, list) else []
        out: dict[str, Any] = {k: v for k, v in item.items() if k not in HTTP_METHODS and k != "parameters"}
        regular, moving = self._split_parameters(shared_list)
        if regular:
            out["parameters"] = regular
        elif shared is not None and not isinstance(shared, list):
            out["parameters"] = shared
        for method, op in item.items():
            if method in HTTP_METHODS:
                out[method] = self.operation(op, moving, f"{pointer}/{method}")
        return out

    def operation(self, op: Any, inherited: list[Mapping[str, Any]], pointer: str) -> Any:
        """One operation: parameters, request body, responses and servers in OpenAPI 3 form."""
        if not is_mapping(op):
            return op
        dropped = {"parameters", "consumes", "produces", "responses", "schemes"}
        out: dict[str, Any] = {k: v for k, v in op.items() if k not in dropped}
        consumes = _str_list(op["consumes"]) if "consumes" in op else self.consumes
        produces = _str_list(op["produces"]) if "produces" in op else self.produces
        params = op.get("parameters")
        regular, moving = self._split_parameters(list(params) if isinstance(params, list) else [])
        if regular:
            out["parameters"] = regular
        body = self.request_body(_merge_moving(inherited, moving), consumes, pointer)
        if body is not None:
            out["requestBody"] = body
        responses = op.get("responses")
        if is_mapping(responses):
            out["responses"] = {code: r if str(code).startswith("x-") else self.response(r, produces)
                                for code, r in responses.items()}
        elif responses is not None:
            out["responses"] = responses
        if "schemes" in op:
            out["servers"] = self.servers(op["schemes"])
        return out

    def _split_parameters(self, params: list[Any]) -> tuple[list[Any], list[Mapping[str, Any]]]:
        """Separate ordinary parameters from body/formData ones (which become a request body)."""
        regular: list[Any] = []
        moving: list[Mapping[str, Any]] = []
        for param in params:
            target = self._local_parameter(param)
            if is_mapping(target) and target.get("in") in ("body", "formData"):
                moving.append(target)
            elif is_mapping(param) and "$ref" in param:
                regular.append(self._ref(param))
            else:
                regular.append(self.parameter(param))
        return regular, moving

    def _local_parameter(self, param: Any) -> Any:
        """Follow local ``#/parameters/...`` refs so that body parameters can be recognised."""
        seen: set[str] = set()
        while is_mapping(param) and isinstance(param.get("$ref"), str):
            ref = param["$ref"]
            if not ref.startswith("#/") or ref in seen:
                return param
            seen.add(ref)
            param = _pointer_get(self.document, ref[1:])
        return param

    def _ref(self, node: Mapping[str, Any]) -> Any:
        ref = node.get("$ref")
        if not self.rewrite_refs or not isinstance(ref, str):
            return node
        return {**node, "$ref": rewrite_v2_ref(ref)}

    # -- parameters and bodies -----------------------------------------------------------------

    def parameter(self, param: Any) -> Any:
        """A path, query or header parameter: its type keywords move into ``schema``."""
        if not is_mapping(param):
            return param
        if "$ref" in param:
            return self._ref(param)
        if param.get("in") in ("body", "formData"):
            return param
        out: dict[str, Any] = {k: v for k, v in param.items()
                               if k in ("name", "in", "description", "required", "allowEmptyValue",
                                        "deprecated") or k.startswith("x-")}
        out["schema"] = self._param_schema(param)
        location = str(param.get("in", ""))
        if param.get("type") == "array":
            fmt = param.get("collectionFormat")
            style, explode = collection_format_style(fmt, location)
            self._note_tsv(fmt, param)
            out["style"] = style
            out["explode"] = explode
        return out

    def _param_schema(self, param: Mapping[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {k: param[k] for k in _PARAM_SCHEMA_KEYS if k in param}
        items = schema.get("items")
        if is_mapping(items):
            schema["items"] = self._param_schema(items)
        return lift_schema_node(schema, V2)

    def _note_tsv(self, fmt: Any, param: Mapping[str, Any]) -> None:
        if fmt == "tsv":
            self.diagnostics.append(Diagnostic(
                "collection-format-tsv",
                f"parameter {param.get('name')!r} uses collectionFormat 'tsv', which OpenAPI 3 cannot "
                "express; values will be sent comma-separated", Severity.WARNING, source=self.source))

    def request_body(self, params: list[Mapping[str, Any]], consumes: list[str],
                     pointer: str = "") -> dict[str, Any] | None:
        """The request body described by ``in: body`` or ``in: formData`` parameters, if any."""
        body = next((p for p in params if p.get("in") == "body"), None)
        form = [p for p in params if p.get("in") == "formData"]
        if body is not None:
            media_types = [m for m in consumes if m not in _FORM_TYPES] or ["application/json"]
            schema = self.schema(body.get("schema", {}))
            out: dict[str, Any] = {"content": {m: {"schema": schema} for m in media_types}}
            if body.get("description"):
                out["description"] = body["description"]
            out["required"] = body.get("required") is True
            return out
        if form:
            return self._form_body(form, consumes)
        return None

    def _form_body(self, form: list[Mapping[str, Any]], consumes: list[str]) -> dict[str, Any]:
        has_file = any(p.get("type") == "file" for p in form)
        media_types = [m for m in consumes if m in _FORM_TYPES]
        if has_file:
            media_types = ["multipart/form-data"]
        media_types = media_types or ["application/x-www-form-urlencoded"]
        properties: dict[str, Any] = {}
        encoding: dict[str, Any] = {}
        for param in form:
            name = str(param.get("name", ""))
            prop = self._param_schema(param)
            if param.get("description"):
                prop = {**prop, "description": param["description"]}
            properties[name] = prop
            if param.get("type") == "array":
                fmt = param.get("collectionFormat")
                self._note_tsv(fmt, param)
                style, explode = collection_format_style(fmt, "query")
                encoding[name] = {"style": style, "explode": explode}
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        required = [str(p.get("name")) for p in form if p.get("required") is True]
        if required:
            schema["required"] = required
        media: dict[str, Any] = {"schema": schema}
        if encoding:
            media["encoding"] = encoding
        return {"content": dict.fromkeys(media_types, media), "required": bool(required)}

    # -- responses, headers, schemas, security -------------------------------------------------

    def response(self, response: Any, produces: list[str]) -> Any:
        """A response: ``schema`` becomes ``content`` for each ``produces`` media type."""
        if not is_mapping(response):
            return response
        if "$ref" in response:
            return self._ref(response)
        out: dict[str, Any] = {"description": response.get("description", "")}
        out.update(_extensions(response))
        headers = response.get("headers")
        if is_mapping(headers):
            out["headers"] = {k: self.header(v) for k, v in headers.items()}
        if "schema" in response:
            schema = self.schema(response["schema"])
            raw_examples = response.get("examples")
            examples: Mapping[str, Any] = raw_examples if is_mapping(raw_examples) else {}
            content: dict[str, Any] = {}
            for media_type in produces or ["application/json"]:
                media: dict[str, Any] = {"schema": schema}
                if media_type in examples:
                    media["example"] = examples[media_type]
                content[media_type] = media
            out["content"] = content
        return out

    def header(self, header: Any) -> Any:
        if not is_mapping(header) or "$ref" in header:
            return header
        out: dict[str, Any] = {"schema": self._param_schema(header)}
        if header.get("description"):
            out["description"] = header["description"]
        return out

    def schema(self, schema: Any) -> Any:
        return lift_schema(schema, V2, rewrite_refs=self.rewrite_refs)

    def security_scheme(self, scheme: Any) -> Any:
        """``basic`` → http/basic; ``apiKey`` as is; ``oauth2`` flows renamed to OpenAPI 3's."""
        if not is_mapping(scheme):
            return scheme
        kind = scheme.get("type")
        out: dict[str, Any] = {k: v for k, v in scheme.items() if k == "description" or k.startswith("x-")}
        if kind == "basic":
            out.update(type="http", scheme="basic")
        elif kind == "apiKey":
            out.update(type="apiKey", name=scheme.get("name"), **{"in": scheme.get("in")})
        elif kind == "oauth2":
            out.update(type="oauth2", flows=_oauth2_flows(scheme))
        else:
            out.update({k: v for k, v in scheme.items() if k not in out})
        return out


_OAUTH2_FLOWS: Final = {"implicit": "implicit", "password": "password", "application": "clientCredentials",
                        "accessCode": "authorizationCode"}


def _oauth2_flows(scheme: Mapping[str, Any]) -> dict[str, Any]:
    flow_name = _OAUTH2_FLOWS.get(str(scheme.get("flow")), str(scheme.get("flow")))
    flow: dict[str, Any] = {}
    for key in ("authorizationUrl", "tokenUrl"):
        if key in scheme:
            flow[key] = scheme[key]
    flow["scopes"] = scheme.get("scopes") if is_mapping(scheme.get("scopes")) else {}
    return {flow_name: flow}


def _merge_moving(inherited: list[Mapping[str, Any]], own: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Path-level body/form parameters, overridden by operation-level ones with the same name+in."""
    own_keys = {(p.get("name"), p.get("in")) for p in own}
    if any(p.get("in") == "body" for p in own):
        own_keys |= {(p.get("name"), "body") for p in inherited if p.get("in") == "body"}
    return [p for p in inherited if (p.get("name"), p.get("in")) not in own_keys] + own


def _str_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _extensions(node: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if isinstance(k, str) and k.startswith("x-")}


def _pointer_get(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer, or None when it is not there (used only for look-ahead)."""
    node = document
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if is_mapping(node):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def escape_pointer(segment: str) -> str:
    """Escape one JSON pointer segment (``~`` → ``~0``, ``/`` → ``~1``)."""
    return segment.replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------------------------------------
# Entry point


def normalize_document(document: Mapping[str, Any], version: DetectedVersion, *, base_uri: str = "",
                       source: str | None = None) -> tuple[dict[str, Any], list[Diagnostic]]:
    """
    Lift ``document`` to the OpenAPI 3.1 shape. Refs are kept (Swagger 2.0 ones rewritten).

    Returns the lifted document (a new mapping; unchanged subtrees are shared with the input)
    and the remarks made on the way.
    """
    diagnostics: list[Diagnostic] = []
    if version.family == V2:
        return Swagger2(document, base_uri=base_uri, diagnostics=diagnostics, source=source).convert(), diagnostics
    if version.family == V31:
        return dict(document), diagnostics
    out: dict[str, Any] = _walk_grammar(dict(document), "document", version.family)
    out["openapi"] = "3.1.0"
    return out, diagnostics
