"""
Turn a lifted (3.1-shaped) document into :class:`~toolsync.ir.Operation` objects.

Bad shapes never crash: each becomes a :class:`~toolsync.ir.Diagnostic` and a sensible
recovery (a path parameter used in the template but never declared is declared as a required
string; a parameter without ``name``/``in`` is skipped). Refs that cannot be resolved fail the
spec, or skip just the operation that needs them under :attr:`RefPolicy.SKIP`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final, TypeAlias
from urllib.parse import urljoin, urlsplit

from ..config import RefPolicy
from ..errors import LimitError, RefError, SourceError, ToolsyncError
from ..ir import (
    HTTP_METHODS,
    Diagnostic,
    MediaType,
    Operation,
    Parameter,
    ParamLocation,
    RequestBody,
    Response,
    SecurityRequirement,
    SecurityScheme,
    Server,
    ServerVariable,
    Severity,
)
from .normalize import V2, escape_pointer
from .refs import Direction, Document, Located, ObjectKind, OperationScope, Resolver

__all__ = ["Extractor", "extract_servers"]

PathExtract: TypeAlias = Callable[[str, Any], list[Operation]]
#: ``(path, path item, extract) -> operations``: see :meth:`Extractor.operations`.
PathReuse: TypeAlias = Callable[[str, Any, PathExtract], list[Operation]]

_LOCATIONS: Final = {location.value: location for location in ParamLocation}
_DEFAULT_STYLE: Final = {
    ParamLocation.PATH: "simple",
    ParamLocation.QUERY: "form",
    ParamLocation.HEADER: "simple",
    ParamLocation.COOKIE: "form",
}
# OpenAPI: header parameters with these names SHALL be ignored (they are set from other fields).
_IGNORED_HEADERS: Final = frozenset({"accept", "content-type", "authorization"})
_TEMPLATE: Final = re.compile(r"\{([^{}/]+)\}")


def extract_servers(value: Any, *, base_uri: str, where: str, diagnostics: list[Diagnostic],
                    source: str | None = None) -> tuple[Server, ...]:
    """
    The server objects in ``value``; relative URLs are joined to ``base_uri`` when it is http(s).

    Entries that are not server objects are reported and left out.
    """
    if not isinstance(value, list):
        return ()
    servers = []
    for index, raw in enumerate(value):
        if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
            diagnostics.append(Diagnostic("server-invalid", "server entry has no 'url' string; ignored",
                                          pointer=f"{where}/{index}", source=source))
            continue
        variables = _server_variables(raw.get("variables"), f"{where}/{index}/variables", diagnostics, source)
        servers.append(Server(_absolute(raw["url"], base_uri), str(raw.get("description") or ""), variables))
    return tuple(servers)


def _absolute(url: str, base_uri: str) -> str:
    relative = "://" not in url and not url.startswith("{")
    if relative and urlsplit(base_uri).scheme in ("http", "https"):
        return urljoin(base_uri, url)
    return url


def _server_variables(value: Any, where: str, diagnostics: list[Diagnostic],
                      source: str | None) -> dict[str, ServerVariable]:
    if not isinstance(value, dict):
        return {}
    out = {}
    for name, raw in value.items():
        if not isinstance(raw, dict) or "default" not in raw:
            diagnostics.append(Diagnostic("server-variable-invalid",
                                          f"server variable {name!r} has no default; ignored",
                                          pointer=f"{where}/{escape_pointer(str(name))}", source=source))
            continue
        enum = raw.get("enum")
        values = tuple(str(v) for v in enum) if isinstance(enum, list) else ()
        out[str(name)] = ServerVariable(str(raw["default"]), values, str(raw.get("description") or ""))
    return out


class Extractor:
    """
    Reads operations, servers and security schemes out of the resolver's root document.

    Args:
        resolver: the resolver over the lifted root document.
        base_uri: the root's location (relative server URLs are joined to it when it is http(s)).
        policy: what to do with an operation that needs a ref that cannot be resolved.
        diagnostics: where remarks are appended.
    """

    def __init__(self, resolver: Resolver, *, base_uri: str, policy: RefPolicy,
                 diagnostics: list[Diagnostic]) -> None:
        self.resolver = resolver
        self.base_uri = base_uri
        self.policy = policy
        self.diagnostics = diagnostics
        self.source = resolver.source
        self.root: Document = resolver.root
        self.document: Mapping[str, Any] = resolver.root.data
        self.scheme_names: set[str] = set()
        self._root_servers: tuple[Server, ...] | None = None
        self._shared_responses: dict[tuple[str, str], Response] = {}  # (status, where the response lives)

    def _note(self, code: str, message: str, pointer: str, severity: Severity = Severity.WARNING) -> None:
        self.diagnostics.append(Diagnostic(code, message, severity, pointer, self.source))

    # -- spec level --------------------------------------------------------------------------------

    def servers(self) -> tuple[Server, ...]:
        """The root servers; with none declared, the document's own origin when it came from a URL."""
        if self._root_servers is None:
            self._root_servers = self._read_root_servers()
        return self._root_servers

    def _read_root_servers(self) -> tuple[Server, ...]:
        servers = extract_servers(self.document.get("servers"), base_uri=self.base_uri, where="#/servers",
                                  diagnostics=self.diagnostics, source=self.source)
        if not servers and urlsplit(self.base_uri).scheme in ("http", "https"):
            return (Server(urljoin(self.base_uri, "/")),)
        return servers

    def security_schemes(self) -> dict[str, SecurityScheme]:
        """``components.securitySchemes`` as IR objects; broken entries are reported and left out."""
        components = self.document.get("components")
        raw = components.get("securitySchemes") if isinstance(components, dict) else None
        if not isinstance(raw, dict):
            return {}
        out = {}
        for name, value in raw.items():
            where = f"#/components/securitySchemes/{escape_pointer(str(name))}"
            try:
                scheme = self.resolver.deref(value, self.root, ObjectKind.SECURITY_SCHEME, where).node
            except (RefError, SourceError) as exc:
                self._note("security-scheme-unresolved", f"security scheme {name!r} ignored: {exc.message}", where)
                continue
            if not isinstance(scheme, dict) or not isinstance(scheme.get("type"), str):
                self._note("security-scheme-invalid", f"security scheme {name!r} has no 'type'; ignored", where)
                continue
            out[str(name)] = _security_scheme(str(name), scheme)
        self.scheme_names = set(out)
        return out

    def operations(self, reuse: PathReuse | None = None) -> tuple[Operation, ...]:
        """
        Every operation of every path, in document order.

        ``reuse(path, item, extract)`` may answer for a path item instead of ``extract`` (the
        operations of an unchanged path item from an earlier build).
        """
        paths = self.document.get("paths")
        if paths is None:
            return ()
        if not isinstance(paths, dict):
            self._note("paths-invalid", "'paths' is not a mapping of path templates; no operations read",
                       "#/paths", Severity.ERROR)
            return ()
        operations: list[Operation] = []
        for path, item in paths.items():
            if isinstance(path, str) and not path.startswith("x-"):
                found = self._path_operations(path, item) if reuse is None else reuse(path, item,
                                                                                       self._path_operations)
                operations.extend(found)
        self._check_operation_ids(operations)
        return tuple(operations)

    def _check_operation_ids(self, operations: list[Operation]) -> None:
        counts = Counter(op.operation_id for op in operations if op.operation_id)
        for op in operations:
            if op.operation_id and counts[op.operation_id] > 1:
                self._note("operation-id-duplicate",
                           f"operationId {op.operation_id!r} is used by {counts[op.operation_id]} operations",
                           op.pointer)

    # -- paths and operations ----------------------------------------------------------------------

    def _path_operations(self, path: str, raw: Any) -> list[Operation]:
        where = f"#/paths/{escape_pointer(path)}"
        if not path.startswith("/"):
            self._note("path-invalid", f"path {path!r} does not start with '/'", where)
        try:
            item = self.resolver.deref(raw, self.root, ObjectKind.PATH_ITEM, where)
        except (RefError, SourceError) as exc:
            self._unresolved(exc, f"path {path}", where)
            return []
        if not isinstance(item.node, dict):
            self._note("path-item-invalid", f"path {path!r} is not a mapping of operations; ignored", where)
            return []
        operations = []
        for method, op in item.node.items():
            if method not in HTTP_METHODS:
                continue
            op_where = f"{where}/{method}"
            if not isinstance(op, dict):
                self._note("operation-invalid", f"{method.upper()} {path} is not a mapping; ignored", op_where)
                continue
            try:
                operations.append(self._operation(path, method, op, item, op_where))
            except (RefError, SourceError, LimitError) as exc:
                self._unresolved(exc, f"{method.upper()} {path}", op_where)
        return operations

    def _unresolved(self, exc: ToolsyncError, what: str, where: str) -> None:
        """Under FAIL, re-raise; under SKIP, leave the operation (or path) out with a warning."""
        if self.policy == RefPolicy.FAIL:
            raise exc
        code = "expansion-limit" if isinstance(exc, LimitError) else "ref-unresolved"
        self._note(code, f"{what} skipped: {exc.message}", exc.pointer or where)

    def _operation(self, path: str, method: str, op: Mapping[str, Any], item: Located, where: str) -> Operation:
        with self.resolver.operation(where) as scope:
            parameters, form_params = self._parameters(path, op, item, where, scope)
            body = None
            if "requestBody" in op:
                body = self._request_body(op["requestBody"], item.document, f"{where}/requestBody", scope)
            elif form_params:
                body = self._swagger_body(form_params, where, scope)
            responses = self._responses(op.get("responses"), item.document, f"{where}/responses", scope)
            defs = scope.defs()
        node = item.node
        return Operation(
            method=method,
            path=path,
            operation_id=op["operationId"] if isinstance(op.get("operationId"), str) else None,
            summary=_text(op.get("summary") or node.get("summary")),
            description=_text(op.get("description") or node.get("description")),
            tags=tuple(t for t in op.get("tags") or () if isinstance(t, str)) if isinstance(op.get("tags"), list)
            else (),
            deprecated=op.get("deprecated") is True,
            parameters=parameters,
            request_body=body,
            responses=responses,
            servers=self._effective_servers(op, node, item.pointer, where),
            security=self._security(op["security"] if "security" in op else self.document.get("security"),
                                    f"{where}/security" if "security" in op else "#/security"),
            extensions={k: v for k, v in op.items() if isinstance(k, str) and k.startswith("x-")},
            defs=defs,
            pointer=where,
        )

    def _effective_servers(self, op: Mapping[str, Any], item: Mapping[str, Any], item_where: str,
                           where: str) -> tuple[Server, ...]:
        for value, at in ((op.get("servers"), f"{where}/servers"), (item.get("servers"), f"{item_where}/servers")):
            servers = extract_servers(value, base_uri=self.base_uri, where=at, diagnostics=self.diagnostics,
                                      source=self.source)
            if servers:
                return servers
        return self.servers()

    def _security(self, value: Any, where: str) -> tuple[SecurityRequirement, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self._note("security-invalid", "'security' is not a list of requirements; ignored", where)
            return ()
        out = []
        for index, requirement in enumerate(value):
            if not isinstance(requirement, dict):
                self._note("security-invalid", "security requirement is not a mapping; ignored", f"{where}/{index}")
                continue
            for name in requirement:
                if self.scheme_names and name not in self.scheme_names:
                    self._note("security-unknown-scheme", f"security requirement names unknown scheme {name!r}",
                               f"{where}/{index}")
            out.append({str(k): tuple(str(s) for s in v) if isinstance(v, list) else ()
                        for k, v in requirement.items()})
        return tuple(out)

    # -- parameters --------------------------------------------------------------------------------

    def _parameters(self, path: str, op: Mapping[str, Any], item: Located, where: str,
                    scope: OperationScope) -> tuple[tuple[Parameter, ...], list[Located]]:
        """Path-level parameters overridden by operation-level ones (same name and location)."""
        merged: dict[tuple[str, str], Parameter] = {}
        form: dict[tuple[str, str], Located] = {}
        lists = ((item.node.get("parameters"), f"{item.pointer}/parameters"),
                 (op.get("parameters"), f"{where}/parameters"))
        for raw_list, at in lists:
            if raw_list is None:
                continue
            if not isinstance(raw_list, list):
                self._note("parameters-invalid", "'parameters' is not a list; ignored", at)
                continue
            for index, raw in enumerate(raw_list):
                located = self.resolver.deref(raw, item.document, ObjectKind.PARAMETER, f"{at}/{index}")
                self._add_parameter(located, merged, form, scope)
        self._match_template(path, merged, where)
        return tuple(merged.values()), list(form.values())

    def _add_parameter(self, located: Located, merged: dict[tuple[str, str], Parameter],
                       form: dict[tuple[str, str], Located], scope: OperationScope) -> None:
        param, where = located.node, located.pointer
        if not isinstance(param, dict) or not isinstance(param.get("name"), str) \
                or not isinstance(param.get("in"), str):
            self._note("parameter-invalid", "parameter needs a 'name' and an 'in'; ignored", where)
            return
        name, location = param["name"], param["in"]
        if location in ("body", "formData") and self.root.family == V2:
            # Only refs into other Swagger 2.0 files get here; the root's own were lifted already.
            form[(name, location)] = located
            return
        if location not in _DEFAULT_STYLE:
            self._note("parameter-invalid", f"parameter {name!r} has unknown location {location!r}; ignored",
                       where)
            return
        if location == "header" and name.lower() in _IGNORED_HEADERS:
            self._note("parameter-ignored", f"header parameter {name!r} is ignored (OpenAPI sets it from the "
                       "request body, responses or security)", where, Severity.INFO)
            return
        key = (name.lower() if location == "header" else name, location)
        merged[key] = scope.shared(("parameter", located.pointer), partial(self._parameter, param, located, scope))

    def _parameter(self, param: Mapping[str, Any], located: Located, scope: OperationScope) -> Parameter:
        location = _LOCATIONS[param["in"]]  # checked against _DEFAULT_STYLE by the caller
        style = param["style"] if isinstance(param.get("style"), str) else _DEFAULT_STYLE[location]
        explode = param["explode"] if isinstance(param.get("explode"), bool) else style == "form"
        content_type = None
        content = param.get("content")
        if "schema" in param or not isinstance(content, dict) or not content:
            schema = scope.schema(param.get("schema"), located.document, Direction.INPUT,
                                  f"{located.pointer}/schema")
        else:
            content_type, media = next(iter(content.items()))
            raw_schema = media.get("schema") if isinstance(media, dict) else None
            schema = scope.schema(raw_schema, located.document, Direction.INPUT,
                                  f"{located.pointer}/content/{escape_pointer(str(content_type))}/schema")
        return Parameter(
            name=param["name"],
            location=location,
            schema=schema,
            required=location == ParamLocation.PATH or param.get("required") is True,
            description=_text(param.get("description")),
            style=style,
            explode=explode,
            allow_reserved=param.get("allowReserved") is True,
            deprecated=param.get("deprecated") is True,
            content_type=str(content_type) if content_type is not None else None,
            pointer=located.pointer,
        )

    def _match_template(self, path: str, merged: dict[tuple[str, str], Parameter], where: str) -> None:
        """Drop path parameters the template lacks; declare template names nobody declared."""
        names = _TEMPLATE.findall(path)
        for key, param in list(merged.items()):
            if param.location == ParamLocation.PATH and param.name not in names:
                self._note("path-parameter-unused",
                           f"path parameter {param.name!r} does not appear in {path!r}; ignored", param.pointer)
                del merged[key]
        for name in names:
            if (name, "path") not in merged:
                self._note("path-parameter-undeclared",
                           f"{path!r} uses {{{name}}} but declares no such path parameter; "
                           "treating it as a required string", where)
                merged[(name, "path")] = Parameter(name, ParamLocation.PATH, {"type": "string"}, required=True,
                                                   style="simple", explode=False, pointer=where)

    # -- bodies and responses ----------------------------------------------------------------------

    def _request_body(self, raw: Any, document: Document, where: str,
                      scope: OperationScope) -> RequestBody | None:
        located = self.resolver.deref(raw, document, ObjectKind.REQUEST_BODY, where)
        body = located.node
        if not isinstance(body, dict):
            self._note("request-body-invalid", "request body is not a mapping; ignored", located.pointer)
            return None
        content = self._content(body.get("content"), located, scope, Direction.INPUT)
        if not content:
            self._note("request-body-invalid", "request body has no content; ignored", located.pointer)
            return None
        return RequestBody(content, body.get("required") is True, _text(body.get("description")), located.pointer)

    def _swagger_body(self, params: list[Located], where: str, scope: OperationScope) -> RequestBody | None:
        """Body/formData parameters that came from another Swagger 2.0 file, as a request body."""
        document = params[0].document
        swagger = self.resolver.swagger_for(document)
        body = swagger.request_body([p.node for p in params], swagger.consumes, where)
        if body is None:
            return None
        located = Located(body, document, f"{where}/requestBody")
        content = self._content(body["content"], located, scope, Direction.INPUT)
        return RequestBody(content, body.get("required") is True, _text(body.get("description")), located.pointer)

    def _content(self, value: Any, located: Located, scope: OperationScope,
                 direction: Direction) -> tuple[MediaType, ...]:
        if not isinstance(value, dict):
            return ()
        out = []
        for media_type, media in value.items():
            where = f"{located.pointer}/content/{escape_pointer(str(media_type))}"
            if not isinstance(media, dict):
                self._note("media-type-invalid", f"media type {media_type!r} is not a mapping; ignored", where)
                continue
            schema = scope.schema(media.get("schema"), located.document, direction, f"{where}/schema")
            encoding = media.get("encoding")
            encodings = {str(k): v for k, v in encoding.items() if isinstance(v, dict)} \
                if isinstance(encoding, dict) else {}
            out.append(MediaType(str(media_type), schema, encodings))
        return tuple(out)

    def _responses(self, value: Any, document: Document, where: str,
                   scope: OperationScope) -> tuple[Response, ...]:
        if value is None:
            return ()
        if not isinstance(value, dict):
            self._note("responses-invalid", "'responses' is not a mapping; ignored", where)
            return ()
        out = []
        for status, raw in value.items():
            code = str(status)
            if code.startswith("x-"):
                continue
            at = f"{where}/{escape_pointer(code)}"
            located = self.resolver.deref(raw, document, ObjectKind.RESPONSE, at)
            response = located.node
            if not isinstance(response, dict):
                self._note("response-invalid", f"response {code} is not a mapping; ignored", located.pointer)
                continue
            read = partial(self._content, response.get("content"), located, scope, Direction.OUTPUT)
            if located.pointer == at:
                out.append(Response(code, _text(response.get("description")), read()))
                continue
            # Responses reached through a ref are usually shared by many operations: read them once (the
            # scope still counts their size for this operation), and share the Response too.
            content = scope.shared(("response", located.pointer), read)
            made = self._shared_responses.get((code, located.pointer))
            if made is None or made.content is not content:
                made = self._shared_responses[(code, located.pointer)] = Response(
                    code, _text(response.get("description")), content)
            out.append(made)
        return tuple(out)


def _security_scheme(name: str, scheme: Mapping[str, Any]) -> SecurityScheme:
    kind = scheme["type"]
    flows = scheme.get("flows")
    return SecurityScheme(
        name=name,
        type=kind,
        location=_opt_str(scheme.get("in")) if kind == "apiKey" else None,
        parameter_name=_opt_str(scheme.get("name")) if kind == "apiKey" else None,
        scheme=str(scheme["scheme"]).lower() if kind == "http" and scheme.get("scheme") is not None else None,
        bearer_format=_opt_str(scheme.get("bearerFormat")),
        flows=flows if isinstance(flows, dict) else {},
        open_id_connect_url=_opt_str(scheme.get("openIdConnectUrl")),
        description=_text(scheme.get("description")),
    )


def _opt_str(value: Any) -> str | None:
    return str(value) if value is not None else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
