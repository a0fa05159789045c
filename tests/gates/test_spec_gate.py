"""The spec gate: lenient and strict verdicts, hostile documents, and refs it must never follow."""

from __future__ import annotations

import errno
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from toolsync.errors import SpecValidationError
from toolsync.gates import check_spec, raise_for_spec
from toolsync.ir import Diagnostic, Severity
from toolsync.limits import Limits

from .specs import petstore_30, petstore_31, sloppy_30, swagger_20, with_change


def codes(found: list[Diagnostic], severity: Severity | None = None) -> set[str]:
    return {d.code for d in found if severity is None or d.severity is severity}


def errors(found: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in found if d.severity is Severity.ERROR]


@pytest.mark.parametrize("spec", [petstore_30(), petstore_31(), swagger_20()], ids=["3.0", "3.1", "2.0"])
@pytest.mark.parametrize("lenient", [True, False])
def test_clean_specs_pass_in_both_modes(spec: dict[str, Any], lenient: bool) -> None:
    """Valid 2.0, 3.0 and 3.1 specs produce no diagnostics at all."""
    assert check_spec(spec, source="clean.yaml", lenient=lenient) == []


def test_small_rule_breaks_are_warnings_when_lenient_and_errors_when_strict() -> None:
    """A missing response description, a default of the wrong type and a duplicate operationId: warn or fail."""
    lenient = check_spec(sloppy_30(), source="sloppy.yaml")
    assert lenient and not errors(lenient)
    assert any(d.code.startswith("spec.schema") and d.pointer == "/paths/~1pets/post/responses/201"
               for d in lenient)
    assert "spec.semantic.duplicate-operation-id" in codes(lenient)
    strict = check_spec(sloppy_30(), source="sloppy.yaml", lenient=False)
    assert [(d.code, d.pointer) for d in strict] == [(d.code, d.pointer) for d in lenient]
    assert all(d.severity is Severity.ERROR for d in strict)
    assert all(d.source == "sloppy.yaml" for d in strict)


UNUSABLE = [
    ("spec.paths.missing", {k: v for k, v in petstore_30().items() if k != "paths"}),
    ("spec.paths.type", with_change(petstore_30(), "/paths", ["/pets"])),
    ("spec.path-item.type", with_change(petstore_30(), "/paths/~1pets", "GET")),
    ("spec.operation.type", with_change(petstore_30(), "/paths/~1pets/get", ["listPets"])),
    ("spec.parameters.type", with_change(petstore_30(), "/paths/~1pets/get/parameters", {"limit": 1})),
    ("spec.parameter.type", with_change(petstore_30(), "/paths/~1pets/get/parameters/0", "limit")),
    ("spec.parameter.name", with_change(petstore_30(), "/paths/~1pets/get/parameters/0", {"in": "query"})),
    ("spec.parameter.in", with_change(petstore_30(), "/paths/~1pets/get/parameters/0", {"name": "limit"})),
    ("spec.parameter.in", with_change(petstore_30(), "/paths/~1pets/get/parameters/0/in", "body")),
    ("spec.parameter.in", with_change(swagger_20(), "/paths/~1files/post/parameters/0/in", "cookie")),
    ("spec.parameter.name", with_change(petstore_30(), "/components/parameters/PetId", {"in": "path"})),
    ("spec.request-body.type", with_change(petstore_30(), "/paths/~1pets/post/requestBody", "json")),
    ("spec.request-body.content", with_change(petstore_30(), "/paths/~1pets/post/requestBody", {"required": True})),
    ("spec.ref.unresolved", with_change(petstore_30(), "/paths/~1pets/get/parameters/0", {"$ref": "#/nope"})),
    ("spec.version", with_change(petstore_30(), "/openapi", "4.0.0")),
    ("spec.version", {k: v for k, v in petstore_30().items() if k != "openapi"}),
]


@pytest.mark.parametrize(("code", "spec"), UNUSABLE, ids=[f"{c}-{i}" for i, (c, _) in enumerate(UNUSABLE)])
@pytest.mark.parametrize("lenient", [True, False])
def test_unusable_specs_are_errors_in_both_modes(code: str, spec: dict[str, Any], lenient: bool) -> None:
    """What leaves no usable operation is an error even in lenient mode, with a message saying what to do."""
    found = check_spec(spec, source="broken.yaml", lenient=lenient)
    assert code in codes(found, Severity.ERROR)
    assert all(d.message and d.source == "broken.yaml" for d in found)


def test_the_validator_is_not_asked_twice_about_what_the_gate_explained() -> None:
    """A parameter without a name is one error, not also a validator warning or a validator crash."""
    spec = with_change(petstore_30(), "/paths/~1pets/get/parameters/0", {"in": "query", "schema": {}})
    found = check_spec(spec, source="x.yaml")
    assert [(d.code, d.pointer) for d in found] == [("spec.parameter.name", "/paths/~1pets/get/parameters/0")]


