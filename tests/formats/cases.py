"""Representative operations, one per shape a converter must handle; the golden files cover each."""

from __future__ import annotations

from typing import Any

from tests.convert.builders import body, ok, op, param
from toolsync.ir import Operation

PET: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer", "format": "int64", "readOnly": True},
        "name": {"type": "string", "minLength": 1, "maxLength": 64, "example": "Rex"},
        "tag": {"type": "string", "description": "Free label.\u200b"},
        "homepage": {"type": "string", "format": "uri"},
        "secret": {"type": "string", "writeOnly": True},
    },
    "xml": {"name": "pet"},
}
NODE: dict[str, Any] = {
    "type": "object",
    "description": "A tree node.",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}, "maxItems": 50},
    },
}
ADDRESS = {"type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"},
                                            "geo": {"type": "object", "properties": {
                                                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                                                "lon": {"type": "number", "exclusiveMinimum": -180}}}}}
CARD = {"type": "object", "title": "Card", "required": ["kind", "number"],
        "properties": {"kind": {"const": "card"}, "number": {"type": "string", "pattern": "^[0-9]{12,19}$"}}}
BANK = {"type": "object", "title": "Bank", "required": ["kind", "iban"],
        "properties": {"kind": {"const": "bank"}, "iban": {"type": "string"}}}


def _no_params() -> Operation:
    return op("get", "/health", "getHealth", summary="Health check",
              description="Health check.\n\nReturns the service status.",
              responses=(ok({"type": "object", "properties": {"status": {"type": "string", "enum": ["ok", "down"]}}}),))


def _all_locations() -> Operation:
    return op("get", "/pets/{petId}", "getPet", summary="Get a pet",
              description="Returns one pet by id. Supports \u202esparse\u202c field selection.",
              params=(param("petId", "path", {"type": "integer", "minimum": 1}, description="The pet's id."),
                      param("fields", "query", {"type": "array", "items": {"type": "string"}}, style="form",
                            explode=False, description="Fields to return."),
                      param("X-Request-Id", "header", {"type": "string", "format": "uuid"}),
                      param("session", "cookie", {"type": "string"}, required=True),
                      param("Accept", "header", {"type": "string"})),
              responses=(ok(PET),))


