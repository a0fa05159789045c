"""The same API written as Swagger 2.0, OpenAPI 3.0 and OpenAPI 3.1 yields identical operations."""

from __future__ import annotations

from typing import Any

import pytest

from toolsync.ir import Spec

from .conftest import build

ERROR_30 = {"type": "object", "properties": {"message": {"type": "string"}}}


def item_schema(version: str) -> dict[str, Any]:
    """The Item schema in each version's own spelling (nullable, exclusive bounds, refs)."""
    ref = "#/definitions/Item" if version == "2.0" else "#/components/schemas/Item"
    note: dict[str, Any] = {"type": "string"}
    price: dict[str, Any] = {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    if version == "2.0":
        note["x-nullable"] = True
    elif version == "3.0":
        note["nullable"] = True
    else:
        note = {"type": ["string", "null"]}
        price = {"type": "number", "exclusiveMinimum": 0}
    return {"type": "object", "required": ["name"], "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "price": price,
        "note": note,
        "parent": {"$ref": ref},
    }}


def swagger_20() -> dict[str, Any]:
    item = {"$ref": "#/definitions/Item"}
    return {
        "swagger": "2.0",
        "info": {"title": "Inventory", "version": "1.0"},
        "host": "api.example.com", "basePath": "/v1", "schemes": ["https"],
        "consumes": ["application/json"], "produces": ["application/json"],
        "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        "security": [{"key": []}],
        "paths": {
            "/items": {
                "get": {"operationId": "listItems", "tags": ["items"], "parameters": [
                    {"$ref": "#/parameters/Limit"},
                    {"in": "query", "name": "status", "type": "string", "enum": ["new", "old"]}],
                    "responses": {"200": {"description": "Items", "schema": {"type": "array", "items": item}}}},
                "post": {"operationId": "createItem", "security": [], "parameters": [
                    {"in": "body", "name": "item", "required": True, "schema": item}],
                    "responses": {"201": {"description": "Created", "schema": item}}},
            },
            "/items/{itemId}": {
                "parameters": [{"in": "path", "name": "itemId", "required": True, "type": "integer"}],
                "get": {"operationId": "getItem", "deprecated": True, "parameters": [
                    {"in": "query", "name": "fields", "type": "array", "items": {"type": "string"}},
                    {"in": "header", "name": "X-Trace", "type": "string", "description": "Trace id"}],
                    "responses": {"200": {"description": "The item", "schema": item},
                                  "404": {"$ref": "#/responses/NotFound"}}},
            },
            "/items/{itemId}/photo": {
                "post": {"operationId": "uploadPhoto", "consumes": ["multipart/form-data"], "parameters": [
                    {"in": "path", "name": "itemId", "required": True, "type": "integer"},
                    {"in": "formData", "name": "photo", "type": "file", "required": True, "description": "JPEG"},
                    {"in": "formData", "name": "caption", "type": "string"}],
                    "responses": {"204": {"description": "Stored"}}},
            },
        },
        "parameters": {"Limit": {"in": "query", "name": "limit", "type": "integer", "minimum": 1, "default": 10}},
        "responses": {"NotFound": {"description": "Missing", "schema": {"$ref": "#/definitions/Error"}}},
        "definitions": {"Item": item_schema("2.0"), "Error": ERROR_30},
    }


