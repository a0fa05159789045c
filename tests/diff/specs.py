"""Spec documents for the loader-backed tests: one small pet API written several equivalent ways."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import yaml


def write(tmp_path: Path, name: str, document: dict[str, Any]) -> str:
    """Write ``document`` as YAML (``.yaml``) or JSON (``.json``) and return its path."""
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_bytes(orjson.dumps(document))
    else:
        path.write_text(yaml.safe_dump(document, sort_keys=False))
    return str(path)


def petstore_31() -> dict[str, Any]:
    """OpenAPI 3.1: a cyclic Pet schema behind $ref, a shared parameter, JSON bodies and responses."""
    pet = {"type": "object", "required": ["name", "kind"],
           "properties": {"name": {"type": "string", "maxLength": 64},
                          "kind": {"type": "string", "enum": ["cat", "dog"]},
                          "tag": {"type": ["string", "null"]},
                          "owner": {"$ref": "#/components/schemas/Owner"},
                          "parent": {"$ref": "#/components/schemas/Pet"}}}
    owner = {"type": "object", "properties": {"id": {"type": "integer"}, "email": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pets", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "paths": {
            "/pets": {
                "get": {"operationId": "listPets", "summary": "List pets",
                        "parameters": [{"$ref": "#/components/parameters/Limit"},
                                       {"name": "kind", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "ok", "content": {"application/json": {
                            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}},
                "post": {"operationId": "createPet", "summary": "Create a pet",
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/Pet"}}}},
                         "responses": {"201": {"description": "created", "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/Pet"}}}}}},
            },
            "/pets/{petId}": {
                "get": {"operationId": "getPet", "summary": "Get a pet",
                        "parameters": [{"name": "petId", "in": "path", "required": True,
                                        "schema": {"type": "integer"}}],
                        "responses": {"200": {"description": "ok", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Pet"}}}}}},
            },
        },
        "components": {
            "schemas": {"Pet": pet, "Owner": owner},
            "parameters": {"Limit": {"name": "limit", "in": "query",
                                     "schema": {"type": "integer", "maximum": 100}}},
        },
    }


def renamed_components(doc: dict[str, Any]) -> dict[str, Any]:
    """The same API with Pet called Animal and Owner called Person."""
    text = orjson.dumps(doc).decode()
    text = text.replace("#/components/schemas/Pet", "#/components/schemas/Animal")
    text = text.replace("#/components/schemas/Owner", "#/components/schemas/Person")
    out: dict[str, Any] = orjson.loads(text)
    schemas = out["components"]["schemas"]
    out["components"]["schemas"] = {"Person": schemas["Owner"], "Animal": schemas["Pet"]}
    return out


def reordered(doc: dict[str, Any]) -> dict[str, Any]:
    """Paths, methods, properties, parameters and required lists in reverse order."""
    out = copy.deepcopy(doc)
    out["paths"] = {path: dict(reversed(item.items())) for path, item in reversed(out["paths"].items())}
    out["paths"]["/pets"]["get"]["parameters"].reverse()
    pet = out["components"]["schemas"]["Pet"]
    pet["properties"] = dict(reversed(pet["properties"].items()))
    pet["required"].reverse()
    return out


def inlined_owner(doc: dict[str, Any]) -> dict[str, Any]:
    """Owner written inline where it was a $ref, and the shared Limit parameter written in place."""
    out = copy.deepcopy(doc)
    out["components"]["schemas"]["Pet"]["properties"]["owner"] = copy.deepcopy(out["components"]["schemas"]["Owner"])
    del out["components"]["schemas"]["Owner"]
    out["paths"]["/pets"]["get"]["parameters"][0] = copy.deepcopy(out["components"]["parameters"]["Limit"])
    return out


def swagger_2() -> dict[str, Any]:
    """The same API as :func:`petstore_31`, written as Swagger 2.0."""
    pet = {"type": "object", "required": ["name", "kind"],
           "properties": {"name": {"type": "string", "maxLength": 64},
                          "kind": {"type": "string", "enum": ["cat", "dog"]},
                          "tag": {"type": "string", "x-nullable": True},
                          "owner": {"$ref": "#/definitions/Owner"},
                          "parent": {"$ref": "#/definitions/Pet"}}}
    owner = {"type": "object", "properties": {"id": {"type": "integer"}, "email": {"type": "string"}}}
    return {
        "swagger": "2.0",
        "info": {"title": "Pets", "version": "1.0.0"},
        "host": "api.example.com", "basePath": "/v1", "schemes": ["https"],
        "consumes": ["application/json"], "produces": ["application/json"],
        "paths": {
            "/pets": {
                "get": {"operationId": "listPets", "summary": "List pets",
                        "parameters": [{"$ref": "#/parameters/Limit"},
                                       {"name": "kind", "in": "query", "type": "string"}],
                        "responses": {"200": {"description": "ok", "schema": {
                            "type": "array", "items": {"$ref": "#/definitions/Pet"}}}}},
                "post": {"operationId": "createPet", "summary": "Create a pet",
                         "parameters": [{"name": "body", "in": "body", "required": True,
                                         "schema": {"$ref": "#/definitions/Pet"}}],
                         "responses": {"201": {"description": "created", "schema": {"$ref": "#/definitions/Pet"}}}},
            },
            "/pets/{petId}": {
                "get": {"operationId": "getPet", "summary": "Get a pet",
                        "parameters": [{"name": "petId", "in": "path", "required": True, "type": "integer"}],
                        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}}},
            },
        },
        "definitions": {"Pet": pet, "Owner": owner},
        "parameters": {"Limit": {"name": "limit", "in": "query", "type": "integer", "maximum": 100}},
    }