def _json_body_clash() -> Operation:
    owner = {"type": "object", "properties": {"name": {"type": "string"}, "address": ADDRESS}}
    return op("put", "/pets/{id}", "updatePet", summary="Update a pet",
              params=(param("id", "path", {"type": "integer"}), param("dryRun", "query", {"type": "boolean"})),
              request_body=body({"type": "object", "required": ["name"], "properties": {
                  "id": {"type": "integer", "description": "New id."},
                  "name": {"type": "string", "default": "Rex"},
                  "owner": owner,
                  "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}}}),
              responses=(ok(PET),))


def _form_body() -> Operation:
    return op("post", "/login", "login", summary="Log in",
              request_body=body({"type": "object", "required": ["username", "password"], "properties": {
                  "username": {"type": "string"},
                  "password": {"type": "string", "format": "password"},
                  "remember": {"type": "boolean", "default": False}}},
                  "application/x-www-form-urlencoded"),
              responses=(ok({"type": "object", "properties": {"token": {"type": "string"}}}),))


def _multipart() -> Operation:
    return op("post", "/pets/{petId}/photo", "uploadPhoto", summary="Upload a photo",
              params=(param("petId", "path", {"type": "integer"}),),
              request_body=body({"type": "object", "required": ["file"], "properties": {
                  "file": {"type": "string", "format": "binary", "description": "The image."},
                  "caption": {"type": "string", "maxLength": 200}}},
                  "multipart/form-data", encoding={"file": {"contentType": "image/png"}}),
              responses=(ok({}, "204", "application/json"),))


def _array_body() -> Operation:
    return op("post", "/pets/batch", "createPets", summary="Create pets",
              request_body=body({"type": "array", "items": PET, "minItems": 1, "maxItems": 100},
                                description="Pets to create."),
              responses=(ok({"type": "array", "items": PET}, "201"),))


def _recursive() -> Operation:
    return op("post", "/trees", "createTree", summary="Create a tree",
              request_body=body({"$ref": "#/$defs/Node"}), defs={"Node": NODE},
              responses=(ok({"$ref": "#/$defs/Node"}, "201"),))


def _enums() -> Operation:
    return op("get", "/reports", "listReports", summary="List reports",
              params=(param("level", "query", {"type": "integer", "enum": [1, 2, 3]}),
                      param("ratio", "query", {"type": "number", "enum": [0.5, 1.5]}),
                      param("sort", "query", {"type": "string", "enum": ["asc", "desc"], "default": "asc"}),
                      param("flag", "query", {"enum": [True, "auto", None]})),
              responses=(ok({"type": "array", "items": {"type": "object"}}),))


def _nullable() -> Operation:
    return op("patch", "/pets/{petId}/profile", "patchProfile", summary="Patch a profile",
              params=(param("petId", "path", {"type": "integer"}),),
              request_body=body({"type": "object", "properties": {
                  "nickname": {"type": ["string", "null"], "maxLength": 20},
                  "age": {"type": ["integer", "null"], "minimum": 0},
                  "color": {"enum": ["red", "blue", None]},
                  "birth": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}}}, required=False),
              responses=(ok({"type": "object", "properties": {"ok": {"type": "boolean"}}}),))


def _one_of_body() -> Operation:
    return op("post", "/payments", "createPayment", summary="Create a payment",
              request_body=body({"oneOf": [CARD, BANK], "discriminator": {"propertyName": "kind"}}),
              responses=(ok({"type": "object", "properties": {"id": {"type": "string"}}}, "201"),))


def _all_of_body() -> Operation:
    base = {"type": "object", "required": ["email"], "properties": {"email": {"type": "string", "format": "email"}}}
    extra = {"properties": {"name": {"type": "string"}, "vip": {"type": "boolean"}}, "required": ["name"]}
    return op("post", "/customers", "createCustomer", summary="Create a customer",
              request_body=body({"allOf": [base, extra]}),
              responses=(ok({"allOf": [base, extra]}, "201"),))


def _free_form() -> Operation:
    return op("post", "/metadata", "setMetadata", summary="Set metadata",
              request_body=body({"type": "object", "required": ["labels"], "properties": {
                  "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                  "extra": {"type": "object", "description": "Anything."}}}),
              responses=(ok({"type": "object", "additionalProperties": True}),))


def _long_id() -> Operation:
    long_id = "com.example.petstore.v2.administration.PetAdministrationService.ListAllArchivedPetsByOwner"
    return op("get", "/admin/archive/{ownerId}/pets", long_id,
              params=(param("ownerId", "path", {"type": "string"}),
                      param("page[size]", "query", {"type": "integer", "maximum": 100})))


def _deprecated() -> Operation:
    return op("get", "/v1/pets", "listPetsV1", summary="List pets", deprecated=True,
              description="Use listPets instead. " + "Lists every pet in the store. " * 60,
              params=(param("limit", "query", {"type": "integer", "format": "int32"}, deprecated=True,
                            description="Page size."),),
              responses=(ok({"type": "array", "items": PET}),))


CASES: dict[str, Operation] = {
    "no_params": _no_params(),
    "all_locations": _all_locations(),
    "json_body_clash": _json_body_clash(),
    "form_body": _form_body(),
    "multipart_binary": _multipart(),
    "array_body": _array_body(),
    "recursive": _recursive(),
    "enums": _enums(),
    "nullable": _nullable(),
    "one_of_body": _one_of_body(),
    "all_of_body": _all_of_body(),
    "free_form_map": _free_form(),
    "long_operation_id": _long_id(),
    "deprecated": _deprecated(),
}