def openapi_3x(version: str) -> dict[str, Any]:
    item = {"$ref": "#/components/schemas/Item"}

    def json(schema: dict[str, Any]) -> dict[str, Any]:
        return {"application/json": {"schema": schema}}

    return {
        "openapi": "3.0.3" if version == "3.0" else "3.1.0",
        "info": {"title": "Inventory", "version": "1.0"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "security": [{"key": []}],
        "paths": {
            "/items": {
                "get": {"operationId": "listItems", "tags": ["items"], "parameters": [
                    {"$ref": "#/components/parameters/Limit"},
                    {"in": "query", "name": "status", "schema": {"type": "string", "enum": ["new", "old"]}}],
                    "responses": {"200": {"description": "Items",
                                          "content": json({"type": "array", "items": item})}}},
                "post": {"operationId": "createItem", "security": [],
                         "requestBody": {"required": True, "content": json(item)},
                         "responses": {"201": {"description": "Created", "content": json(item)}}},
            },
            "/items/{itemId}": {
                "parameters": [{"in": "path", "name": "itemId", "required": True, "schema": {"type": "integer"}}],
                "get": {"operationId": "getItem", "deprecated": True, "parameters": [
                    {"in": "query", "name": "fields", "style": "form", "explode": False,
                     "schema": {"type": "array", "items": {"type": "string"}}},
                    {"in": "header", "name": "X-Trace", "description": "Trace id", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "The item", "content": json(item)},
                                  "404": {"$ref": "#/components/responses/NotFound"}}},
            },
            "/items/{itemId}/photo": {
                "post": {"operationId": "uploadPhoto",
                         "parameters": [{"in": "path", "name": "itemId", "required": True,
                                         "schema": {"type": "integer"}}],
                         "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                             "type": "object", "required": ["photo"], "properties": {
                                 "photo": {"type": "string", "format": "binary", "description": "JPEG"},
                                 "caption": {"type": "string"}}}}}},
                         "responses": {"204": {"description": "Stored"}}},
            },
        },
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
            "parameters": {"Limit": {"in": "query", "name": "limit",
                                     "schema": {"type": "integer", "minimum": 1, "default": 10}}},
            "responses": {"NotFound": {"description": "Missing", "content": json({"$ref": "#/components/schemas/Error"})}},
            "schemas": {"Item": item_schema(version), "Error": ERROR_30},
        },
    }


@pytest.fixture(scope="module")
def specs() -> dict[str, Spec]:
    return {"2.0": build(swagger_20()), "3.0": build(openapi_3x("3.0")), "3.1": build(openapi_3x("3.1"))}


@pytest.mark.parametrize("version", ["2.0", "3.0"])
def test_older_versions_match_openapi_31_operation_for_operation(specs: dict[str, Spec], version: str) -> None:
    """Every Operation (parameters, bodies, responses, servers, security, defs, pointers) is equal."""
    reference = specs["3.1"]
    assert [op.key for op in specs[version].operations] == [op.key for op in reference.operations]
    for mine, theirs in zip(specs[version].operations, reference.operations, strict=True):
        assert mine == theirs, mine.key


@pytest.mark.parametrize("version", ["2.0", "3.0"])
def test_spec_level_fields_match(specs: dict[str, Spec], version: str) -> None:
    """Servers, security schemes, title and name agree as well, and nothing is reported."""
    spec, reference = specs[version], specs["3.1"]
    assert (spec.servers, spec.security_schemes, spec.title, spec.name) == (
        reference.servers, reference.security_schemes, reference.title, reference.name)
    assert spec.diagnostics == reference.diagnostics == ()


def test_the_shared_shape_is_what_an_agent_needs(specs: dict[str, Spec]) -> None:
    """Spot checks on the common result: readOnly dropped from input, recursion kept as $defs."""
    spec = specs["3.1"]
    create = spec.operation("POST /items")
    assert create is not None and create.request_body is not None
    body = create.request_body.content[0].schema
    assert "id" not in body["properties"]
    assert body["properties"]["parent"] == {"$ref": "#/$defs/Item"}
    assert body["properties"]["note"] == {"type": ["string", "null"]}
    assert body["properties"]["price"] == {"type": "number", "exclusiveMinimum": 0}
    assert set(create.defs) == {"Item", "Item-Output"}
    assert "id" in create.defs["Item-Output"]["properties"]
    assert create.security == ()
    listing = spec.operation("GET /items")
    assert listing is not None and listing.security == ({"key": ()},)
    get = spec.operation("GET /items/{itemId}")
    assert get is not None and get.deprecated
    assert [(p.name, p.style, p.explode) for p in get.parameters] == [
        ("itemId", "simple", False), ("fields", "form", False), ("X-Trace", "simple", False)]
