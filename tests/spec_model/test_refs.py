"""$ref resolution: pointers, chains, cycles, other files, siblings, limits and failure policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from toolsync.errors import LimitError, RefError
from toolsync.ir import Severity
from toolsync.limits import Limits

from .conftest import (
    FileLoader,
    body_schema,
    build,
    build_file,
    codes,
    ok,
    only,
    openapi,
    response_schema,
    write,
)


def with_schemas(schemas: dict[str, Any], body: dict[str, Any], *, version: str = "3.1.0",
                 response: dict[str, Any] | None = None) -> dict[str, Any]:
    """A one-operation spec whose request body (and optionally response) use ``schemas``."""
    op = {"requestBody": {"content": {"application/json": {"schema": body}}},
          "responses": ok(response)}
    return openapi({"/x": {"post": op}}, version=version, components={"schemas": schemas})


# -- local pointers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("a/b", "#/components/schemas/a~1b"),
        ("t~x", "#/components/schemas/t~0x"),
        ("~1", "#/components/schemas/~01"),
        ("with space", "#/components/schemas/with%20space"),
        ("percent%", "#/components/schemas/percent%25"),
        ("ünï", "#/components/schemas/%C3%BCn%C3%AF"),
        ("a/b", "#/components/schemas/a%7E1b"),
    ],
)
def test_json_pointer_escapes_are_decoded(name: str, ref: str) -> None:
    """~0, ~1 and percent-escapes in a ref's fragment find the right component."""
    spec = build(with_schemas({name: {"type": "integer"}}, {"$ref": ref}))
    assert body_schema(only(spec)) == {"type": "integer"}


def test_pointer_into_paths_and_array_items() -> None:
    """Pointers may reach into path items (with ~1) and into list items by index."""
    document = openapi({
        "/pets/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                               "schema": {"type": "string", "format": "uuid"}}],
                               "responses": ok()}},
        "/other/{id}": {"get": {"parameters": [{"$ref": "#/paths/~1pets~1{id}/get/parameters/0"}],
                                "responses": ok()}},
    })
    other = build(document).operation("GET /other/{id}")
    assert other is not None and other.parameters[0].schema == {"type": "string", "format": "uuid"}


def test_ref_to_ref_is_followed_to_the_end() -> None:
    """A ref whose target is itself a ref resolves through the whole chain."""
    schemas = {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/C"},
               "C": {"type": "string", "minLength": 2}}
    assert body_schema(only(build(with_schemas(schemas, {"$ref": "#/components/schemas/A"})))) == {
        "type": "string", "minLength": 2}


