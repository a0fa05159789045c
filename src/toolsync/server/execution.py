"""
Execution settings per spec, for the executor behind ``POST /tools/{name}/call`` and ``/mcp``.

Each spec's :class:`~toolsync.execute.ExecutionConfig` combines the spec's entry (credentials by
environment variable name, ``server_url``, ``allowed_hosts``, ``allow_private``) with the
``execution`` section of the settings. Credentials need the spec's security scheme definitions,
which the registry does not keep: for a spec with credentials they are read from its source once
per registered version (:meth:`ExecutionConfigs.prepare` does it off the event loop).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from ..config import RefPolicy, SpecConfig
from ..errors import ToolsyncError
from ..execute import ExecutionConfig
from ..ir import SecurityScheme
from ..registry import Registry, SpecEntry
from ..settings import Settings
from ..spec.loader import is_url, load_spec

__all__ = ["ExecutionConfigs"]

log = logging.getLogger("toolsync.server")


class ExecutionConfigs:
    """A callable ``spec name -> ExecutionConfig`` for :class:`~toolsync.execute.Executor`, cached per entry."""

    def __init__(self, settings: Settings, registry: Registry) -> None:
        self._settings = settings
        self._registry = registry
        self._configured = {s.name: s for s in settings.specs if s.name}
        self._cache: dict[str, tuple[SpecEntry | None, ExecutionConfig]] = {}
        self._lock = threading.Lock()

    def __call__(self, spec_name: str) -> ExecutionConfig:
        entry = self._registry.snapshot.specs.get(spec_name)
        cached = self._cache.get(spec_name)
        if cached is not None and cached[0] is entry:
            return cached[1]
        with self._lock:
            config = self._build(spec_name, entry)
            self._cache[spec_name] = (entry, config)
        return config

    def prepare(self, spec_name: str) -> None:
        """Build (and cache) the config of ``spec_name`` now; reading the spec may take a moment."""
        self(spec_name)

    def spec_config(self, spec_name: str, entry: SpecEntry | None) -> SpecConfig:
        """The spec configuration a call of ``spec_name`` follows."""
        if entry is not None and entry.config is not None:
            return entry.config
        configured = self._configured.get(spec_name)
        if configured is not None:
            return configured
        return SpecConfig(source=entry.source if entry is not None else spec_name, name=spec_name)

    def _build(self, spec_name: str, entry: SpecEntry | None) -> ExecutionConfig:
        spec = self.spec_config(spec_name, entry)
        execution = self._settings.execution
        schemes = self._schemes(spec) if spec.credentials and entry is not None else {}
        return ExecutionConfig(
            server_url=spec.server_url,
            allowed_hosts=tuple(spec.allowed_hosts),
            allow_private=execution.allow_private or spec.fetch.allow_private,
            credentials=dict(spec.credentials),
            security_schemes=schemes,
            source_url=spec.source if is_url(spec.source) else None,
            timeout=execution.timeout,
            max_response_bytes=execution.max_response_bytes,
            max_retries=execution.max_retries,
            headers=dict(execution.headers),
        )

    @staticmethod
    def _schemes(spec: SpecConfig) -> Mapping[str, SecurityScheme]:
        try:
            loaded = load_spec(spec.source, name=spec.name, limits=spec.limits, fetch=spec.fetch,
                               on_unresolved_ref=RefPolicy.SKIP)
        except ToolsyncError as exc:
            log.warning("credentials of spec %s cannot be applied: its security schemes could not be read (%s)",
                        spec.name or spec.source, exc)
            return {}
        return dict(loaded.security_schemes)
