"""What makes a spec unusable for toolsync, checked by hand: these stay errors in lenient mode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import orjson

from .._json import is_mapping
from ..ir import HTTP_METHODS, Diagnostic, Severity
from ..spec.parse import refs_in_json
from ._document import declared_version, iter_refs, pointer_of, resolve_pointer
from ._schema import child_pointer

__all__ = ["RefFollower", "local_refs_resolve", "ref_errors", "structural_errors"]

_LOCATIONS: Final = {
    "2.0": ("path", "query", "header", "formData", "body"),
    "3.0": ("path", "query", "header", "cookie"),
    "3.1": ("path", "query", "header", "cookie"),
}
# A chain of refs longer than this is treated as a loop; real specs use one or two hops.
MAX_REF_HOPS: Final = 64


def _follow(document: Any, node: Any) -> tuple[Any | None, list[str], str | None]:
    """(target, refs followed, problem) for a chain of local refs; problem is "unresolved" or "loop"."""
    seen: list[str] = []
    while is_mapping(node) and isinstance(ref := node.get("$ref"), str):
        if not ref.startswith("#"):
            return None, seen, None  # external: never read by the spec gate
        if ref in seen or len(seen) >= MAX_REF_HOPS:
            return None, [*seen, ref], "loop"
        seen.append(ref)
        found, node = resolve_pointer(document, ref)
        if not found:
            return None, seen, "unresolved"
    return node, seen, None


class RefFollower:
    """
    Local ``$ref`` chains of one document, each followed once (a spec repeats the same few refs).

    Called with a node: (target, refs followed, problem), as :func:`_follow` answers. One run of the
    spec gate passes the same follower to each of its checks.
    """

    __slots__ = ("document", "known")

    def __init__(self, document: Any) -> None:
        self.document = document
        self.known: dict[str, tuple[Any | None, list[str], str | None]] = {}

    def __call__(self, node: Any) -> tuple[Any | None, list[str], str | None]:
        ref = node.get("$ref") if type(node) is dict or is_mapping(node) else None
        if not isinstance(ref, str):
            return node, [], None
        hit = self.known.get(ref)
        if hit is None:
            hit = self.known[ref] = _follow(self.document, {"$ref": ref})
        return hit


def local_refs_resolve(document: Any, follow: RefFollower | None = None,
                       refs: frozenset[str] | None = None) -> bool:
    """
    True when every local ``$ref`` string anywhere in the document reaches an object: then
    :func:`ref_errors` has nothing to report. False also when this quick check cannot tell.

    It serializes the document once and reads the refs out of the JSON text, instead of walking the
    document in Python (a large spec has millions of nodes and only a few thousand distinct refs).
    A document that contains itself or nests too deeply fails to serialize and answers False.
    ``refs``, the document's ``$ref`` strings when the caller already knows them all, spares the
    serializing.
    """
    if refs is None:
        try:
            blob = orjson.dumps(document)
        except (TypeError, orjson.JSONEncodeError):
            try:  # keys that are not strings (YAML allows them) need the slower option
                blob = orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS)
            except (TypeError, orjson.JSONEncodeError):
                return False
        refs = refs_in_json(blob)
        if refs is None:
            return False  # an escape in a ref: leave it to the walk that sees the decoded string
    follow = follow if follow is not None else RefFollower(document)
    return all(follow({"$ref": ref})[2] is None for ref in refs if ref.startswith("#"))


def ref_errors(document: Mapping[str, Any], source: str, follow: RefFollower | None = None) -> list[Diagnostic]:
    """Local refs that point at nothing or only at other refs in a loop.

    Errors under ``paths`` (an operation needs them); warnings elsewhere (only a problem once used).
    """
    found: list[Diagnostic] = []
    follow = follow if follow is not None else RefFollower(document)
    for path, ref in iter_refs(document):
        if not ref.startswith("#"):
            continue
        _, chain, problem = follow({"$ref": ref})
        if problem is None:
            continue
        severity = Severity.ERROR if path[:1] == ("paths",) else Severity.WARNING
        if problem == "loop":
            message = f"$ref chain {' -> '.join(chain)} never reaches an object; break the loop"
            found.append(Diagnostic("spec.ref.loop", message, severity, pointer_of(path), source))
        else:
            message = f"$ref {chain[-1]!r} points at nothing in this document"
            found.append(Diagnostic("spec.ref.unresolved", message, severity, pointer_of(path), source))
    return found


class _Structure:
    def __init__(self, document: Mapping[str, Any], version: str, source: str, follow: RefFollower) -> None:
        self.document = document
        self.version = version
        self.source = source
        self.found: list[Diagnostic] = []
        self.follow = follow

    def error(self, code: str, pointer: str, message: str) -> None:
        self.found.append(Diagnostic(code, message, Severity.ERROR, pointer or None, self.source))

    def resolve(self, node: Any) -> Any | None:
        """Follow local ``$ref`` chains; None when one is external, broken or loops (reported elsewhere)."""
        return self.follow(node)[0]

    def run(self) -> None:
        paths = self.document.get("paths")
        if paths is None:
            self.error("spec.paths.missing", "/paths", "the spec has no paths object, so it has no operations "
                       "to turn into tools (webhooks are not turned into tools)")
            return
        if not is_mapping(paths):
            self.error("spec.paths.type", "/paths", f"paths must be an object mapping '/path' to path items, not "
                       f"{type(paths).__name__}")
            return
        for path, item in paths.items():
            if not str(path).startswith("x-"):
                self.path_item(child_pointer("/paths", str(path)), item)

    def path_item(self, pointer: str, item: Any) -> None:
        item = self.resolve(item)
        if item is None:
            return
        if not is_mapping(item):
            self.error("spec.path-item.type", pointer, f"a path item must be an object, not {type(item).__name__}")
            return
        if "parameters" in item:
            self.parameters(child_pointer(pointer, "parameters"), item["parameters"])
        for method in HTTP_METHODS:
            if method in item:
                self.operation(child_pointer(pointer, method), item[method])

    def operation(self, pointer: str, operation: Any) -> None:
        if not is_mapping(operation):
            self.error("spec.operation.type", pointer, f"an operation must be an object, not "
                       f"{type(operation).__name__}")
            return
        if "parameters" in operation:
            self.parameters(child_pointer(pointer, "parameters"), operation["parameters"])
        if self.version != "2.0" and "requestBody" in operation:
            self.request_body(child_pointer(pointer, "requestBody"), operation["requestBody"])

    def parameters(self, pointer: str, parameters: Any) -> None:
        if not isinstance(parameters, list):
            self.error("spec.parameters.type", pointer, f"parameters must be a list, not "
                       f"{type(parameters).__name__}")
            return
        for index, parameter in enumerate(parameters):
            self.parameter(child_pointer(pointer, index), parameter)

    def parameter(self, pointer: str, parameter: Any) -> None:
        parameter = self.resolve(parameter)
        if parameter is None:
            return
        if not is_mapping(parameter):
            self.error("spec.parameter.type", pointer, f"a parameter must be an object, not "
                       f"{type(parameter).__name__}")
            return
        name = parameter.get("name")
        if not isinstance(name, str) or not name:
            self.error("spec.parameter.name", pointer, "the parameter has no name; add \"name\"")
        location = parameter.get("in")
        allowed = _LOCATIONS[self.version]
        if location is None:
            self.error("spec.parameter.in", pointer, f"parameter {name!r} does not say where it goes; add "
                       f"\"in\" (one of {', '.join(allowed)})")
        elif location not in allowed:
            self.error("spec.parameter.in", pointer, f"parameter {name!r} has unknown location in: "
                       f"{location!r} (OpenAPI {self.version} allows {', '.join(allowed)})")

    def request_body(self, pointer: str, body: Any) -> None:
        body = self.resolve(body)
        if body is None:
            return
        if not is_mapping(body):
            self.error("spec.request-body.type", pointer, f"requestBody must be an object, not "
                       f"{type(body).__name__}")
        elif not is_mapping(body.get("content")):
            self.error("spec.request-body.content", pointer, "requestBody needs a content object mapping media "
                       "types to schemas")


def structural_errors(document: Any, source: str, follow: RefFollower | None = None
                      ) -> tuple[str | None, list[Diagnostic]]:
    """(declared version, errors) for the defects that leave no usable operations behind."""
    if not is_mapping(document):
        message = f"a spec must be a JSON/YAML object at the top level, not {type(document).__name__}"
        return None, [Diagnostic("spec.not-an-object", message, Severity.ERROR, None, source)]
    version = declared_version(document)
    if version is None:
        declared = document.get("openapi", document.get("swagger"))
        message = ("the document declares neither 'openapi' nor 'swagger'; is it an OpenAPI spec?"
                   if declared is None else
                   f"version {declared!r} is not supported; toolsync reads Swagger 2.0 and OpenAPI 3.0/3.1")
        pointer = "/openapi" if "openapi" in document else "/swagger" if "swagger" in document else None
        return None, [Diagnostic("spec.version", message, Severity.ERROR, pointer, source)]
    check = _Structure(document, version, source, follow if follow is not None else RefFollower(document))
    check.run()
    return version, check.found