def test_refs_to_parameters_responses_bodies_and_headers() -> None:
    """Parameters, request bodies and responses may all be refs (and refs to refs)."""
    components = {
        "schemas": {"Id": {"type": "integer"}},
        "parameters": {"Id": {"name": "id", "in": "query", "schema": {"$ref": "#/components/schemas/Id"}},
                       "Alias": {"$ref": "#/components/parameters/Id"}},
        "requestBodies": {"B": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}},
        "responses": {"R": {"description": "shared", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Id"}}}}},
    }
    document = openapi({"/x": {"post": {
        "parameters": [{"$ref": "#/components/parameters/Alias"}],
        "requestBody": {"$ref": "#/components/requestBodies/B"},
        "responses": {"200": {"$ref": "#/components/responses/R", "description": "overridden"}},
    }}}, components=components)
    op = only(build(document))
    assert op.parameters[0].schema == {"type": "integer"}
    assert op.parameters[0].pointer == "#/components/parameters/Id"
    assert op.request_body is not None and op.request_body.required
    assert op.request_body.pointer == "#/components/requestBodies/B"
    assert op.responses[0].description == "overridden"
    assert response_schema(op) == {"type": "integer"}


# -- cycles ---------------------------------------------------------------------------------------


def test_self_recursive_schema_becomes_defs() -> None:
    """A schema that contains itself is inlined once at the top and referenced through $defs inside."""
    node = {"type": "object", "properties": {"name": {"type": "string"},
                                             "children": {"type": "array",
                                                          "items": {"$ref": "#/components/schemas/Node"}}}}
    op = only(build(with_schemas({"Node": node}, {"$ref": "#/components/schemas/Node"})))
    body = body_schema(op)
    assert body["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert set(op.defs) == {"Node"}
    assert op.defs["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}


def test_mutually_recursive_schemas_both_become_defs() -> None:
    """A → B → A: both lie on the cycle, so both are definitions referenced from each other."""
    schemas = {"A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
               "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}}}}
    op = only(build(with_schemas(schemas, {"type": "object", "properties": {
        "start": {"$ref": "#/components/schemas/A"}}})))
    assert body_schema(op)["properties"]["start"] == {"$ref": "#/$defs/A"}
    assert op.defs == {"A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
                       "B": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}}}


def test_cycle_membership_does_not_depend_on_operation_order() -> None:
    """Whichever operation is read first, each operation resolves to the same shapes and defs."""
    schemas = {"A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"},
                                                      "d": {"$ref": "#/components/schemas/D"}}},
               "B": {"type": "object", "properties": {"c": {"$ref": "#/components/schemas/C"}}},
               "C": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}}},
               "D": {"type": "object", "properties": {"c": {"$ref": "#/components/schemas/C"}}}}

    def op(name: str) -> dict[str, Any]:
        return {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{name}"}}}}, "responses": ok()}}

    forward = build(openapi({f"/{n}": op(n) for n in "ABCD"}, components={"schemas": schemas}))
    backward = build(openapi({f"/{n}": op(n) for n in "DCBA"}, components={"schemas": schemas}))
    for key in ("POST /A", "POST /B", "POST /C", "POST /D"):
        assert forward.operation(key) == backward.operation(key)
    d = forward.operation("POST /D")
    assert d is not None and set(d.defs) == {"A", "B", "C", "D"}


def test_ref_loop_without_content_is_an_error() -> None:
    """A → B → A with nothing but refs cannot mean anything: RefError naming the ref."""
    schemas = {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}
    with pytest.raises(RefError, match="circular"):
        build(with_schemas(schemas, {"$ref": "#/components/schemas/A"}))
    with pytest.raises(RefError, match="circular"):
        build(with_schemas({"S": {"$ref": "#/components/schemas/S"}}, {"$ref": "#/components/schemas/S"}))


def test_parameter_ref_loop_is_an_error() -> None:
    """Non-schema refs that loop (parameter A → B → A) raise RefError instead of recursing."""
    document = openapi({"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/A"}],
                                       "responses": ok()}}},
                       components={"parameters": {"A": {"$ref": "#/components/parameters/B"},
                                                  "B": {"$ref": "#/components/parameters/A"}}})
    with pytest.raises(RefError, match="circular"):
        build(document)


def test_def_names_are_sanitized_and_unique() -> None:
    """Names come from the ref's last segment, cleaned to [A-Za-z0-9_.-]; clashes get a suffix."""
    schemas = {"my schema!": {"type": "object", "properties": {"x": {"$ref": "#/components/schemas/my%20schema!"},
                                                               "y": {"$ref": "#/components/schemas/my_schema"}}},
               "my_schema": {"type": "object", "properties": {"z": {"$ref": "#/components/schemas/my_schema"}}}}
    op = only(build(with_schemas(schemas, {"$ref": "#/components/schemas/my%20schema!"})))
    assert set(op.defs) == {"my_schema", "my_schema_2"}
    assert all(set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
               for name in op.defs)


# -- siblings -------------------------------------------------------------------------------------


def test_openapi_31_merges_ref_siblings_over_the_target() -> None:
    """In 3.1, keywords next to $ref apply on top of the target (and may hold subschemas)."""
    schemas = {"Name": {"type": "string", "description": "generic", "maxLength": 10}}
    body = {"type": "object", "properties": {"n": {"$ref": "#/components/schemas/Name", "description": "specific",
                                                   "maxLength": 5, "not": {"$ref": "#/components/schemas/Name"}}}}
    prop = body_schema(only(build(with_schemas(schemas, body))))["properties"]["n"]
    assert prop == {"type": "string", "description": "specific", "maxLength": 5,
                    "not": {"type": "string", "description": "generic", "maxLength": 10}}


