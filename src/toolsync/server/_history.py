"""``GET /history``, ``GET /diff``, ``POST /rollback`` and the held changes (``/held``)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..diff import diff_specs
from ..ir import Spec
from ..registry import HeldChange, Registry, SpecEntry, Trigger
from ..tool import Tool
from ._context import context
from ._inputs import Fields, parse_object, query_int, query_str, read_body
from .problems import ApiError, json_response

__all__ = ["approve_held", "diff_versions", "history", "list_held", "reject_held", "rollback"]

_MAX_HISTORY = 1000


async def history(request: Request) -> Response:
    """Kept versions, newest first, optionally those touching one spec or tool."""
    ctx = context(request)
    ctx.access.require_read(request)
    spec, tool = query_str(request, "spec"), query_str(request, "tool")
    limit = query_int(request, "limit", default=100, minimum=1, maximum=_MAX_HISTORY) or 100
    entries = await asyncio.to_thread(ctx.registry.history, spec=spec, tool=tool, limit=limit)
    return json_response({"version": ctx.registry.version, "history": [e.to_dict() for e in entries]})


async def diff_versions(request: Request) -> Response:
    """What changed between two kept versions, per spec, with breaking-change findings."""
    ctx = context(request)
    ctx.access.require_read(request)
    old = query_int(request, "from", minimum=0)
    new = query_int(request, "to", minimum=0)
    if old is None or new is None:
        raise ApiError(422, "invalid_request", "give two snapshot versions: /diff?from=N&to=M")
    body = await asyncio.to_thread(_diff, ctx.registry, old, new)
    return json_response(body)


async def rollback(request: Request) -> Response:
    """Serve again what a kept version served (the whole registry, or one spec); a new version."""
    ctx = context(request)
    ctx.access.require_admin(request)
    fields = Fields(parse_object(await read_body(request, ctx.settings.server.max_body_bytes)))
    version = fields.integer("version", required=True, minimum=1) or 1
    spec = fields.text("spec", limit=256)
    fields.done()
    changes = await asyncio.to_thread(ctx.registry.rollback, version, spec=spec, trigger=Trigger.ROLLBACK)
    return json_response({"version": ctx.registry.version, "changes": changes.to_dict()})


async def list_held(request: Request) -> Response:
    ctx = context(request)
    ctx.access.require_read(request)
    return json_response({"version": ctx.registry.version, "held": [h.to_dict() for h in ctx.registry.held()]})


async def approve_held(request: Request) -> Response:
    """Apply a held breaking change in full."""
    ctx = context(request)
    ctx.access.require_admin(request)
    held = _held(ctx.registry, request.path_params["id"])
    changes = await asyncio.to_thread(ctx.registry.approve, held.id, trigger=Trigger.API)
    return json_response({"version": ctx.registry.version, "changes": changes.to_dict()})


async def reject_held(request: Request) -> Response:
    """Drop a held change; the tools it would have changed stay as they are."""
    ctx = context(request)
    ctx.access.require_admin(request)
    held = _held(ctx.registry, request.path_params["id"])
    dropped = await asyncio.to_thread(ctx.registry.reject, held.id, trigger=Trigger.API)
    return json_response({"version": ctx.registry.version, "held": dropped.to_dict()})


def _held(registry: Registry, held_id: str) -> HeldChange:
    found = next((h for h in registry.held() if h.id == held_id), None)
    if found is None:
        raise ApiError(404, "unknown_held_change", f"no held change {held_id!r}: it was approved, rejected or "
                       "replaced by a newer load", source=held_id)
    return found


# -- diff -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Version:
    """The spec entries and tools (name -> payload hash and tool) of one version."""

    specs: Mapping[str, SpecEntry]
    tools: Mapping[str, tuple[str, Tool]]


def _diff(registry: Registry, old: int, new: int) -> dict[str, Any]:
    before, after = _version(registry, old), _version(registry, new)
    names = sorted({*before.specs, *after.specs, *(t.spec_name for _, t in before.tools.values()),
                    *(t.spec_name for _, t in after.tools.values())})
    specs = [_spec_diff(name, before, after) for name in names]
    return {"from": old, "to": new, "breaking": any(s["breaking"] for s in specs), "specs": specs}


def _spec_diff(name: str, before: _Version, after: _Version) -> dict[str, Any]:
    old = {n: v for n, v in before.tools.items() if v[1].spec_name == name}
    new = {n: v for n, v in after.tools.items() if v[1].spec_name == name}
    updated = sorted(n for n in old.keys() & new.keys() if old[n][0] != new[n][0])
    tools = {"added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys()), "updated": updated}
    status = "added" if name not in before.specs else "removed" if name not in after.specs else "changed"
    old_entry, new_entry = before.specs.get(name), after.specs.get(name)
    same_entry = old_entry is not None and new_entry is not None and old_entry.version == new_entry.version
    if status == "changed" and same_entry and not any(tools.values()):
        return {"spec": name, "status": "unchanged", "breaking": False, "tools": tools, "report": None}
    report = diff_specs(_spec(name, old_entry, old), _spec(name, new_entry, new),
                        old_tools={t.operation_key: t for _, t in old.values()},
                        new_tools={t.operation_key: t for _, t in new.values()})
    return {"spec": name, "status": status, "breaking": report.breaking, "tools": tools, "report": report.to_dict()}


def _spec(name: str, entry: SpecEntry | None, tools: Mapping[str, tuple[str, Tool]]) -> Spec:
    operations = tuple(t.operation for _, t in sorted(tools.values(), key=lambda v: v[1].operation_key))
    if entry is None:
        return Spec(name=name, source=name, title=name, version="", openapi_version="", operations=operations)
    return Spec(name=name, source=entry.source, title=entry.title, version=entry.version,
                openapi_version=entry.openapi_version, operations=operations, fingerprint=entry.fingerprint)


def _version(registry: Registry, version: int) -> _Version:
    snapshot = registry.snapshot
    if version == snapshot.version:
        return _Version(snapshot.specs, {n: (t.payload_hash, t.tool) for n, t in snapshot.tools.items()})
    if version == 0:
        return _Version({}, {})
    state = registry.store.load_version(version) if version < snapshot.version else None
    if state is None:
        raise ApiError(404, "unknown_version", f"version {version} is not kept (the registry is at version "
                       f"{snapshot.version}; see GET /history)")
    # The registry's own decoder: the payload format is the registry's business (it compresses them).
    from ..registry._build import restore

    specs, tools = restore(state, reuse=snapshot.tools)
    return _Version(specs, {n: (t.payload_hash, t.tool) for n, t in tools.items()})
