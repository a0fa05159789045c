"""Small, real-looking specs for the spec gate tests."""

from __future__ import annotations

import copy
from typing import Any


def petstore_30() -> dict[str, Any]:
    """A clean OpenAPI 3.0 petstore."""
    pet = {"type": "object", "required": ["id", "name"],
           "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"},
                          "tag": {"type": "string", "nullable": True}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Petstore", "version": "1.0.0"},
        "servers": [{"url": "https://petstore.example.com/v1"}],
        "paths": {
            "/pets": {
                "get": {"operationId": "listPets", "summary": "List pets",
                        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                        "responses": {"200": {"description": "A page of pets", "content": {"application/json": {
                            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}},
                "post": {"operationId": "createPet",
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/Pet"}}}},
                         "responses": {"201": {"description": "Created"}}},
            },
            "/pets/{petId}": {
                "parameters": [{"$ref": "#/components/parameters/PetId"}],
                "get": {"operationId": "showPetById",
                        "responses": {"200": {"description": "The pet", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Pet"}}}}}},
            },
        },
        "components": {
            "schemas": {"Pet": pet},
            "parameters": {"PetId": {"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}},
        },
    }


def petstore_31() -> dict[str, Any]:
    """The same petstore written for OpenAPI 3.1."""
    spec = petstore_30()
    spec["openapi"] = "3.1.0"
    spec["components"]["schemas"]["Pet"]["properties"]["tag"] = {"type": ["string", "null"]}
    return spec


def swagger_20() -> dict[str, Any]:
    """A clean Swagger 2.0 spec with a form parameter and a body parameter."""
    return {
        "swagger": "2.0",
        "info": {"title": "Uploads", "version": "2.1"},
        "host": "api.example.com",
        "basePath": "/v2",
        "paths": {
            "/files": {"post": {"consumes": ["multipart/form-data"],
                                "parameters": [{"name": "file", "in": "formData", "type": "file"},
                                               {"name": "note", "in": "formData", "type": "string"}],
                                "responses": {"200": {"description": "Stored"}}}},
            "/notes": {"post": {"parameters": [{"name": "body", "in": "body", "schema": {"type": "object"}}],
                                "responses": {"201": {"description": "Created"}}}},
        },
    }


def sloppy_30() -> dict[str, Any]:
    """The petstore with the small rule breaks real specs are full of, none of which stop tool building."""
    spec = petstore_30()
    pets = spec["paths"]["/pets"]
    del pets["post"]["responses"]["201"]["description"]  # responses need a description
    pets["get"]["parameters"][0]["schema"] = {"type": "integer", "default": "ten"}  # default of the wrong type
    pets["get"]["x-rate-limit"] = 10
    spec["components"]["schemas"]["Pet"]["properties"]["name"]["example"] = 5
    spec["paths"]["/pets/{petId}"]["get"]["operationId"] = "listPets"  # duplicate operationId
    return spec


def with_change(spec: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """A copy of ``spec`` with the value at a JSON pointer replaced (or added)."""
    out = copy.deepcopy(spec)
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    node = out
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value
    return out
