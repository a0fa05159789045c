"""The bundled example specs: valid OpenAPI, and they load into the operations the demo relies on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from toolsync.ir import ParamLocation, Spec
from toolsync.spec.loader import load_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"
NAMES = ("petstore.yaml", "bookstore.json", "weather.yaml")


def read(name: str) -> Any:
    text = (EXAMPLES / name).read_text()
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)


@pytest.fixture(scope="module")
def specs() -> dict[str, Spec]:
    return {name: load_spec(EXAMPLES / name) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_examples_are_valid_openapi(name: str) -> None:
    """Each example passes openapi-spec-validator for its declared version."""
    validate(read(name))


@pytest.mark.parametrize("name", NAMES)
def test_examples_load_cleanly(specs: dict[str, Spec], name: str) -> None:
    """Each example loads with no diagnostics, and every operation has an operationId and a server."""
    spec = specs[name]
    assert spec.diagnostics == ()
    assert all(op.operation_id and op.servers for op in spec.operations)
    assert spec.fingerprint


def test_petstore(specs: dict[str, Spec]) -> None:
    """OpenAPI 3.0: CRUD on pets, a nullable field, an enum, a readOnly id and a recursive Category."""
    spec = specs["petstore.yaml"]
    assert (spec.name, spec.openapi_version) == ("petstore", "3.0.3")
    assert [op.operation_id for op in spec.operations] == [
        "listPets", "createPet", "getPet", "updatePet", "deletePet", "listCategories"]
    listing = spec.operations[0]
    assert {p.location for p in listing.parameters} == {ParamLocation.QUERY, ParamLocation.HEADER}
    create = spec.operations[1]
    assert create.request_body is not None
    body = create.request_body.content[0].schema
    assert body["properties"]["tag"]["type"] == ["string", "null"]
    assert body["properties"]["status"]["enum"] == ["available", "pending", "sold"]
    assert body["properties"]["category"] == {"$ref": "#/$defs/Category"}
    assert create.defs["Category"]["properties"]["parent"] == {"$ref": "#/$defs/Category"}
    get = spec.operations[2]
    assert get.parameters[0].location == ParamLocation.PATH
    assert [s.url for s in get.servers] == ["http://127.0.0.1:8080/v1"]


def test_bookstore(specs: dict[str, Spec]) -> None:
    """Swagger 2.0: collectionFormat, a body parameter, a multipart file upload and apiKey security."""
    spec = specs["bookstore.json"]
    assert (spec.name, spec.openapi_version, len(spec.operations)) == ("bookstore", "2.0", 5)
    assert [s.url for s in spec.servers] == ["http://127.0.0.1:8081/api"]
    listing = spec.operation("GET /books")
    assert listing is not None and listing.security == ()
    assert [(p.name, p.style, p.explode) for p in listing.parameters] == [
        ("authors", "form", False), ("genre", "form", True), ("limit", "form", True)]
    upload = spec.operation("POST /books/{bookId}/cover")
    assert upload is not None and upload.request_body is not None
    assert upload.request_body.content[0].media_type == "multipart/form-data"
    assert upload.request_body.content[0].schema["properties"]["image"]["format"] == "binary"
    assert upload.security == ({"ApiKey": ()},)
    assert spec.security_schemes["ApiKey"].parameter_name == "X-API-Key"


def test_weather(specs: dict[str, Spec]) -> None:
    """OpenAPI 3.1: templated servers, type lists, bearer auth, a deepObject and a cookie parameter."""
    spec = specs["weather.yaml"]
    assert (spec.name, spec.openapi_version, len(spec.operations)) == ("weather", "3.1.0", 3)
    assert spec.servers[0].variables["port"].enum == ("8082", "8083")
    assert spec.security_schemes["bearerAuth"].scheme == "bearer"
    forecast = spec.operation("GET /forecast")
    assert forecast is not None
    assert (forecast.parameters[0].style, forecast.parameters[0].explode) == ("deepObject", True)
    success = forecast.success_response()
    assert success is not None
    item = success.content[0].schema["items"]
    assert item["properties"]["conditions"]["description"] == "Expected conditions at midday."
    current = spec.operation("GET /current/{city}")
    assert current is not None
    assert [p.location for p in current.parameters][-1] == ParamLocation.COOKIE
