"""The reload side's few calls into the pipeline, the sources and the registry, in one place."""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING

from ..errors import ToolsyncError
from ..pipeline import CompiledSpec, compile_from_spec
from ..registry import Trigger
from ..spec.loader import load_bytes
from ..spec.sources import NotModified, SourceBytes, afetch_url, fetch_url, media_type_for

if TYPE_CHECKING:
    from ..config import SpecConfig
    from ..registry import ChangeSet, Registry

__all__ = [
    "CompiledSpec",
    "NotModified",
    "SourceBytes",
    "Trigger",
    "afetch",
    "commit",
    "compile_bytes",
    "fetch",
    "lean",
    "media_type_for",
    "naming",
    "record_failure",
    "remove",
    "spec_tools",
    "version",
]


def compile_bytes(
    registry: Registry, config: SpecConfig, payload: SourceBytes, previous: CompiledSpec | None,
    name: str | None = None,
) -> CompiledSpec:
    """
    Run the pipeline on bytes already read from ``config.source`` (a file or a URL), with the
    registry's tool options, reusing the tools of ``previous`` for operations that did not change.
    ``name`` (else ``config.name``, else the spec's title) is the spec's registry name.
    """
    spec = load_bytes(payload, source=config.source, name=name or config.name, limits=config.limits,
                      fetch=config.fetch, on_unresolved_ref=config.on_unresolved_ref)
    return compile_from_spec(spec, config, previous=previous, options=registry.options.tool_options)


def fetch(config: SpecConfig, *, etag: str | None = None, last_modified: str | None = None
          ) -> SourceBytes | NotModified:
    return fetch_url(config.source, policy=config.fetch, limits=config.limits, etag=etag,
                     last_modified=last_modified)


async def afetch(config: SpecConfig, *, etag: str | None = None, last_modified: str | None = None
                 ) -> SourceBytes | NotModified:
    return await afetch_url(config.source, policy=config.fetch, limits=config.limits, etag=etag,
                            last_modified=last_modified)


def commit(registry: Registry, compiled: CompiledSpec, trigger: Trigger) -> ChangeSet:
    """One atomic commit of a compiled spec."""
    return registry.apply(compiled, trigger=trigger)


def record_failure(
    registry: Registry, config: SpecConfig, error: ToolsyncError, trigger: Trigger, spec: str | None
) -> None:
    """Tell the registry a reload failed (it emits SpecFailed and keeps the last good version)."""
    registry.record_failure(config, error, trigger=trigger, action="reload", spec=spec)


def remove(registry: Registry, name: str, trigger: Trigger) -> ChangeSet | None:
    """Unregister a spec whose source is gone; None when it was not registered."""
    if name not in registry.snapshot.specs:
        return None
    return registry.unregister_spec(name, trigger=trigger)


def spec_tools(registry: Registry, name: str | None) -> frozenset[str]:
    """The tool names the registry serves for spec ``name`` right now."""
    entry = registry.snapshot.specs.get(name) if name else None
    return frozenset(entry.tools) if entry is not None else frozenset()


def version(registry: Registry) -> int:
    return registry.snapshot.version


def lean(compiled: CompiledSpec) -> CompiledSpec:
    """What to keep for the next reload's reuse: the compile without the raw document (large)."""
    if not compiled.spec.document:
        return compiled
    return dataclasses.replace(compiled, spec=dataclasses.replace(compiled.spec, document={}))


def naming(error: ToolsyncError, source: str) -> ToolsyncError:
    """The error, made to name its source (file or URL) when it does not already."""
    if error.source:
        return error
    named = copy.copy(error)
    ToolsyncError.__init__(named, error.message, source=source, pointer=error.pointer, details=error.details)
    return named
