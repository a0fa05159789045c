"""
The running parts behind the HTTP API: the registry, the watchers that keep it in sync, reload
requests (API, webhook), the executor, and readiness.

Configured sources (files, folders, URLs) are watched by one :class:`~toolsync.reload.Watcher`.
A spec added through ``POST /specs``, or restored from the store without being configured,
gets a watcher of its own, so every registered spec with a source is kept in sync and every
reload goes through a watcher's queue.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..config import BreakingPolicy, SpecConfig
from ..errors import ToolsyncError
from ..execute import Executor
from ..pipeline import acompile_spec
from ..registry import ChangeEvent, ChangeSet, Registry, Trigger
from ..reload import OutcomeKind, ReloadOutcome, Watcher
from ..settings import Settings
from ..spec.loader import is_url
from .execution import ExecutionConfigs
from .metrics import Metrics
from .problems import ApiError

__all__ = ["AddSpec", "Service"]

log = logging.getLogger("toolsync.server")


@dataclasses.dataclass(frozen=True, slots=True)
class AddSpec:
    """The body of ``POST /specs``."""

    source: str
    name: str | None = None
    namespace: str | None = None
    policy: BreakingPolicy | None = None


class Service:
    """
    Loads and watches the configured specs, and carries out what the API asks.

    Args:
        settings: the configuration (specs, reload timing, execution, allowed roots).
        registry: where tools are registered; the caller closes it.
        roots: more folders ``POST /specs`` may read files from (the folders given on the command line).
        executor: runs tool calls; by default one built from the settings, closed by :meth:`aclose`.
    """

    def __init__(self, settings: Settings, registry: Registry, *, roots: Sequence[str] = (),
                 metrics: Metrics | None = None, executor: Executor | None = None) -> None:
        self.settings = settings
        self.registry = registry
        self.metrics = metrics or Metrics()
        self.roots = tuple(os.path.realpath(r) for r in (*settings.server.allowed_roots, *roots))
        self.execution = ExecutionConfigs(settings, registry)
        self._own_executor = executor is None
        self.executor = executor or Executor(self.execution)
        self._main: Watcher | None = None
        self._extra: dict[str, Watcher] = {}
        self._waiters: dict[str, list[asyncio.Future[ReloadOutcome]]] = {}
        self._ready = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._closed = False
        self.started_at = time.time()
        self.startup_error: str | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once the initial load finished (whatever its outcome) and until :meth:`aclose`."""
        return self._ready.is_set() and not self._closed

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def start(self) -> None:
        """Load every configured spec, then watch them and the other registered specs."""
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = self.registry.on_change(self._on_change)
        try:
            if self.settings.specs:
                self._main = self._watcher(list(self.settings.specs))
                await self._main.start()
            for config in self._restored():
                await self._watch(config)
        except Exception as exc:  # the server keeps serving what the store holds, whatever went wrong
            self.startup_error = str(exc)
            log.error("the initial load failed: %s", exc, exc_info=not isinstance(exc, ToolsyncError))
        finally:
            self._ready.set()

    async def aclose(self) -> None:
        """Stop every watcher (running reloads finish) and close the executor. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
        watchers = [w for w in (self._main, *self._extra.values()) if w is not None]
        self._main, self._extra = None, {}
        await asyncio.gather(*(w.aclose() for w in watchers), return_exceptions=True)
        for waiters in self._waiters.values():
            for future in waiters:
                future.cancel()
        if self._own_executor:
            await self.executor.aclose()

    # -- reading ----------------------------------------------------------------------------------

    def watched(self) -> dict[str, str | None]:
        """Every watched file and URL with the name of its spec (None until it loaded)."""
        found: dict[str, str | None] = {}
        for watcher in self._watchers():
            found.update(watcher.sources)
        return found

    def failures(self) -> dict[str, str]:
        """Specs (or sources never loaded) whose last load failed, with the reason."""
        return dict(self.registry.failures)

    # -- reloading --------------------------------------------------------------------------------

    def request_reload(self, target: str | None, trigger: Trigger) -> list[str]:
        """
        Queue a reload of ``target`` (a spec name, watched path or URL), or of every watched source.

        Returns the sources queued. Raises ``ApiError`` (404) when nothing matches ``target``.
        """
        if target is None:
            queued: list[str] = []
            for watcher in self._watchers():
                queued.extend(watcher.request_reload(key, trigger) for key in watcher.sources)
            return queued
        found = self._find(target)
        if found is not None:
            return [found[0].request_reload(found[1], trigger)]
        self._config_of(target)
        task = asyncio.get_running_loop().create_task(self._reload_unwatched(target, trigger))
        task.add_done_callback(_log_failure)
        return [target]

    async def reload_now(self, name: str, *, timeout: float) -> dict[str, Any]:
        """Reload spec ``name`` and wait (at most ``timeout`` s) for the outcome; ``{"queued": True}`` on timeout."""
        found = self._find(name)
        if found is None:
            self._config_of(name)
            changes = await self._reload_unwatched(name, Trigger.API)
            return {"outcome": "applied" if changes.version is not None else "unchanged", "spec": name,
                    "changes": changes.to_dict(), "version": self.registry.version}
        watcher, key = found
        future: asyncio.Future[ReloadOutcome] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, []).append(future)
        try:
            watcher.request_reload(key, Trigger.API)
            outcome = await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return {"outcome": "queued", "spec": name, "version": self.registry.version}
        finally:
            waiting = self._waiters.get(key, [])
            if future in waiting:
                waiting.remove(future)
        return _outcome_body(outcome)

    # -- adding and removing specs ---------------------------------------------------------------

    async def add_spec(self, request: AddSpec) -> tuple[ChangeSet, bool]:
        """Compile and register a spec, then watch it. Returns the changes and whether the spec is new."""
        config = self._config_for(request)
        await self._ready.wait()  # the configured sources are watched first: a spec is never watched twice
        compiled = await acompile_spec(config, options=self.registry.options.tool_options)
        # Named from here on, so that the watcher's reloads carry the very same configuration.
        config = dataclasses.replace(config, name=compiled.name)
        compiled = dataclasses.replace(compiled, config=config)
        entry = self.registry.snapshot.specs.get(compiled.name)
        if entry is not None and not _same_source(entry.source, config.source):
            raise ApiError(409, "name_taken", f"a spec named {compiled.name!r} is already registered from "
                           f"{entry.source}; give this one another name", source=config.source)
        changes = await self.registry.aapply(compiled, trigger=Trigger.API)
        if self._find(config.source) is None:
            await self._watch(config)
        return changes, entry is None

    async def remove_spec(self, name: str) -> ChangeSet:
        """Stop watching spec ``name`` (when it has a watcher of its own) and unregister it."""
        if name not in self.registry.snapshot.specs:
            raise ApiError(404, "unknown_spec", f"no spec named {name!r} is registered", source=name)
        watcher = self._extra.pop(name, None)
        if watcher is not None:
            await watcher.aclose()
        return await asyncio.to_thread(self.registry.unregister_spec, name, trigger=Trigger.API)

    # -- internals --------------------------------------------------------------------------------

    def _watchers(self) -> list[Watcher]:
        return [w for w in (self._main, *self._extra.values()) if w is not None]

    def _watcher(self, configs: list[SpecConfig]) -> Watcher:
        reload = self.settings.reload
        return Watcher(self.registry, configs, debounce_ms=reload.debounce_ms, poll_interval=reload.poll_interval,
                       force_polling=reload.force_polling, on_outcome=self._on_outcome)

    async def _watch(self, config: SpecConfig) -> None:
        watcher = self._watcher([config])
        await watcher.start()
        name = config.name or next((n for n in watcher.sources.values() if n), config.source)
        old = self._extra.pop(name, None)
        self._extra[name] = watcher
        if old is not None:
            await old.aclose()

    def _restored(self) -> list[SpecConfig]:
        """Registered specs with a source that no configured watcher covers."""
        watched = self.watched()
        names = {n for n in watched.values() if n}
        out = []
        for name, entry in self.registry.snapshot.specs.items():
            if name in names or entry.config is None or _covered(entry.config.source, watched):
                continue
            out.append(dataclasses.replace(entry.config, name=name))
        return out

    def _find(self, target: str) -> tuple[Watcher, str] | None:
        """The watcher and source key of ``target`` (a watched path or URL, or a spec name)."""
        path = target if is_url(target) else os.path.abspath(os.path.expanduser(target))
        for watcher in self._watchers():
            sources = watcher.sources
            for key in (target, path):
                if key in sources:
                    return watcher, key
            named = next((key for key, name in sources.items() if name == target), None)
            if named is not None:
                return watcher, named
        return None

    def _config_of(self, name: str) -> SpecConfig:
        entry = self.registry.snapshot.specs.get(name)
        if entry is None:
            raise ApiError(404, "unknown_spec", f"no spec or watched source named {name!r}", source=name)
        if entry.config is None:
            raise ApiError(409, "no_source", f"spec {name!r} was registered tool by tool and has no source to "
                           "reload", source=name)
        return entry.config

    async def _reload_unwatched(self, name: str, trigger: Trigger) -> ChangeSet:
        started = time.monotonic()
        try:
            changes = await self.registry.areload(name, trigger=trigger)
        except ToolsyncError as exc:
            self.metrics.reload(ReloadOutcome(OutcomeKind.FAILED, name, trigger, spec=name, error=exc,
                                              duration=time.monotonic() - started))
            raise
        kind = OutcomeKind.APPLIED if changes.version is not None else OutcomeKind.UNCHANGED
        self.metrics.reload(ReloadOutcome(kind, name, trigger, spec=name, changes=changes,
                                          duration=time.monotonic() - started))
        return changes

    def _config_for(self, request: AddSpec) -> SpecConfig:
        source = request.source.strip()
        if not source:
            raise ApiError(422, "invalid_request", "source must be a file path or an http(s) URL")
        if not is_url(source):
            source = self._allowed_file(source)
        elif not source.lower().startswith(("http://", "https://")):
            raise ApiError(422, "invalid_request", "a URL source must use http or https", source=source)
        base = self.settings
        config = SpecConfig(source=source, name=request.name, namespace=request.namespace, limits=base.limits,
                            fetch=base.fetch)
        if request.policy is not None:
            config = dataclasses.replace(config, policy=request.policy)
        return config

    def _allowed_file(self, source: str) -> str:
        if not self.roots:
            raise ApiError(403, "forbidden", "file sources are not allowed: no folder is open to the API "
                           "(give folders on the command line or set server.allowed_roots)", source=source)
        path = os.path.abspath(os.path.expanduser(source))
        real = os.path.realpath(path)
        if not any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots):
            raise ApiError(403, "forbidden", "the file is outside the folders open to the API", source=source)
        if os.path.isdir(real):
            raise ApiError(422, "invalid_request", "give one spec file, not a folder", source=source)
        if not os.path.isfile(real):
            raise ApiError(422, "invalid_request", "no such file", source=source)
        return path

    def _on_outcome(self, outcome: ReloadOutcome) -> None:
        self.metrics.reload(outcome)
        for future in self._waiters.pop(outcome.key, []):
            if not future.done():
                future.set_result(outcome)

    def _on_change(self, event: ChangeEvent) -> None:
        for item in event.events:
            if item.kind == "spec_failed":
                self.metrics.failure(item.spec)
        names = {e.spec for e in event.events if e.spec} | ({event.spec} if event.spec else set())
        loop = self._loop
        if event.committed and loop is not None and not loop.is_closed():
            # Read the specs' security schemes off the loop, before the first call needs them.
            for name in names:
                try:
                    loop.call_soon_threadsafe(loop.run_in_executor, None, self.execution.prepare, name)
                except RuntimeError:
                    return


def _outcome_body(outcome: ReloadOutcome) -> dict[str, Any]:
    body = outcome.to_dict()
    body.pop("event", None)
    if outcome.changes is not None:
        body["changes"] = outcome.changes.to_dict()
    return body


def _same_source(registered: str, given: str) -> bool:
    if is_url(registered) or is_url(given):
        return registered == given
    return os.path.realpath(registered) == os.path.realpath(given)


def _covered(source: str, watched: dict[str, str | None]) -> bool:
    if is_url(source):
        return source in watched
    return os.path.abspath(source) in watched


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("reload failed: %s", task.exception())
