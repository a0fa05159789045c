"""
Tool name conflicts between specs.

The tools of the spec being loaded are checked against every other spec's tools. ``error``
refuses the load; ``namespace`` gives a clashing tool the spec name as a prefix
(``petstore_listPets``); ``rename`` adds a suffix from a hash of the spec and tool names
(``listPets_3fa2c1``). Only the newcomer's tool is renamed: a tool already served keeps its name,
and the new name is the same every time the same spec is loaded. A name longer than 64
characters is cut and ends with a hash of the full name. Never a silent overwrite.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import NameConflictError
from ..tool import Tool
from .model import ConflictPolicy, RegisteredTool

__all__ = ["Incoming", "resolve_names"]

MAX_NAME = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
Incoming = dict[str, tuple[Tool, Mapping[str, Mapping[str, Any]]]]
Renderer = Callable[[Tool], Mapping[str, Mapping[str, Any]]]


def resolve_names(spec_name: str, tools: Mapping[str, Tool], definitions: Callable[[str], Mapping[str, Any]],
                  others: Mapping[str, RegisteredTool], policy: ConflictPolicy, render: Renderer) -> Incoming:
    """The spec's tools by their final names, each with its provider definitions."""
    out: Incoming = {}
    for name in sorted(tools):
        owner = others.get(name)
        if owner is None or owner.spec_name == spec_name:
            _claim(out, name, (tools[name], definitions(name)), spec_name)
            continue
        if policy == "error":
            raise _conflict(spec_name, name, owner.spec_name)
        final = _new_name(spec_name, name, policy)
        clash = others.get(final)
        if clash is not None and clash.spec_name != spec_name:
            raise _conflict(spec_name, final, clash.spec_name)
        renamed = _renamed(tools[name], final)
        _claim(out, final, (renamed, render(renamed)), spec_name)
    return out


def _claim(out: Incoming, name: str, value: tuple[Tool, Mapping[str, Mapping[str, Any]]], spec: str) -> None:
    if name in out:
        raise NameConflictError(f"two tools of spec {spec!r} end up named {name!r} after conflict renaming; "
                                "set a namespace for the spec", source=spec, details={"tool": name})
    out[name] = value


def _new_name(spec_name: str, name: str, policy: ConflictPolicy) -> str:
    if policy == "namespace":
        prefix = _UNSAFE.sub("_", spec_name).strip("_") or "spec"
        return _fit(f"{prefix}_{name}")
    suffix = hashlib.sha256(f"{spec_name}\0{name}".encode()).hexdigest()[:6]
    return _fit(f"{name}_{suffix}", keep=len(suffix) + 1)


def _fit(name: str, keep: int = 0) -> str:
    """``name`` cut to MAX_NAME characters, ending with a short hash of the whole when cut."""
    if len(name) <= MAX_NAME:
        return name
    tail = "_" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return name[: MAX_NAME - len(tail)].rstrip("_-") + tail if not keep else (
        name[: MAX_NAME - keep - len(tail)].rstrip("_-") + tail + name[-keep:])


def _renamed(tool: Tool, name: str) -> Tool:
    # The content hash covers the name; derive the new one from the old so it stays stable.
    digest = hashlib.sha256(f"{tool.content_hash}\0{name}".encode()).hexdigest()
    return dataclasses.replace(tool, name=name, content_hash=digest)


def _conflict(spec_name: str, name: str, owner: str) -> NameConflictError:
    return NameConflictError(
        f"tool {name!r} of spec {spec_name!r} has the same name as a tool of spec {owner!r}; give one "
        "of the specs a namespace, or set the registry's conflicts option to 'namespace' or 'rename'",
        source=spec_name, details={"tool": name, "spec": spec_name, "other_spec": owner})
