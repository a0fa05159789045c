"""Reading operations out of a lifted document: parameters, bodies, responses, servers, security."""

from __future__ import annotations

from typing import Any

import pytest

from toolsync.ir import HTTP_METHODS, ParamLocation, Server, ServerVariable, Severity
from toolsync.spec.build import spec_name

from .conftest import build, codes, ok, only, openapi


def get(**op: Any) -> dict[str, Any]:
    """A path item with one GET operation (responses added)."""
    return {"get": {"responses": ok(), **op}}


def test_all_eight_methods_are_read_in_document_order() -> None:
    """get, put, post, delete, options, head, patch and trace all become operations; other keys do not."""
    item: dict[str, Any] = {m: {"responses": ok()} for m in reversed(HTTP_METHODS)}
    item.update({"summary": "s", "parameters": [], "x-internal": True, "servers": []})
    spec = build(openapi({"/r": item}))
    assert [op.method for op in spec.operations] == list(reversed(HTTP_METHODS))
    assert spec.operations[0].pointer == "#/paths/~1r/trace"


def test_operation_fields() -> None:
    """operationId, summary, description, tags, deprecated, x- extensions and pointer are carried over."""
    spec = build(openapi({"/pets/{id}": {
        "summary": "path summary", "description": "path description",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "get": {"operationId": "getPet", "tags": ["pets", 3], "deprecated": True, "x-rate": {"limit": 5},
                "description": "own description", "responses": ok()}}}))
    op = only(spec)
    assert (op.operation_id, op.summary, op.description) == ("getPet", "path summary", "own description")
    assert (op.tags, op.deprecated, dict(op.extensions)) == (("pets",), True, {"x-rate": {"limit": 5}})
    assert (op.key, op.pointer) == ("GET /pets/{id}", "#/paths/~1pets~1{id}/get")


# -- parameters -----------------------------------------------------------------------------------


def test_operation_parameters_override_path_parameters() -> None:
    """Same name+in at operation level replaces the path-level one; other locations are distinct."""
    spec = build(openapi({"/a": {
        "parameters": [{"name": "q", "in": "query", "description": "path level", "schema": {"type": "string"}},
                       {"name": "X-Token", "in": "header", "schema": {"type": "string"}},
                       {"name": "q", "in": "header", "schema": {"type": "string"}}],
        "get": {"parameters": [{"name": "q", "in": "query", "description": "op level",
                                "schema": {"type": "integer"}},
                               {"name": "x-token", "in": "header", "required": True,
                                "schema": {"type": "string"}}],
                "responses": ok()}}}))
    params = only(spec).parameters
    assert [(p.name, p.location.value, p.description) for p in params] == [
        ("q", "query", "op level"), ("x-token", "header", ""), ("q", "header", "")]
    assert params[0].schema == {"type": "integer"}
    assert params[0].pointer == "#/paths/~1a/get/parameters/0"


@pytest.mark.parametrize(
    ("location", "extra", "style", "explode"),
    [
        ("query", {}, "form", True),
        ("cookie", {}, "form", True),
        ("header", {}, "simple", False),
        ("path", {"required": True}, "simple", False),
        ("query", {"style": "spaceDelimited"}, "spaceDelimited", False),
        ("query", {"explode": False}, "form", False),
        ("path", {"required": True, "style": "label", "explode": True}, "label", True),
        ("query", {"style": "deepObject", "explode": True}, "deepObject", True),
    ],
)
def test_style_and_explode_defaults_per_location(location: str, extra: dict[str, Any], style: str,
                                                 explode: bool) -> None:
    """query/cookie default to form+explode, path/header to simple without explode; explicit values win."""
    path = "/a/{p}" if location == "path" else "/a"
    param = {"name": "p", "in": location, "schema": {"type": "array", "items": {"type": "string"}}, **extra}
    [parameter] = only(build(openapi({path: get(parameters=[param])}))).parameters
    assert (parameter.style, parameter.explode) == (style, explode)
    assert parameter.location == ParamLocation(location)


def test_parameter_flags_and_content_parameters() -> None:
    """required, deprecated, allowReserved are read; a content parameter records its media type."""
    params = [
        {"name": "a", "in": "query", "required": True, "deprecated": True, "allowReserved": True,
         "schema": {"type": "string"}},
        {"name": "filter", "in": "query", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"n": {"type": "integer"}}}}}},
        {"name": "nothing", "in": "query"},
    ]
    a, content, nothing = only(build(openapi({"/a": get(parameters=params)}))).parameters
    assert (a.required, a.deprecated, a.allow_reserved, a.content_type) == (True, True, True, None)
    assert content.content_type == "application/json"
    assert content.schema == {"type": "object", "properties": {"n": {"type": "integer"}}}
    assert nothing.schema == {}


