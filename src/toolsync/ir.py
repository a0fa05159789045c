"""
The neutral intermediate model: one :class:`Operation` per method and path of a spec.

Everything here is produced by the front end (``toolsync.spec``) after the document was
parsed, lifted to the OpenAPI 3.1 shape and had its ``$ref``s resolved. Schemas are JSON
Schema 2020-12 dicts: local refs are inlined, except cycles, which stay as
``{"$ref": "#/$defs/<Name>"}`` with the target in :attr:`Operation.defs`.

The dataclasses are frozen; the dicts inside them are shared and must be treated as
read-only by every consumer (copy before changing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias

__all__ = [
    "HTTP_METHODS",
    "Diagnostic",
    "JsonSchema",
    "MediaType",
    "Operation",
    "ParamLocation",
    "Parameter",
    "RequestBody",
    "Response",
    "SecurityRequirement",
    "SecurityScheme",
    "Server",
    "ServerVariable",
    "Severity",
    "Spec",
]

JsonSchema: TypeAlias = Mapping[str, Any]
SecurityRequirement: TypeAlias = Mapping[str, tuple[str, ...]]

HTTP_METHODS: tuple[str, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class ParamLocation(StrEnum):
    """Where a parameter travels in the HTTP request."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem or remark found while loading, converting or validating."""

    code: str
    message: str
    severity: Severity = Severity.WARNING
    pointer: str | None = None
    source: str | None = None

    def __str__(self) -> str:
        where = " ".join(p for p in (self.source, self.pointer) if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class ServerVariable:
    default: str
    enum: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Server:
    """A base URL, possibly templated (``https://{region}.api.example.com/v1``)."""

    url: str
    description: str = ""
    variables: Mapping[str, ServerVariable] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Parameter:
    """A path, query, header or cookie parameter, with its effective style and explode."""

    name: str
    location: ParamLocation
    schema: JsonSchema
    required: bool = False
    description: str = ""
    style: str = "form"
    explode: bool = True
    allow_reserved: bool = False
    deprecated: bool = False
    # Set when the parameter uses ``content`` (a media type) instead of ``schema``.
    content_type: str | None = None
    pointer: str = ""


@dataclass(frozen=True, slots=True)
class MediaType:
    """One entry of a ``content`` map."""

    media_type: str
    schema: JsonSchema
    # Per-property encoding (contentType, style, explode, headers) for form and multipart bodies.
    encoding: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequestBody:
    content: tuple[MediaType, ...]
    required: bool = False
    description: str = ""
    pointer: str = ""

    def preferred(self) -> MediaType | None:
        """The media type toolsync sends: JSON first, then form, multipart, text, anything."""
        order = ("json", "x-www-form-urlencoded", "multipart/", "text/", "")
        for needle in order:
            for mt in self.content:
                name = mt.media_type.lower()
                if needle == "json" and (name == "application/json" or name.endswith("+json")):
                    return mt
                if needle != "json" and needle in name:
                    return mt
        return self.content[0] if self.content else None


@dataclass(frozen=True, slots=True)
class Response:
    status: str  # "200", "2XX" or "default"
    description: str = ""
    content: tuple[MediaType, ...] = ()


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    """A ``components.securitySchemes`` entry (Swagger 2.0 ``securityDefinitions`` lifted)."""

    name: str
    type: str  # apiKey | http | oauth2 | openIdConnect | mutualTLS
    location: str | None = None  # for apiKey: header | query | cookie
    parameter_name: str | None = None  # for apiKey: the header/query/cookie name
    scheme: str | None = None  # for http: bearer | basic | ...
    bearer_format: str | None = None
    flows: Mapping[str, Any] = field(default_factory=dict)
    open_id_connect_url: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Operation:
    """One method on one path, fully resolved."""

    method: str  # lower case, one of HTTP_METHODS
    path: str  # as written in the spec, e.g. "/pets/{petId}"
    operation_id: str | None = None
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    deprecated: bool = False
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    responses: tuple[Response, ...] = ()
    # Effective servers: operation-level, else path-level, else root-level.
    servers: tuple[Server, ...] = ()
    # Effective security: operation-level, else root-level. An empty tuple means none needed.
    security: tuple[SecurityRequirement, ...] = ()
    # ``x-`` extensions of the operation object, as written.
    extensions: Mapping[str, Any] = field(default_factory=dict)
    # Schemas that the operation's schemas reach through a cycle, by name (for "#/$defs/<name>").
    defs: Mapping[str, JsonSchema] = field(default_factory=dict)
    pointer: str = ""

    @property
    def key(self) -> str:
        """Stable identity within a spec: ``"GET /pets/{petId}"``."""
        return f"{self.method.upper()} {self.path}"

    def success_response(self) -> Response | None:
        """The first 2xx response (by status code), else ``default``."""
        best: Response | None = None
        for response in self.responses:  # a loop, not a sort: this is asked for every tool built
            if response.status.startswith("2") and (best is None or response.status < best.status):
                best = response
        if best is not None:
            return best
        return next((r for r in self.responses if r.status == "default"), None)


@dataclass(frozen=True, slots=True)
class Spec:
    """A loaded spec: its identity, its operations and what was noticed on the way."""

    name: str  # registry name (configured, else derived from the title or file name)
    source: str  # file path or URL, for messages
    title: str
    version: str  # info.version, as a string
    openapi_version: str  # as declared: "2.0", "3.0.3", "3.1.0"
    operations: tuple[Operation, ...]
    servers: tuple[Server, ...] = ()
    security_schemes: Mapping[str, SecurityScheme] = field(default_factory=dict)
    description: str = ""
    diagnostics: tuple[Diagnostic, ...] = ()
    # Content hash over the source bytes and every file they reference.
    fingerprint: str = ""
    # Local files the spec read through relative $refs (for the watcher).
    referenced_files: tuple[str, ...] = ()
    # The document operations were read from, refs not inlined. Read-only. Swagger 2.0 comes lifted to
    # the 3.1 shape; OpenAPI 3.x is as written (3.0 schemas are lifted as they are resolved).
    document: Mapping[str, Any] = field(default_factory=dict)
    # Every "$ref" string in ``document`` when the parser listed them on the way (a first load of a JSON
    # OpenAPI 3 spec), so the spec gate need not serialize the document to find them; else None.
    document_refs: frozenset[str] | None = field(default=None, compare=False, repr=False)

    def operation(self, key: str) -> Operation | None:
        return next((op for op in self.operations if op.key == key), None)