def test_openapi_30_ignores_ref_siblings_except_description() -> None:
    """In 3.0, siblings of $ref are ignored, except description which is kept."""
    schemas = {"Name": {"type": "string", "maxLength": 10}}
    body = {"type": "object", "properties": {"n": {"$ref": "#/components/schemas/Name", "description": "specific",
                                                   "maxLength": 5}}}
    prop = body_schema(only(build(with_schemas(schemas, body, version="3.0.3"))))["properties"]["n"]
    assert prop == {"type": "string", "maxLength": 10, "description": "specific"}


# -- sharing and limits ---------------------------------------------------------------------------


def test_shared_schemas_are_resolved_once_and_shared() -> None:
    """Two operations using one component get the very same resolved dict object."""
    pet = {"type": "object", "properties": {"owner": {"$ref": "#/components/schemas/Owner"}}}
    document = openapi(
        {"/a": {"get": {"responses": ok({"$ref": "#/components/schemas/Pet"})}},
         "/b": {"get": {"responses": ok({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}})}}},
        components={"schemas": {"Pet": pet, "Owner": {"type": "object", "properties": {"n": {"type": "string"}}}}})
    a, b = build(document).operations
    assert response_schema(a) is response_schema(b)["items"]


def fan_out(levels: int) -> dict[str, Any]:
    schemas = {f"L{i}": {"type": "object", "properties": {
        "a": {"$ref": f"#/components/schemas/L{i + 1}"}, "b": {"$ref": f"#/components/schemas/L{i + 1}"}}}
        for i in range(levels)}
    schemas[f"L{levels}"] = {"type": "string"}
    return with_schemas(schemas, {"$ref": "#/components/schemas/L0"})


def test_ref_fan_out_bomb_is_refused_fast() -> None:
    """A few KB of refs that would expand to 2**40 nodes raise LimitError without expanding anything."""
    document = fan_out(40)
    with pytest.raises(LimitError, match="max_expanded_nodes") as caught:
        build(document)
    assert caught.value.pointer == "#/paths/~1x/post/requestBody/content/application~1json/schema"
    assert "#/components/schemas/L" in caught.value.message


def test_oversized_operations_are_skipped_under_skip(skip: dict[str, Any]) -> None:
    """With SKIP, an operation over the expansion limit is left out with a warning; the others load."""
    document = fan_out(30)
    document["paths"]["/small"] = {"get": {"responses": ok({"type": "string"})}}
    spec = build(document, **skip)
    assert [op.key for op in spec.operations] == ["GET /small"]
    assert codes(spec) == ["expansion-limit"]


def test_fan_out_within_the_limit_is_fine_and_shared() -> None:
    """A modest fan-out builds, and the repeated subtrees are one shared object."""
    op = only(build(fan_out(6)))
    body = body_schema(op)
    assert body["properties"]["a"] is body["properties"]["b"]
    with pytest.raises(LimitError):
        build(fan_out(6), limits=Limits(max_expanded_nodes=200))


def test_deep_ref_chains_are_bounded() -> None:
    """Thousands of nested refs raise LimitError, never RecursionError."""
    depth = 3000
    schemas = {f"S{i}": {"type": "object", "properties": {"n": {"$ref": f"#/components/schemas/S{i + 1}"}}}
               for i in range(depth)}
    schemas[f"S{depth}"] = {"type": "string"}
    with pytest.raises(LimitError):
        build(with_schemas(schemas, {"$ref": "#/components/schemas/S0"}))