def test_path_parameters_are_always_required() -> None:
    """A path parameter is required even when the spec forgot to say so."""
    [param] = only(build(openapi({"/a/{id}": get(parameters=[
        {"name": "id", "in": "path", "schema": {"type": "string"}}])}))).parameters
    assert param.required


def test_reserved_header_names_are_ignored() -> None:
    """Accept, Content-Type and Authorization header parameters are ignored, as OpenAPI says."""
    spec = build(openapi({"/a": get(parameters=[
        {"name": n, "in": "header", "schema": {"type": "string"}} for n in ("Accept", "content-type",
                                                                             "Authorization", "X-Ok")])}))
    assert [p.name for p in only(spec).parameters] == ["X-Ok"]
    assert {d.severity for d in spec.diagnostics} == {Severity.INFO}


# -- bodies and responses -------------------------------------------------------------------------


def test_request_bodies_of_every_media_type() -> None:
    """JSON, +json, form, multipart (with encoding), text and octet-stream bodies are all read."""
    content = {
        "application/merge-patch+json": {"schema": {"type": "object"}},
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
            "tags": {"type": "array", "items": {"type": "string"}}}},
            "encoding": {"tags": {"style": "form", "explode": False}}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}},
            "encoding": {"file": {"contentType": "image/png"}}},
        "text/plain": {"schema": {"type": "string"}},
        "application/octet-stream": {},
    }
    op = only(build(openapi({"/a": {"post": {"requestBody": {"content": content, "description": "d"},
                                             "responses": ok()}}})))
    body = op.request_body
    assert body is not None and not body.required and body.description == "d"
    assert [m.media_type for m in body.content] == list(content)
    by_type = {m.media_type: m for m in body.content}
    assert by_type["multipart/form-data"].encoding == {"file": {"contentType": "image/png"}}
    assert by_type["application/x-www-form-urlencoded"].encoding == {"tags": {"style": "form", "explode": False}}
    assert by_type["application/octet-stream"].schema == {}
    assert body.preferred() is by_type["application/merge-patch+json"]


def test_responses_keep_status_description_and_content() -> None:
    """Status codes become strings (2XX and default included); extensions are skipped."""
    responses = {200: {"description": "fine", "content": {"application/json": {"schema": {"type": "string"}}}},
                 "2XX": {"description": "other"}, "default": {"description": "error"}, "x-note": "n"}
    op = only(build(openapi({"/a": {"get": {"responses": responses}}})))
    assert [(r.status, r.description) for r in op.responses] == [
        ("200", "fine"), ("2XX", "other"), ("default", "error")]
    success = op.success_response()
    assert success is not None and success.content[0].schema == {"type": "string"}


@pytest.mark.parametrize(("statuses", "expected"), [
    (["default", "2XX", "204", "201"], "201"),
    (["404", "default", "202"], "202"),
    (["404", "default"], "default"),
    (["404", "500"], None),
])
def test_the_success_response_is_the_lowest_2xx_else_default(statuses: list[str], expected: str | None) -> None:
    """The lowest 2xx status wins wherever it is written; without one, default; else none."""
    op = only(build(openapi({"/a": {"get": {"responses": {s: {"description": s} for s in statuses}}}})))
    success = op.success_response()
    assert (success.status if success is not None else None) == expected


# -- servers and security -------------------------------------------------------------------------


def test_servers_at_every_level_with_variables() -> None:
    """Operation servers beat path servers beat root servers; variables keep default, enum, description."""
    root = [{"url": "https://{region}.example.com/v1", "description": "main",
             "variables": {"region": {"default": "eu", "enum": ["eu", "us"], "description": "where"}}}]
    spec = build(openapi({
        "/a": {"servers": [{"url": "https://path.example.com"}],
               "get": {"responses": ok()},
               "put": {"servers": [{"url": "https://op.example.com"}], "responses": ok()}},
        "/b": get(),
    }, servers=root))
    a_get, a_put, b_get = spec.operations
    assert [s.url for s in a_get.servers] == ["https://path.example.com"]
    assert [s.url for s in a_put.servers] == ["https://op.example.com"]
    assert b_get.servers == spec.servers == (Server("https://{region}.example.com/v1", "main", {
        "region": ServerVariable("eu", ("eu", "us"), "where")}),)