def test_a_validator_crash_in_one_path_item_leaves_the_others_checked() -> None:
    """The validator raises KeyError on a nameless path parameter; the next path item is still validated."""
    spec = with_change(petstore_30(), "/paths/~1pets~1{petId}/parameters/0", {"in": "path", "schema": {}})
    spec = with_change(spec, "/paths/~1owners~1{ownerId}", {"get": {"responses": {"200": {"description": "ok"}}}})
    found = check_spec(spec, source="x.yaml")
    assert "spec.parameter.name" in codes(found, Severity.ERROR)
    assert ("spec.semantic.unresolved-path-parameter", "/paths/~1owners~1{ownerId}") in \
        {(d.code, d.pointer) for d in found}


def test_non_documents_are_errors() -> None:
    """A list, a string or a mapping with no version are reported, never raised."""
    assert codes(check_spec([1, 2], source="x"), Severity.ERROR) == {"spec.not-an-object"}  # type: ignore[arg-type]
    assert codes(check_spec({"title": "notes"}, source="x"), Severity.ERROR) == {"spec.version"}
    assert codes(check_spec({"openapi": 3.1}, source="x"), Severity.ERROR) == {"spec.version"}


def test_unquoted_swagger_version_is_lenient() -> None:
    """``swagger: 2.0`` read as a number still selects the 2.0 rules; the validator's complaint is a warning."""
    found = check_spec(with_change(swagger_20(), "/swagger", 2.0), source="x")
    assert found and not errors(found)


