"""Registered tools and spec entries to and from the bytes a store keeps."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from ..errors import StoreCorruptError
from ..stores.base import StoredState, StoredTool
from ..tool import Tool
from . import serialize
from .model import RegisteredTool, SpecEntry

__all__ = ["entry_bytes", "make_registered", "restore", "stored_tools"]


def make_registered(tool: Tool, definitions: Mapping[str, Mapping[str, Any]], *, spec_version: str,
                    registered_at: float) -> tuple[RegisteredTool, bytes]:
    """
    A RegisteredTool and its payload: the bytes a store keeps, zlib-compressed JSON.

    ``payload_hash`` is the sha256 of the JSON itself, so it names the content, not the compression.
    Compression matters: operations carry their resolved schemas, and a large API's tools are tens
    of megabytes of JSON that shrink about tenfold.
    """
    raw = serialize.dumps({"format": serialize.PAYLOAD_FORMAT, "tool": serialize.tool_to_dict(tool),
                           "definitions": definitions, "spec_version": spec_version})
    registered = RegisteredTool(tool, tool.spec_name, spec_version, registered_at, tool.content_hash,
                                dict(definitions), serialize.payload_hash(raw))
    return registered, zlib.compress(raw, 1)


def _json_of(payload: bytes, name: str) -> bytes:
    if payload[:1] in (b"{", b" ", b"\n"):
        return payload
    try:
        return zlib.decompress(payload)
    except zlib.error as exc:
        raise StoreCorruptError(f"the stored payload of tool {name!r} is damaged ({exc})") from exc


def registered_from_payload(stored: StoredTool, name: str) -> RegisteredTool:
    data = serialize.load_object(_json_of(stored.payload, name), f"tool {name!r}")
    definitions = data.get("definitions")
    if not isinstance(definitions, dict) or "tool" not in data:
        raise StoreCorruptError(f"the stored payload of tool {name!r} lacks its tool or definitions")
    tool = serialize.tool_from_dict(data["tool"])
    shared = {p: serialize.share(d) for p, d in definitions.items()}
    return RegisteredTool(tool, tool.spec_name, str(data.get("spec_version", tool.spec_version)),
                          stored.registered_at, tool.content_hash, shared, stored.hash)


def entry_bytes(entry: SpecEntry) -> bytes:
    return serialize.dumps(serialize.encode(entry))


def entry_from_bytes(data: bytes, name: str) -> SpecEntry:
    entry: SpecEntry = serialize.decode(SpecEntry, serialize.load_object(data, f"spec entry {name!r}"))
    return entry


def restore(state: StoredState, reuse: Mapping[str, RegisteredTool] | None = None
            ) -> tuple[dict[str, SpecEntry], dict[str, RegisteredTool]]:
    """
    The spec entries and tools of a stored version.

    Tools whose payload hash and registration time match one in ``reuse`` keep that object, so
    adopting or rolling back to a version mostly equal to the current one decodes little.
    """
    reuse = reuse or {}
    tools: dict[str, RegisteredTool] = {}
    with serialize.sharing():
        for name, stored in state.tools.items():
            known = reuse.get(name)
            if known is not None and known.payload_hash == stored.hash and known.registered_at == stored.registered_at:
                tools[name] = known
            else:
                tools[name] = registered_from_payload(stored, name)
    specs = {name: entry_from_bytes(data, name) for name, data in state.specs.items()}
    return specs, tools


def stored_tools(tools: Mapping[str, RegisteredTool], payloads: Mapping[str, bytes]) -> dict[str, StoredTool]:
    """The manifest of a version; payload bytes only for tools new in this commit."""
    return {name: StoredTool(t.payload_hash, t.registered_at, payloads.get(t.payload_hash, b""))
            for name, t in tools.items()}