@pytest.mark.parametrize(
    ("servers", "base_uri", "urls"),
    [
        ([{"url": "/v1"}], "https://docs.example.com/openapi.json", ["https://docs.example.com/v1"]),
        ([{"url": "v1"}], "https://docs.example.com/specs/openapi.json", ["https://docs.example.com/specs/v1"]),
        ([{"url": "/v1"}], "file:///specs/openapi.json", ["/v1"]),
        (None, "https://docs.example.com/specs/openapi.json", ["https://docs.example.com/"]),
        (None, "file:///specs/openapi.json", []),
        ([{"url": "{scheme}://api.example.com", "variables": {"scheme": {"default": "https"}}}],
         "https://docs.example.com/x.json", ["{scheme}://api.example.com"]),
    ],
)
def test_relative_and_missing_servers(servers: list[Any] | None, base_uri: str, urls: list[str]) -> None:
    """Relative server URLs are joined to a spec URL; with none declared a URL spec uses its own origin."""
    extra = {"servers": servers} if servers is not None else {}
    spec = build(openapi({"/a": get()}, **extra), base_uri=base_uri)
    assert [s.url for s in only(spec).servers] == urls


def test_effective_security() -> None:
    """Operation security replaces the root's; [] means none; {} (optional auth) is kept."""
    schemes = {"key": {"type": "apiKey", "in": "header", "name": "X-Key"},
               "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://t", "scopes": {
                   "read": "r"}}}}}
    spec = build(openapi({"/a": {
        "get": {"responses": ok()},
        "put": {"security": [], "responses": ok()},
        "post": {"security": [{"oauth": ["read"]}, {}], "responses": ok()},
    }}, security=[{"key": []}], components={"securitySchemes": schemes}))
    inherited, none, own = spec.operations
    assert inherited.security == ({"key": ()},)
    assert none.security == ()
    assert own.security == ({"oauth": ("read",)}, {})


def test_security_schemes_are_read() -> None:
    """http bearer/basic, apiKey in cookie, oauth2 flows and openIdConnect become SecurityScheme objects."""
    schemes = {
        "bearer": {"type": "http", "scheme": "Bearer", "bearerFormat": "JWT", "description": "token"},
        "cookie": {"type": "apiKey", "in": "cookie", "name": "sid"},
        "oauth": {"type": "oauth2", "flows": {"implicit": {"authorizationUrl": "https://a", "scopes": {}}}},
        "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://id.example.com/.well-known"},
        "alias": {"$ref": "#/components/securitySchemes/cookie"},
        "broken": {"scheme": "basic"},
    }
    spec = build(openapi({}, components={"securitySchemes": schemes}))
    found = spec.security_schemes
    assert set(found) == {"bearer", "cookie", "oauth", "oidc", "alias"}
    assert (found["bearer"].type, found["bearer"].scheme, found["bearer"].bearer_format) == ("http", "bearer", "JWT")
    assert (found["cookie"].location, found["cookie"].parameter_name) == ("cookie", "sid")
    assert (found["alias"].location, found["alias"].name) == ("cookie", "alias")
    assert found["oauth"].flows == {"implicit": {"authorizationUrl": "https://a", "scopes": {}}}
    assert found["oidc"].open_id_connect_url == "https://id.example.com/.well-known"
    assert codes(spec) == ["security-scheme-invalid"]


def test_unknown_security_scheme_is_reported() -> None:
    """A requirement naming a scheme nobody defined is a warning."""
    spec = build(openapi({"/a": get(security=[{"ghost": []}])},
                         components={"securitySchemes": {"key": {"type": "apiKey", "in": "query", "name": "k"}}}))
    assert codes(spec) == ["security-unknown-scheme"]


# -- bad shapes -----------------------------------------------------------------------------------


