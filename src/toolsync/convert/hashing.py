"""Canonical JSON and the content hash of a tool."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import orjson

from ..errors import ConversionError
from ..ir import Server
from ..tool import ArgumentBinding
from .walk import SCHEMA_MAP, SUBSCHEMA_KEYWORDS

__all__ = ["SchemaDigests", "canonical_json", "content_hash", "digest"]

_SORTED: Final = orjson.OPT_SORT_KEYS


def canonical_json(value: Any, *, source: str | None = None) -> bytes:
    """
    ``value`` as JSON with sorted keys (keys that are not strings, as YAML allows, written as text).

    Raises:
        ConversionError: a value JSON cannot hold (an integer beyond 64 bits, a set…).
    """
    try:
        return orjson.dumps(value, option=_SORTED)
    except (TypeError, orjson.JSONEncodeError):
        pass  # the slower option is only needed for non-string keys
    try:
        return orjson.dumps(value, option=_SORTED | orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise ConversionError(f"the schema holds a value that cannot be written as JSON ({exc})",
                              source=source) from exc


def digest(value: Any, *, source: str | None = None) -> str:
    """SHA-256 hex of ``value``'s canonical JSON."""
    return hashlib.sha256(canonical_json(value, source=source)).hexdigest()


class SchemaDigests:
    """
    Digests of schema trees that serialize each shared object schema once.

    A subschema below the root that describes an object (it has ``properties``) is written as ``#``
    and its own digest instead of in full. The large response schemas of a spec embed the same objects
    again and again (a repository, its owner, …): each is serialized once per build instead of once per
    schema holding it, a sixth of the bytes on GitHub's spec. ``#`` cannot start a JSON value, so no
    schema written out reads like one written with digests; which subschemas are digests depends on
    the schema's content alone, so a schema hashes the same in every build and every spec.

    Subschemas are remembered by identity: a tree must not change while its digests are kept.
    """

    def __init__(self) -> None:
        self._parts: dict[int, tuple[orjson.Fragment, Any]] = {}

    def hexdigest(self, schema: Any, source: str | None = None) -> str:
        """SHA-256 hex of ``schema`` written with its object subschemas as digests."""
        return hashlib.sha256(canonical_json(self.reduced(schema, source), source=source)).hexdigest()

    def reduced(self, node: Any, source: str | None = None) -> Any:
        """``node`` (not itself replaced) with each object subschema replaced by its digest."""
        if type(node) is not dict:
            return node
        out: dict[Any, Any] | None = None
        for key, value in node.items():
            kind = SUBSCHEMA_KEYWORDS.get(key)
            if kind is None:
                continue
            new: Any
            if type(value) is list:
                new = self._list(value, source)
            elif type(value) is not dict:
                continue
            elif kind == SCHEMA_MAP:
                new = self._map(value, source)
            else:
                new = self._sub(value, source)
            if new is not value:
                if out is None:
                    out = dict(node)
                out[key] = new
        return node if out is None else out

    def _sub(self, node: Any, source: str | None) -> Any:
        if type(node) is not dict:
            return node
        if "properties" not in node:
            return self.reduced(node, source)
        hit = self._parts.get(id(node))
        if hit is None:
            written = canonical_json(self.reduced(node, source), source=source)
            part = orjson.Fragment(b"#" + hashlib.sha256(written).hexdigest().encode())
            # The node is kept with its digest so that its id cannot be reused by another object.
            hit = self._parts[id(node)] = (part, node)
        return hit[0]

    def written(self, value: Any, make: Callable[[Any], Any], source: str | None = None) -> orjson.Fragment:
        """``make(value)`` as canonical JSON, once per ``value`` (by identity): bindings and server lists recur."""
        hit = self._parts.get(id(value))
        if hit is None:
            hit = self._parts[id(value)] = (orjson.Fragment(canonical_json(make(value), source=source)), value)
        return hit[0]

    def _map(self, value: dict[Any, Any], source: str | None) -> dict[Any, Any]:
        new: dict[Any, Any] | None = None
        for name, sub in value.items():
            done = self._sub(sub, source)
            if done is not sub:
                if new is None:
                    new = dict(value)
                new[name] = done
        return value if new is None else new

    def _list(self, value: list[Any], source: str | None) -> list[Any]:
        new: list[Any] | None = None
        for i, sub in enumerate(value):
            done = self._sub(sub, source)
            if done is not sub:
                if new is None:
                    new = list(value)
                new[i] = done
        return value if new is None else new


def _binding(b: ArgumentBinding) -> dict[str, Any]:
    # The member itself: orjson writes an enum member as its value, and ``.value`` is a slow descriptor.
    return {"argument": b.argument, "location": b.location, "name": b.name, "required": b.required,
            "style": b.style, "explode": b.explode, "allow_reserved": b.allow_reserved,
            "media_type": b.media_type, "content_type": b.content_type}


def _servers(servers: Sequence[Server]) -> list[dict[str, Any]]:
    return [_server(s) for s in servers]


def _server(s: Server) -> dict[str, Any]:
    variables = {k: {"default": v.default, "enum": list(v.enum), "description": v.description}
                 for k, v in s.variables.items()}
    return {"url": s.url, "description": s.description, "variables": variables}


def content_hash(
    *,
    name: str,
    description: str,
    input_schema: Mapping[str, Any],
    output_digest: str | None,
    bindings: Sequence[ArgumentBinding],
    annotations: Mapping[str, bool],
    method: str,
    path: str,
    servers: Sequence[Server],
    source: str | None = None,
    digests: SchemaDigests | None = None,
) -> str:
    """
    SHA-256 hex over the canonical JSON of everything a caller of the tool depends on.

    The output schema enters as its own digest (``output_digest``, from :meth:`SchemaDigests.hexdigest`):
    response schemas are large and shared between operations, so a build hashes each one once.
    ``digests`` (one per build) writes the input schema's object subschemas as their digests.
    """
    digests = digests if digests is not None else SchemaDigests()
    payload = {
        "name": name, "description": description, "input_schema": digests.reduced(input_schema, source),
        "output_schema": output_digest, "bindings": [digests.written(b, _binding, source) for b in bindings],
        "annotations": annotations, "method": method, "path": path,
        "servers": digests.written(servers, _servers, source),
    }
    return hashlib.sha256(canonical_json(payload, source=source)).hexdigest()
