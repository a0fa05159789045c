"""Version detection: what is accepted, and what each refusal says."""

from __future__ import annotations

from typing import Any

import pytest

from toolsync.errors import UnsupportedSpecError
from toolsync.spec.build import build_spec
from toolsync.spec.normalize import V2, V30, V31, detect_version

from .conftest import build, openapi


@pytest.mark.parametrize(
    ("document", "declared", "family"),
    [
        ({"swagger": "2.0"}, "2.0", V2),
        ({"openapi": "3.0.0"}, "3.0.0", V30),
        ({"openapi": "3.0.3"}, "3.0.3", V30),
        ({"openapi": "3.0"}, "3.0", V30),
        ({"openapi": 3.0}, "3.0", V30),
        ({"openapi": "3.1.0"}, "3.1.0", V31),
        ({"openapi": "3.1"}, "3.1", V31),
        ({"openapi": 3.1}, "3.1", V31),
        ({"openapi": "3.1.1"}, "3.1.1", V31),
    ],
)
def test_detects_supported_versions(document: dict[str, Any], declared: str, family: str) -> None:
    """Swagger 2.0 and OpenAPI 3.0/3.1 are recognised, including versions written as numbers."""
    assert detect_version(document, source="x") == (declared, family)


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        ({"swaggerVersion": "1.2", "apis": []}, "Swagger 1.2"),
        ({"asyncapi": "2.6.0", "channels": {}}, "AsyncAPI"),
        ({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}, "JSON Schema"),
        ({"info": {"_postman_id": "1", "name": "x"}, "item": []}, "Postman"),
        ({"info": {"schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}}, "Postman"),
        ([1, 2, 3], "a list"),
        ("just text", "single str"),
        (42, "single int"),
        (None, "empty"),
        ({}, "empty"),
        ({"openapi": "4.0.0"}, "OpenAPI 4.0.0 is not supported"),
        ({"openapi": "2.0"}, "OpenAPI 2.0 is not supported"),
        ({"openapi": "three"}, "not a version number"),
        ({"swagger": "1.2"}, "Swagger 1.2 is not supported"),
        ({"info": {"title": "x"}, "paths": {}}, "no openapi/swagger key"),
    ],
)
def test_refuses_what_it_cannot_read_and_says_what_it_is(document: Any, needle: str) -> None:
    """Anything else raises UnsupportedSpecError naming what the document is."""
    with pytest.raises(UnsupportedSpecError) as caught:
        build_spec(document, source="upload.yaml")
    assert needle in str(caught.value)
    assert caught.value.source == "upload.yaml"


def test_declared_version_is_kept_on_the_spec() -> None:
    """Spec.openapi_version is the version as written; a Swagger 2.0 document is lifted to 3.1."""
    spec = build(openapi({}, version="3.0.2"))
    assert spec.openapi_version == "3.0.2"
    assert spec.document["openapi"] == "3.0.2"  # OpenAPI 3 documents are kept as written
    swagger = build({"swagger": "2.0", "info": {"title": "T", "version": "1"}, "paths": {}})
    assert (swagger.openapi_version, swagger.document["openapi"]) == ("2.0", "3.1.0")