def test_deeply_nested_inline_schema_is_a_limit_error() -> None:
    """A schema nested far beyond the interpreter's recursion limit fails cleanly with LimitError."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(5000):
        schema = {"type": "array", "items": schema}
    with pytest.raises(LimitError, match="nests too deeply"):
        build(with_schemas({}, schema))


# -- readOnly / writeOnly -------------------------------------------------------------------------


def test_read_only_dropped_from_input_and_write_only_from_output() -> None:
    """Requests lose readOnly properties (and their required entries); responses lose writeOnly ones."""
    user = {"type": "object", "required": ["id", "password", "name"], "properties": {
        "id": {"type": "integer", "readOnly": True},
        "password": {"type": "string", "writeOnly": True},
        "name": {"type": "string"},
        "created": {"$ref": "#/components/schemas/Stamp"}}}
    schemas = {"User": user, "Stamp": {"type": "string", "format": "date-time", "readOnly": True}}
    op = only(build(with_schemas(schemas, {"$ref": "#/components/schemas/User"},
                                 response={"$ref": "#/components/schemas/User"})))
    body = body_schema(op)
    assert set(body["properties"]) == {"password", "name"}
    assert body["required"] == ["password", "name"]
    out = response_schema(op)
    assert set(out["properties"]) == {"id", "name", "created"}
    assert out["required"] == ["id", "name"]


def test_read_only_in_parameters_is_dropped() -> None:
    """A deepObject parameter's readOnly properties are dropped like a body's."""
    document = openapi({"/x": {"get": {"parameters": [{"name": "f", "in": "query", "style": "deepObject",
                                                       "schema": {"type": "object", "properties": {
                                                           "a": {"type": "string"},
                                                           "b": {"type": "string", "readOnly": True}}}}],
                                       "responses": ok()}}})
    assert set(only(build(document)).parameters[0].schema["properties"]) == {"a"}


# -- failures and policies ------------------------------------------------------------------------


def test_missing_target_fails_with_its_pointer() -> None:
    """Under FAIL, an unresolvable ref raises RefError naming the ref and the missing part."""
    document = with_schemas({"A": {"type": "object", "properties": {"x": {"$ref": "#/components/schemas/Nope"}}}},
                            {"$ref": "#/components/schemas/A"})
    with pytest.raises(RefError) as caught:
        build(document)
    assert "#/components/schemas/Nope" in caught.value.message
    assert "'Nope'" in caught.value.message
    assert caught.value.pointer == "#/components/schemas/A"


def test_missing_target_skips_only_that_operation_under_skip(skip: dict[str, Any]) -> None:
    """Under SKIP, the operation needing the ref is left out with a warning; the others stay."""
    document = openapi({
        "/bad": {"get": {"responses": ok({"$ref": "#/components/schemas/Nope"})},
                 "put": {"responses": ok({"$ref": "#/components/schemas/Fine"})}},
        "/good": {"get": {"responses": ok({"$ref": "#/components/schemas/Fine"})}},
    }, components={"schemas": {"Fine": {"type": "string"}}})
    spec = build(document, **skip)
    assert [op.key for op in spec.operations] == ["PUT /bad", "GET /good"]
    [warning] = spec.diagnostics
    assert (warning.code, warning.severity) == ("ref-unresolved", Severity.WARNING)
    assert "GET /bad" in warning.message and "#/components/schemas/Nope" in warning.message


def test_failed_operation_does_not_poison_shared_schemas(skip: dict[str, Any]) -> None:
    """After an operation fails halfway through a cycle, later operations still resolve that cycle."""
    schemas = {"A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
               "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"},
                                                      "bad": {"$ref": "#/components/schemas/Bad"}}},
               "Bad": {"type": "object", "properties": {"x": {"$ref": "#/components/schemas/Missing"}}}}
    document = openapi({"/first": {"get": {"responses": ok({"$ref": "#/components/schemas/A"})}},
                        "/second": {"get": {"responses": ok({"$ref": "#/components/schemas/A"})}}},
                       components={"schemas": schemas})
    spec = build(document, **skip)
    assert spec.operations == ()
    assert codes(spec) == ["ref-unresolved", "ref-unresolved"]
    schemas["Bad"] = {"type": "string"}
    assert len(build(document).operations) == 2


def test_plain_name_fragments_are_refused() -> None:
    """Anchor-style fragments (#Pet) are not JSON pointers and are refused with a clear message."""
    with pytest.raises(RefError, match="plain-name fragment"):
        build(with_schemas({}, {"$ref": "#Pet"}))


def test_external_refs_need_a_loader() -> None:
    """A spec given as data (no loader) may only use local refs."""
    with pytest.raises(RefError, match="only local refs"):
        build(with_schemas({}, {"$ref": "other.yaml#/Pet"}), base_uri="file:///tmp/spec.yaml")


# -- other files ----------------------------------------------------------------------------------


def test_relative_file_refs_resolve_against_their_own_file(tmp_path: Path) -> None:
    """Nested refs in another file are joined to that file's URI, and every file read is recorded."""
    write(tmp_path / "schemas" / "pet.yaml", {
        "Pet": {"type": "object", "properties": {"id": {"$ref": "common.yaml#/Id"},
                                                 "owner": {"$ref": "../people/owner.yaml#/Owner"},
                                                 "kind": {"$ref": "#/Kind"}}},
        "Kind": {"type": "string", "enum": ["cat", "dog"]}})
    write(tmp_path / "schemas" / "common.yaml", {"Id": {"type": "integer", "format": "int64"}})
    write(tmp_path / "people" / "owner.yaml", {"Owner": {"type": "object", "properties": {
        "pets": {"type": "array", "items": {"$ref": "../schemas/pet.yaml#/Pet"}}}}})
    spec_path = write(tmp_path / "spec.yaml", openapi({"/pets": {"get": {"responses": ok(
        {"$ref": "schemas/pet.yaml#/Pet"})}}}))
    spec = build_file(spec_path)
    out = response_schema(only(spec))
    assert out["properties"]["id"] == {"type": "integer", "format": "int64"}
    assert out["properties"]["kind"] == {"type": "string", "enum": ["cat", "dog"]}
    assert out["properties"]["owner"] == {"$ref": "#/$defs/Owner-Output"}
    assert set(only(spec).defs) == {"Owner-Output", "Pet-Output"}
    assert sorted(spec.referenced_files) == sorted(
        str((tmp_path / p).resolve()) for p in ("schemas/pet.yaml", "schemas/common.yaml", "people/owner.yaml"))


def test_each_file_is_loaded_once(tmp_path: Path) -> None:
    """Many refs into one file ask the loader for it only once."""
    write(tmp_path / "common.yaml", {"A": {"type": "string"}, "B": {"type": "integer"}})
    spec_path = write(tmp_path / "spec.yaml", openapi({
        "/a": {"get": {"responses": ok({"$ref": "common.yaml#/A"})}},
        "/b": {"get": {"responses": ok({"$ref": "./common.yaml#/B"})}},
        "/c": {"get": {"responses": ok({"$ref": "common.yaml#/A"})}}}))
    loader = FileLoader(tmp_path)
    build_file(spec_path, ref_loader=loader)
    assert len(loader.calls) == 1


def test_whole_file_refs_and_path_item_refs(tmp_path: Path) -> None:
    """A ref to a whole file (no fragment) and a path item kept in its own file both resolve."""
    write(tmp_path / "paths" / "pets.yaml", {
        "get": {"operationId": "listPets", "parameters": [{"$ref": "../params.yaml#/limit"}],
                "responses": ok({"$ref": "../pet.yaml"})}})
    write(tmp_path / "params.yaml", {"limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}})
    write(tmp_path / "pet.yaml", {"type": "object", "properties": {"name": {"type": "string"}}})
    spec = build_file(write(tmp_path / "spec.yaml", openapi({"/pets": {"$ref": "paths/pets.yaml"}})))
    op = only(spec)
    assert (op.key, op.operation_id, op.pointer) == ("GET /pets", "listPets", "#/paths/~1pets/get")
    assert op.parameters[0].name == "limit"
    assert response_schema(op) == {"type": "object", "properties": {"name": {"type": "string"}}}


def test_refused_file_fails_or_skips(tmp_path: Path, skip: dict[str, Any]) -> None:
    """A ref the loader refuses (outside the folder, missing file) fails the spec or skips the operation."""
    (tmp_path / "inner").mkdir()
    write(tmp_path / "outside.yaml", {"X": {"type": "string"}})
    document = openapi({"/a": {"get": {"responses": ok({"$ref": "../outside.yaml#/X"})}},
                        "/b": {"get": {"responses": ok({"$ref": "missing.yaml#/X"})}},
                        "/c": {"get": {"responses": ok({"type": "string"})}}})
    spec_path = write(tmp_path / "inner" / "spec.yaml", document)
    with pytest.raises(RefError, match="outside"):
        build_file(spec_path)
    spec = build_file(spec_path, **skip)
    assert [op.key for op in spec.operations] == ["GET /c"]
    assert codes(spec) == ["ref-unresolved", "ref-unresolved"]


def test_too_many_files_is_a_limit_error(tmp_path: Path) -> None:
    """More referenced files than Limits.max_ref_files raises LimitError."""
    paths = {}
    for i in range(4):
        write(tmp_path / f"s{i}.yaml", {"S": {"type": "string"}})
        paths[f"/p{i}"] = {"get": {"responses": ok({"$ref": f"s{i}.yaml#/S"})}}
    spec_path = write(tmp_path / "spec.yaml", openapi(paths))
    assert len(build_file(spec_path).referenced_files) == 4
    with pytest.raises(LimitError, match="max_ref_files"):
        build_file(spec_path, limits=Limits(max_ref_files=3))


def test_swagger_fragment_files_are_lifted_in_place(tmp_path: Path) -> None:
    """Swagger 2.0 refs into other files: definitions, parameters (even body ones) and responses."""
    write(tmp_path / "defs.yaml", {
        "definitions": {"Pet": {"type": "object", "properties": {
            "tag": {"type": "string", "x-nullable": True},
            "friend": {"$ref": "#/definitions/Pet"}}}},
        "parameters": {"Limit": {"name": "limit", "in": "query", "type": "array", "items": {"type": "integer"},
                                 "collectionFormat": "pipes"},
                       "Body": {"name": "pet", "in": "body", "required": True,
                                "schema": {"$ref": "#/definitions/Pet"}}},
        "responses": {"Pets": {"description": "pets", "schema": {"$ref": "#/definitions/Pet"}}}})
    document = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "produces": ["application/json"],
                "paths": {"/pets": {
                    "get": {"parameters": [{"$ref": "defs.yaml#/parameters/Limit"}],
                            "responses": {"200": {"$ref": "defs.yaml#/responses/Pets"}}},
                    "post": {"parameters": [{"$ref": "defs.yaml#/parameters/Body"}],
                             "responses": {"200": {"description": "ok"}}}}}}
    get, post = build_file(write(tmp_path / "spec.yaml", document)).operations
    assert (get.parameters[0].style, get.parameters[0].explode) == ("pipeDelimited", False)
    assert get.parameters[0].schema == {"type": "array", "items": {"type": "integer"}}
    out = response_schema(get)
    assert out["properties"]["tag"] == {"type": ["string", "null"]}
    assert out["properties"]["friend"] == {"$ref": "#/$defs/Pet-Output"}
    assert post.request_body is not None and post.request_body.required
    assert body_schema(post)["properties"]["friend"] == {"$ref": "#/$defs/Pet"}


def test_other_files_can_point_back_into_a_swagger_root(tmp_path: Path) -> None:
    """A fragment file's ref to ``spec.yaml#/definitions/X`` finds X where the lifted root keeps it."""
    write(tmp_path / "pet.yaml", {"Pet": {"type": "object", "properties": {
        "owner": {"$ref": "spec.yaml#/definitions/Owner"}}}})
    document = {"swagger": "2.0", "info": {"title": "t", "version": "1"},
                "paths": {"/p": {"get": {"responses": {"200": {"description": "ok",
                                                               "schema": {"$ref": "pet.yaml#/Pet"}}}}}},
                "definitions": {"Owner": {"type": "object", "properties": {"n": {"type": "string"}}}}}
    spec = build_file(write(tmp_path / "spec.yaml", document))
    assert response_schema(only(spec))["properties"]["owner"] == {"type": "object", "properties": {
        "n": {"type": "string"}}}
    assert spec.referenced_files == (str((tmp_path / "pet.yaml").resolve()),)


def test_openapi_30_fragment_files_get_their_schemas_lifted(tmp_path: Path) -> None:
    """Schemas in other files of a 3.0 spec are lifted too (nullable, exclusive bounds, $ref siblings)."""
    write(tmp_path / "s.yaml", {"N": {"type": "integer", "nullable": True, "minimum": 0,
                                      "exclusiveMinimum": True}})
    spec = build_file(write(tmp_path / "spec.yaml", openapi(
        {"/p": {"get": {"responses": ok({"$ref": "s.yaml#/N"})}}}, version="3.0.3")))
    assert response_schema(only(spec)) == {"type": ["integer", "null"], "exclusiveMinimum": 0}
