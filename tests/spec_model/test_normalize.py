"""Lifting Swagger 2.0 and OpenAPI 3.0 documents to the OpenAPI 3.1 shape."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from toolsync.ir import ParamLocation
from toolsync.spec.normalize import (
    V2,
    V30,
    V31,
    DetectedVersion,
    collection_format_style,
    lift_schema,
    normalize_document,
)

from .conftest import body_schema, build, codes, only, openapi, response_schema


def swagger(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"swagger": "2.0", "info": {"title": "Old API", "version": "1"}, "paths": paths, **extra}


def lifted(document: dict[str, Any]) -> dict[str, Any]:
    family = V2 if "swagger" in document else V30
    return normalize_document(document, DetectedVersion("x", family))[0]


# -- schema keywords ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "nullable": True}, {"type": ["string", "null"]}),
        ({"type": "string", "nullable": False}, {"type": "string"}),
        ({"type": "string", "enum": ["a", "b"], "nullable": True},
         {"type": ["string", "null"], "enum": ["a", "b", None]}),
        ({"$ref": "#/components/schemas/Pet", "nullable": True, "description": "d"},
         {"anyOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "null"}], "description": "d"}),
        ({"allOf": [{"type": "object"}], "nullable": True, "readOnly": True},
         {"anyOf": [{"allOf": [{"type": "object"}]}, {"type": "null"}], "readOnly": True}),
        ({"type": "integer", "minimum": 1, "exclusiveMinimum": True}, {"type": "integer", "exclusiveMinimum": 1}),
        ({"type": "integer", "maximum": 9, "exclusiveMaximum": True}, {"type": "integer", "exclusiveMaximum": 9}),
        ({"type": "integer", "minimum": 1, "exclusiveMinimum": False}, {"type": "integer", "minimum": 1}),
        ({"type": "integer", "exclusiveMaximum": True}, {"type": "integer"}),
        ({"type": "string", "x-nullable": True}, {"type": ["string", "null"]}),
        ({"type": "string", "example": "x", "discriminator": {"propertyName": "kind"}},
         {"type": "string", "example": "x", "discriminator": {"propertyName": "kind"}}),
        ({"type": "array", "items": [{"type": "string"}, {"type": "integer"}]},
         {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}),
    ],
)
def test_openapi_30_schema_keywords_become_2020_12(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    """nullable, boolean exclusive bounds, x-nullable and tuple items are rewritten; example stays."""
    assert lift_schema(schema, V30) == expected


def test_lifting_reaches_nested_schemas_and_leaves_data_alone() -> None:
    """Subschemas at any depth are lifted, while enum/example values that look like schemas are not."""
    schema = {
        "type": "object",
        "properties": {"a": {"type": "array", "items": {"type": "string", "nullable": True}}},
        "additionalProperties": {"oneOf": [{"type": "integer", "nullable": True}]},
        "example": {"nullable": True},
    }
    out = lift_schema(schema, V30)
    assert out["properties"]["a"]["items"] == {"type": ["string", "null"]}
    assert out["additionalProperties"]["oneOf"][0] == {"type": ["integer", "null"]}
    assert out["example"] == {"nullable": True}


def test_unchanged_subtrees_are_shared_not_copied() -> None:
    """Copy-on-write: a subtree with nothing to lift is the input's own object."""
    untouched = {"type": "object", "properties": {"x": {"type": "string"}}}
    schema = {"type": "object", "properties": {"keep": untouched, "lift": {"type": "string", "nullable": True}}}
    out = lift_schema(schema, V30)
    assert out["properties"]["keep"] is untouched
    assert lift_schema(untouched, V30) is untouched


def test_openapi_31_schemas_pass_through() -> None:
    """3.1 documents already speak 2020-12: type lists, const, examples, $defs and prefixItems stay."""
    schema = {"type": ["string", "null"], "const": "x", "examples": ["x"], "$defs": {"a": {}},
              "prefixItems": [{}], "nullable": True}
    assert lift_schema(schema, V31) is schema


