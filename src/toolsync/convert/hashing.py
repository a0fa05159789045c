"""Canonical JSON and the content hash of a tool."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from ..errors import ConversionError
from ..ir import Server
from ..tool import ArgumentBinding

__all__ = ["canonical_json", "content_hash", "digest"]

_SORTED = orjson.OPT_SORT_KEYS


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


def _binding(b: ArgumentBinding) -> dict[str, Any]:
    # The member itself: orjson writes an enum member as its value, and ``.value`` is a slow descriptor.
    return {"argument": b.argument, "location": b.location, "name": b.name, "required": b.required,
            "style": b.style, "explode": b.explode, "allow_reserved": b.allow_reserved,
            "media_type": b.media_type, "content_type": b.content_type}


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
) -> str:
    """
    SHA-256 hex over the canonical JSON of everything a caller of the tool depends on.

    The output schema enters as its own :func:`digest` (``output_digest``): response schemas
    are large and shared between operations, so a build hashes each one once.
    """
    payload = {
        "name": name, "description": description, "input_schema": input_schema,
        "output_schema": output_digest, "bindings": [_binding(b) for b in bindings],
        "annotations": annotations, "method": method, "path": path,
        "servers": [_server(s) for s in servers],
    }
    return hashlib.sha256(canonical_json(payload, source=source)).hexdigest()