def test_ref_loop_is_an_error_and_does_not_crash() -> None:
    """Schemas that only point at each other are a loop: an error where an operation uses them."""
    spec = petstore_30()
    spec["components"]["schemas"]["A"] = {"$ref": "#/components/schemas/B"}
    spec["components"]["schemas"]["B"] = {"$ref": "#/components/schemas/A"}
    spec["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = \
        {"$ref": "#/components/schemas/A"}
    found = check_spec(spec, source="loop.yaml")
    loop = [d for d in errors(found) if d.code == "spec.ref.loop"]
    assert [d.pointer for d in loop] == ["/paths/~1pets/get/responses/200/content/application~1json/schema"]
    assert "#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A" in loop[0].message
    assert {d.severity for d in found if d.pointer and d.pointer.startswith("/components/schemas/")} == \
        {Severity.WARNING}


def test_recursive_schemas_are_fine() -> None:
    """A schema that contains itself through a property is legal and checks clean."""
    spec = petstore_31()
    spec["components"]["schemas"]["Pet"]["properties"]["children"] = {
        "type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
    assert check_spec(spec, source="tree.yaml") == []


def _nested(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        node = {"type": "object", "properties": {"a": node}}
    return node


def test_ten_thousand_levels_deep_is_an_error_not_a_crash() -> None:
    """A document nested 10,000 levels deep is refused up front, whatever the Python recursion limit."""
    deep: dict[str, Any] = {}
    for _ in range(10_000):
        deep = {"a": deep}
    spec = with_change(petstore_30(), "/components/schemas/Deep", deep)
    for lenient in (True, False):
        found = check_spec(spec, source="deep.yaml", lenient=lenient)
        assert codes(found, Severity.ERROR) == {"spec.too-deep"}
        assert "nested 10,004 levels deep (limit 256)" in found[0].message


def test_validator_recursion_is_caught_when_the_depth_limit_is_raised() -> None:
    """With the depth limit lifted, the validator's RecursionError is a diagnostic, not an exception."""
    spec = with_change(petstore_30(), "/components/schemas/Deep", _nested(10_000))
    found = check_spec(spec, source="deep.yaml", limits=Limits(max_depth=100_000))
    incomplete = [d for d in found if d.code == "spec.validator.incomplete"]
    assert incomplete and "recursed too deep" in incomplete[0].message
    assert incomplete[0].severity is Severity.WARNING
    strict = check_spec(spec, source="deep.yaml", lenient=False, limits=Limits(max_depth=100_000))
    assert "spec.validator.incomplete" in codes(strict, Severity.ERROR)


def test_a_document_that_contains_itself_is_refused() -> None:
    """A recursive YAML alias (a dict nested in itself) is an error, not an endless walk."""
    spec = petstore_30()
    spec["components"]["schemas"]["Pet"]["properties"]["self"] = spec["components"]["schemas"]["Pet"]
    assert "spec.cyclic" in codes(check_spec(spec, source="alias.yaml"), Severity.ERROR)


def test_too_many_nodes_are_refused() -> None:
    """A document over the node limit is not handed to the validator."""
    found = check_spec(petstore_30(), source="x", limits=Limits(max_nodes=20))
    assert codes(found, Severity.ERROR) == {"spec.too-large"}


def test_reported_diagnostics_are_capped_with_a_count() -> None:
    """120 nameless parameters give the first 50 errors and one summary that counts the rest as errors."""
    params = [{"in": "query", "schema": {"type": "string"}} for _ in range(120)]
    spec = with_change(petstore_30(), "/paths/~1pets/get/parameters", params)
    found = check_spec(spec, source="x", max_errors=50)
    assert len(found) == 51
    assert [d.code for d in found[:50]] == ["spec.parameter.name"] * 50
    summary = found[-1]
    assert summary.code == "spec.truncated" and summary.severity is Severity.ERROR
    assert "(70 error(s))" in summary.message


# ------------------------------------------------------------------- refs outside the document


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A named pipe: opening it for reading blocks until a writer comes, so any read would be visible."""
    path = tmp_path / "models.yaml"
    os.mkfifo(path)
    yield path


def _assert_never_opened(path: Path) -> None:
    # Opening the write end without blocking fails with ENXIO exactly when nobody has the read end open.
    with pytest.raises(OSError) as caught:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert caught.value.errno == errno.ENXIO


def test_external_file_refs_are_never_opened(fifo: Path) -> None:
    """Relative, absolute and file:// refs to a file are reported as information and never opened."""
    spec = petstore_30()
    spec["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = \
        {"$ref": f"{fifo.name}#/Pets"}
    spec["paths"]["/pets"]["post"]["requestBody"]["content"]["application/json"]["schema"] = \
        {"$ref": f"file://{fifo}#/Pet"}
    spec["paths"]["/pets"]["get"]["parameters"].append({"$ref": f"{fifo}#/Limit"})
    spec["paths"]["/pets/{petId}"] = {"$ref": f"./{fifo.name}#/PetPath"}
    found = check_spec(spec, source=str(fifo.parent / "spec.yaml"), time_budget=10.0)
    _assert_never_opened(fifo)
    assert not errors(found)
    assert "spec.validator.timeout" not in codes(found)
    [note] = [d for d in found if d.code == "spec.ref.external"]
    assert note.severity is Severity.INFO and note.message.startswith("4 external $ref(s)")


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b'{"Pet": {"type": "object"}, "Limit": {"name": "limit", "in": "query", "schema": {}}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads the hits, not the log."""


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request path it receives."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _remote_spec(base: str) -> dict[str, Any]:
    spec = petstore_30()
    spec["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = \
        {"$ref": f"{base}/models.json#/Pet"}
    spec["paths"]["/pets"]["get"]["parameters"] = [{"$ref": f"{base}/params.json#/Limit"}]
    return spec


def test_remote_refs_are_never_fetched(recorder: tuple[str, list[str]]) -> None:
    """http refs reach no server: the recorder sees no request, in either mode."""
    base, hits = recorder
    for lenient in (True, False):
        found = check_spec(_remote_spec(base), source=f"{base}/spec.json", lenient=lenient)
        assert not errors(found)
        assert "spec.ref.external" in codes(found, Severity.INFO)
    assert hits == []


def test_the_recorder_would_see_a_naive_validator(recorder: tuple[str, list[str]]) -> None:
    """Control: openapi-spec-validator left to its defaults does fetch the same ref, so the test above can fail."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    base, hits = recorder
    spec = _remote_spec(base)
    del spec["paths"]["/pets"]["get"]["parameters"]
    list(OpenAPIV30SpecValidator(spec, base_uri=f"{base}/spec.json").iter_errors())
    assert hits == ["/models.json"]


# ----------------------------------------------------------------------------- time budget


class _Stall(dict[str, Any]):
    """A path item that makes the validator's worker thread wait until the test releases it."""

    def __init__(self, data: dict[str, Any], release: threading.Event) -> None:
        super().__init__(data)
        self.release = release

    def _wait(self) -> None:
        if threading.current_thread().name == "toolsync-spec-gate":
            self.release.wait(30)

    def __getitem__(self, key: str) -> Any:
        self._wait()
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._wait()
        return super().__contains__(key)

    def keys(self) -> Any:
        self._wait()
        return super().keys()

    def items(self) -> Any:
        self._wait()
        return super().items()


def test_time_budget_stops_waiting_for_the_validator() -> None:
    """When the budget runs out the gate returns what it has, with a warning that the check is incomplete."""
    release = threading.Event()
    spec = petstore_30()
    spec["paths"]["/pets"] = _Stall(spec["paths"]["/pets"], release)
    try:
        found = check_spec(spec, source="slow.yaml", time_budget=0.2)
    finally:
        release.set()
    [timeout] = [d for d in found if d.code == "spec.validator.timeout"]
    assert timeout.severity is Severity.WARNING and "0.2 s" in timeout.message
    assert not errors(found)


# ------------------------------------------------------------------------------ raise_for_spec


def test_raise_for_spec_lists_the_first_errors() -> None:
    """Errors become one SpecValidationError naming the first three and counting the rest."""
    params = [{"in": "query"} for _ in range(5)]
    found = check_spec(with_change(petstore_30(), "/paths/~1pets/get/parameters", params), source="api.yaml")
    with pytest.raises(SpecValidationError) as caught:
        raise_for_spec(found, "api.yaml")
    error = caught.value
    assert error.source == "api.yaml" and error.pointer == "/paths/~1pets/get/parameters/0"
    assert "5 error(s)" in error.message and "(and 2 more)" in error.message
    assert len(error.details["errors"]) == 5
    assert str(error).startswith("api.yaml at /paths/~1pets/get/parameters/0: the spec gate found")


def test_raise_for_spec_ignores_warnings() -> None:
    """A spec with only warnings passes."""
    raise_for_spec(check_spec(sloppy_30(), source="x"), "x")