def test_normalizing_never_mutates_the_input() -> None:
    """The input document is left exactly as it was, for every version."""
    for document in (
        swagger({"/a": {"post": {"parameters": [{"in": "body", "name": "b", "schema": {"$ref": "#/definitions/A"}}],
                                 "responses": {"200": {"description": "ok", "schema": {"type": "string"}}}}}},
                definitions={"A": {"type": "object", "x-nullable": True}}),
        openapi({"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"type": "string", "nullable": True}}}}}}}}, version="3.0.3",
            components={"schemas": {"A": {"type": "integer", "minimum": 0, "exclusiveMinimum": True}}}),
    ):
        before = copy.deepcopy(document)
        build(document)
        assert document == before


def test_openapi_30_document_lifts_schemas_everywhere() -> None:
    """Schemas in components, parameters, bodies, responses, headers and callbacks are lifted."""
    nullable = {"type": "string", "nullable": True}
    media = {"application/json": {"schema": nullable}}
    document = openapi({"/a": {
        "parameters": [{"name": "p", "in": "query", "schema": nullable}],
        "post": {"requestBody": {"content": media},
                 "responses": {"200": {"description": "ok", "content": media,
                                       "headers": {"X-H": {"schema": nullable}}}},
                 "callbacks": {"cb": {"{$request.body#/url}": {"post": {"requestBody": {"content": media},
                                                                         "responses": {}}}}}},
    }}, version="3.0.3", components={"schemas": {"S": nullable}, "parameters": {"P": {"name": "q", "in": "query",
                                                                                       "schema": nullable}}})
    out = lifted(document)
    want = {"type": ["string", "null"]}
    item = out["paths"]["/a"]
    assert item["parameters"][0]["schema"] == want
    assert item["post"]["requestBody"]["content"]["application/json"]["schema"] == want
    response = item["post"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"] == want
    assert response["headers"]["X-H"]["schema"] == want
    callback = item["post"]["callbacks"]["cb"]["{$request.body#/url}"]["post"]
    assert callback["requestBody"]["content"]["application/json"]["schema"] == want
    assert out["components"]["schemas"]["S"] == want
    assert out["components"]["parameters"]["P"]["schema"] == want


# -- Swagger 2.0 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "base_uri", "urls"),
    [
        ({"host": "api.example.com", "basePath": "/v2", "schemes": ["https", "http"]}, "",
         ["https://api.example.com/v2", "http://api.example.com/v2"]),
        ({"host": "api.example.com", "basePath": "/v2"}, "file:///specs/a.json", ["https://api.example.com/v2"]),
        ({"host": "api.example.com"}, "http://docs.example.com/swagger.json", ["http://api.example.com"]),
        ({"host": "api.example.com", "basePath": "v1", "schemes": ["ws"]}, "", ["https://api.example.com/v1"]),
        ({"basePath": "/v3"}, "", ["/v3"]),
        ({}, "", ["/"]),
    ],
)
def test_host_base_path_and_schemes_become_servers(extra: dict[str, Any], base_uri: str, urls: list[str]) -> None:
    """host+basePath+schemes → servers; no schemes → https or the spec URL's scheme; no host → relative."""
    out = normalize_document(swagger({}, **extra), DetectedVersion("2.0", V2), base_uri=base_uri)[0]
    assert [s["url"] for s in out["servers"]] == urls


def test_relative_servers_resolve_against_a_spec_url() -> None:
    """A spec read from a URL with no host gets servers relative to where it was served."""
    spec = build(swagger({"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}, basePath="/api"),
                 base_uri="https://docs.example.com/specs/swagger.json")
    assert [s.url for s in only(spec).servers] == ["https://docs.example.com/api"]


def test_body_parameter_becomes_request_body_with_consumes() -> None:
    """in: body → requestBody with a content entry per consumes media type; the $ref is rewritten."""
    document = swagger(
        {"/pets": {"post": {
            "consumes": ["application/json", "application/xml"],
            "parameters": [{"in": "body", "name": "pet", "required": True, "description": "The pet",
                            "schema": {"$ref": "#/definitions/Pet"}}],
            "responses": {"200": {"description": "ok"}}}}},
        definitions={"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}},
    )
    post = lifted(document)["paths"]["/pets"]["post"]
    assert post["requestBody"] == {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}},
                    "application/xml": {"schema": {"$ref": "#/components/schemas/Pet"}}},
        "description": "The pet", "required": True}
    assert "parameters" not in post
    op = only(build(document))
    assert body_schema(op, "application/xml") == {"type": "object", "properties": {"name": {"type": "string"}}}


def test_form_data_becomes_urlencoded_body() -> None:
    """formData parameters → an x-www-form-urlencoded object schema with required and descriptions."""
    document = swagger({"/login": {"post": {
        "parameters": [
            {"in": "formData", "name": "user", "type": "string", "required": True, "description": "Login"},
            {"in": "formData", "name": "roles", "type": "array", "items": {"type": "string"},
             "collectionFormat": "pipes"},
        ],
        "responses": {"200": {"description": "ok"}}}}})
    body = lifted(document)["paths"]["/login"]["post"]["requestBody"]
    assert body == {"required": True, "content": {"application/x-www-form-urlencoded": {
        "schema": {"type": "object",
                   "properties": {"user": {"type": "string", "description": "Login"},
                                  "roles": {"type": "array", "items": {"type": "string"}}},
                   "required": ["user"]},
        "encoding": {"roles": {"style": "pipeDelimited", "explode": False}}}}}


def test_file_parameter_makes_multipart_with_binary_string() -> None:
    """A type: file form parameter forces multipart/form-data and becomes {type: string, format: binary}."""
    document = swagger({"/upload": {"post": {
        "consumes": ["application/x-www-form-urlencoded"],
        "parameters": [{"in": "formData", "name": "file", "type": "file"},
                       {"in": "formData", "name": "note", "type": "string"}],
        "responses": {"200": {"description": "ok"}}}}})
    op = only(build(document))
    assert op.request_body is not None and not op.request_body.required
    assert [m.media_type for m in op.request_body.content] == ["multipart/form-data"]
    assert body_schema(op, "multipart/form-data")["properties"]["file"] == {"type": "string", "format": "binary"}


def test_consumes_multipart_without_file_is_respected() -> None:
    """Form parameters follow consumes when it names multipart/form-data."""
    document = swagger({"/f": {"post": {
        "consumes": ["multipart/form-data"],
        "parameters": [{"in": "formData", "name": "a", "type": "string"}],
        "responses": {"200": {"description": "ok"}}}}})
    op = only(build(document))
    assert op.request_body is not None
    assert [m.media_type for m in op.request_body.content] == ["multipart/form-data"]


@pytest.mark.parametrize(
    ("fmt", "location", "expected"),
    [
        (None, "query", ("form", False)),
        ("csv", "query", ("form", False)),
        ("csv", "path", ("simple", False)),
        ("csv", "header", ("simple", False)),
        ("ssv", "query", ("spaceDelimited", False)),
        ("pipes", "query", ("pipeDelimited", False)),
        ("multi", "query", ("form", True)),
        ("tsv", "query", ("form", False)),
    ],
)
def test_collection_format_maps_to_style_and_explode(fmt: str | None, location: str,
                                                      expected: tuple[str, bool]) -> None:
    """collectionFormat → (style, explode) per location; csv is the Swagger default."""
    assert collection_format_style(fmt, location) == expected


def test_parameter_type_keywords_move_into_schema() -> None:
    """type/format/items/enum/default/bounds of a 2.0 parameter become its schema; arrays get style."""
    document = swagger({"/s": {"get": {"parameters": [
        {"in": "query", "name": "n", "type": "integer", "format": "int32", "minimum": 0, "exclusiveMinimum": True,
         "maximum": 10, "default": 5, "required": True, "description": "count"},
        {"in": "query", "name": "ids", "type": "array", "items": {"type": "integer", "collectionFormat": "csv"},
         "collectionFormat": "ssv"},
        {"in": "header", "name": "X-Mode", "type": "string", "enum": ["a", "b"]},
    ], "responses": {"200": {"description": "ok"}}}}})
    params = only(build(document)).parameters
    assert params[0].schema == {"type": "integer", "format": "int32", "exclusiveMinimum": 0, "maximum": 10,
                                "default": 5}
    assert (params[0].required, params[0].description) == (True, "count")
    assert params[1].schema == {"type": "array", "items": {"type": "integer"}}
    assert (params[1].style, params[1].explode) == ("spaceDelimited", False)
    assert params[2].location == ParamLocation.HEADER and params[2].schema == {"type": "string", "enum": ["a", "b"]}


def test_tsv_collection_format_is_reported() -> None:
    """collectionFormat: tsv has no OpenAPI 3 form: it is sent comma-separated and a warning says so."""
    spec = build(swagger({"/s": {"get": {"parameters": [
        {"in": "query", "name": "t", "type": "array", "items": {"type": "string"}, "collectionFormat": "tsv"}],
        "responses": {"200": {"description": "ok"}}}}}))
    assert "collection-format-tsv" in codes(spec)
    assert (only(spec).parameters[0].style, only(spec).parameters[0].explode) == ("form", False)


def test_produces_becomes_response_content_with_examples() -> None:
    """A response schema appears under each produces type (operation-level wins); examples move along."""
    document = swagger({"/r": {"get": {
        "produces": ["application/json", "text/csv"],
        "responses": {"200": {"description": "ok", "schema": {"type": "string"},
                              "examples": {"application/json": "hello"},
                              "headers": {"X-Rate": {"type": "integer", "description": "left"}}},
                      "204": {"description": "none"}}}}}, produces=["application/xml"])
    responses = lifted(document)["paths"]["/r"]["get"]["responses"]
    assert responses["200"]["content"] == {"application/json": {"schema": {"type": "string"}, "example": "hello"},
                                           "text/csv": {"schema": {"type": "string"}}}
    assert responses["200"]["headers"] == {"X-Rate": {"schema": {"type": "integer"}, "description": "left"}}
    assert "content" not in responses["204"]


def test_definitions_parameters_responses_move_to_components_and_refs_follow() -> None:
    """definitions/parameters/responses → components, and every local $ref is rewritten to match."""
    document = swagger(
        {"/p/{id}": {"get": {"parameters": [{"$ref": "#/parameters/Id"}],
                             "responses": {"404": {"$ref": "#/responses/NotFound"},
                                           "200": {"description": "ok", "schema": {"$ref": "#/definitions/P"}}}}}},
        definitions={"P": {"type": "object", "properties": {"child": {"$ref": "#/definitions/P"}}}},
        parameters={"Id": {"in": "path", "name": "id", "required": True, "type": "string"},
                    "Body": {"in": "body", "name": "b", "schema": {}}},
        responses={"NotFound": {"description": "missing", "schema": {"$ref": "#/definitions/P"}}},
    )
    out = lifted(document)
    get = out["paths"]["/p/{id}"]["get"]
    assert get["parameters"] == [{"$ref": "#/components/parameters/Id"}]
    assert get["responses"]["404"] == {"$ref": "#/components/responses/NotFound"}
    assert out["components"]["schemas"]["P"]["properties"]["child"] == {"$ref": "#/components/schemas/P"}
    assert set(out["components"]["parameters"]) == {"Id"}
    assert out["components"]["responses"]["NotFound"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/P"}
    op = only(build(document))
    assert op.parameters[0].pointer == "#/components/parameters/Id"
    assert response_schema(op, "404")["properties"]["child"] == {"$ref": "#/$defs/P-Output"}


def test_body_parameter_by_ref_is_folded_into_the_request_body() -> None:
    """A #/parameters ref to a body parameter (also at path level) becomes the request body."""
    document = swagger(
        {"/p": {"parameters": [{"$ref": "#/parameters/Body"}],
                "put": {"responses": {"200": {"description": "ok"}}},
                "post": {"parameters": [{"in": "body", "name": "other", "schema": {"type": "integer"}}],
                         "responses": {"200": {"description": "ok"}}}}},
        parameters={"Body": {"in": "body", "name": "b", "required": True, "schema": {"type": "string"}}},
    )
    spec = build(document)
    put, post = spec.operations
    assert body_schema(put) == {"type": "string"}
    assert body_schema(post) == {"type": "integer"}


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ({"type": "basic"}, {"type": "http", "scheme": "basic"}),
        ({"type": "apiKey", "in": "query", "name": "key", "description": "d"},
         {"type": "apiKey", "in": "query", "name": "key", "description": "d"}),
        ({"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://a", "scopes": {"r": "read"}},
         {"type": "oauth2", "flows": {"implicit": {"authorizationUrl": "https://a", "scopes": {"r": "read"}}}}),
        ({"type": "oauth2", "flow": "password", "tokenUrl": "https://t", "scopes": {}},
         {"type": "oauth2", "flows": {"password": {"tokenUrl": "https://t", "scopes": {}}}}),
        ({"type": "oauth2", "flow": "application", "tokenUrl": "https://t", "scopes": {}},
         {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://t", "scopes": {}}}}),
        ({"type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://a", "tokenUrl": "https://t",
          "scopes": {"w": "write"}},
         {"type": "oauth2", "flows": {"authorizationCode": {"authorizationUrl": "https://a", "tokenUrl": "https://t",
                                                            "scopes": {"w": "write"}}}}),
    ],
)
def test_security_definitions_become_security_schemes(definition: dict[str, Any], expected: dict[str, Any]) -> None:
    """basic → http/basic, apiKey kept, oauth2 flows renamed (application → clientCredentials, …)."""
    out = lifted(swagger({}, securityDefinitions={"s": definition}))
    assert out["components"]["securitySchemes"]["s"] == expected
    scheme = build(swagger({}, securityDefinitions={"s": definition})).security_schemes["s"]
    assert scheme.type == expected["type"]


def test_operation_schemes_override_servers() -> None:
    """An operation's own schemes give it its own servers."""
    document = swagger({"/a": {"get": {"schemes": ["http"], "responses": {"200": {"description": "ok"}}},
                               "put": {"responses": {"200": {"description": "ok"}}}}},
                       host="api.example.com", schemes=["https"])
    get, put = build(document).operations
    assert [s.url for s in get.servers] == ["http://api.example.com"]
    assert [s.url for s in put.servers] == ["https://api.example.com"]


def test_x_nullable_and_file_and_string_discriminator_in_definitions() -> None:
    """Swagger-only schema spellings (x-nullable, type: file, string discriminator) are lifted."""
    out = lifted(swagger({}, definitions={
        "A": {"type": "string", "x-nullable": True},
        "F": {"type": "file"},
        "D": {"type": "object", "discriminator": "kind", "properties": {"kind": {"type": "string"}}}}))
    schemas = out["components"]["schemas"]
    assert schemas["A"] == {"type": ["string", "null"]}
    assert schemas["F"] == {"type": "string", "format": "binary"}
    assert schemas["D"]["discriminator"] == {"propertyName": "kind"}