def test_paths_that_are_not_a_mapping() -> None:
    """paths as a list is an error diagnostic and no operations, never an exception."""
    spec = build({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": ["/a"]})
    assert spec.operations == ()
    assert [(d.code, d.severity) for d in spec.diagnostics] == [("paths-invalid", Severity.ERROR)]


@pytest.mark.parametrize(
    ("paths", "code", "keys"),
    [
        ({"/a": {"get": ["not", "an", "operation"]}, "/b": get()}, "operation-invalid", ["GET /b"]),
        ({"/a": "nope", "/b": get()}, "path-item-invalid", ["GET /b"]),
        ({"a": get()}, "path-invalid", ["GET a"]),
        ({"/a": get(parameters=[{"in": "query"}, {"name": "ok", "in": "query"}])}, "parameter-invalid", ["GET /a"]),
        ({"/a": get(parameters=[{"name": "x", "in": "body"}])}, "parameter-invalid", ["GET /a"]),
        ({"/a": get(parameters={"name": "x"})}, "parameters-invalid", ["GET /a"]),
        ({"/a": get(parameters=[{"name": "id", "in": "path", "schema": {}}])}, "path-parameter-unused",
         ["GET /a"]),
        ({"/a": {"post": {"requestBody": {"description": "no content"}, "responses": ok()}}},
         "request-body-invalid", ["POST /a"]),
        ({"/a": {"post": {"requestBody": {"content": {"application/json": "x"}}, "responses": ok()}}},
         "media-type-invalid", ["POST /a"]),
        ({"/a": {"get": {"responses": ["200"]}}}, "responses-invalid", ["GET /a"]),
        ({"/a": {"get": {"responses": {"200": "fine"}}}}, "response-invalid", ["GET /a"]),
        ({"/a": get(servers=[{"description": "no url"}])}, "server-invalid", ["GET /a"]),
        ({"/a": get(security={"key": []})}, "security-invalid", ["GET /a"]),
    ],
)
def test_bad_shapes_become_diagnostics(paths: dict[str, Any], code: str, keys: list[str]) -> None:
    """Each malformed piece is reported with a code and skipped; the rest of the spec is still read."""
    spec = build(openapi(paths))
    assert code in codes(spec)
    assert [op.key for op in spec.operations] == keys
    assert all(d.source == "test.yaml" and d.pointer for d in spec.diagnostics)


def test_undeclared_template_parameter_is_declared_as_required_string() -> None:
    """{id} in the path without a declaration becomes a required string path parameter, with a warning."""
    spec = build(openapi({"/users/{id}/posts/{postId}": get(parameters=[
        {"name": "postId", "in": "path", "required": True, "schema": {"type": "integer"}}])}))
    op = only(spec)
    assert [(p.name, p.location.value, p.required, dict(p.schema)) for p in op.parameters] == [
        ("postId", "path", True, {"type": "integer"}), ("id", "path", True, {"type": "string"})]
    assert codes(spec) == ["path-parameter-undeclared"]


def test_duplicate_operation_ids_are_reported() -> None:
    """Two operations sharing an operationId both stay, each with a warning."""
    spec = build(openapi({"/a": get(operationId="same"), "/b": get(operationId="same")}))
    assert len(spec.operations) == 2
    assert codes(spec) == ["operation-id-duplicate", "operation-id-duplicate"]


def test_server_variable_without_default_is_reported() -> None:
    """A server variable with no default is reported and left out."""
    spec = build(openapi({"/a": get()}, servers=[{"url": "https://{x}.example.com", "variables": {"x": {}}}]))
    assert codes(spec) == ["server-variable-invalid"]
    assert only(spec).servers[0].variables == {}


# -- the Spec -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "location", "expected"),
    [
        ("Swagger Petstore", "x.yaml", "swagger-petstore"),
        ("  GitHub v3 REST API!! ", "x.yaml", "github-v3-rest-api"),
        ("", "file:///specs/My%20Store.openapi.yaml", "my-store-openapi"),
        (None, "/specs/billing.json", "billing"),
        ("***", "https://example.com/", "spec"),
    ],
)
def test_spec_names(title: Any, location: str, expected: str) -> None:
    """The name is the title's slug, else the file stem's, else "spec"."""
    assert spec_name(title, location) == expected


def test_spec_fields() -> None:
    """name argument, title, version, description, fingerprint and the document (as written) are set."""
    document = openapi({"/a": get(responses=ok({"$ref": "#/components/schemas/S"}))}, version="3.0.3",
                       components={"schemas": {"S": {"type": "string", "nullable": True}}})
    document["info"] = {"title": "Shop", "version": 2, "description": "About"}
    spec = build(document, name="shop-prod", fingerprint="abc")
    assert (spec.name, spec.title, spec.version, spec.description) == ("shop-prod", "Shop", "2", "About")
    assert (spec.fingerprint, spec.source, spec.openapi_version) == ("abc", "test.yaml", "3.0.3")
    assert spec.document["components"]["schemas"]["S"] == {"type": "string", "nullable": True}
    assert spec.operations[0].responses[0].content[0].schema == {"type": ["string", "null"]}  # lifted when read
    assert spec.document["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/S"}
    assert build(document).name == "shop"
