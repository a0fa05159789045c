"""
Keep a registry in sync with spec files, folders and URLs while a program runs.

:class:`Watcher` is for asyncio programs (``async with``); :class:`ThreadedWatcher` runs one
on a background thread for synchronous programs. Both load every source first, then reload
a spec whenever its file (or a file it references) changes or its URL serves a new version,
through one debounced :class:`~toolsync.reload.queue.ReloadQueue`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from watchfiles import Change

from ..config import SpecConfig
from ..errors import ConfigError, RegistryError, ToolsyncError
from ..spec.sources import discover
from . import _pipeline as pipeline
from .events import Changes, FileEvents, NativeEvents, PollingEvents, WatchSet
from .files import FileReloader, FileTarget, is_candidate
from .outcome import OutcomeKind, ReloadOutcome
from .queue import ReloadQueue, ReloadRequest, Retry
from .settings import ReloadSettings
from .urls import UrlReloader, UrlTarget, is_url, poll_url

if TYPE_CHECKING:
    from ..registry import Registry, Trigger

__all__ = ["ThreadedWatcher", "Watcher"]

log = logging.getLogger("toolsync.reload")

OutcomeCallback = Callable[[ReloadOutcome], object]


class Watcher:
    """
    Load ``sources`` into ``registry`` and reload them when they change, until closed.

    Args:
        registry: where compiled specs are committed.
        sources: spec files, folders of specs, and http(s) URLs (a ``SpecConfig`` or its source).
        debounce_ms: quiet time before a changed spec is reloaded (overrides ``settings``).
        poll_interval: seconds between polls of every URL (default: each ``SpecConfig.poll_interval``).
        force_polling: poll files instead of using the operating system's file events.
        settings: every other timing; see :class:`ReloadSettings`.
        on_outcome: called on the event loop with every reload outcome.

    Example::

        registry = Registry()
        async with Watcher(registry, ["specs/", "https://api.example.com/openapi.json"]) as watcher:
            async for outcome in watcher.events():
                print(outcome.key, outcome.summary())
    """

    def __init__(
        self,
        registry: Registry,
        sources: Sequence[SpecConfig | str],
        *,
        debounce_ms: float | None = None,
        poll_interval: float | None = None,
        force_polling: bool = False,
        settings: ReloadSettings | None = None,
        on_outcome: OutcomeCallback | None = None,
    ) -> None:
        self.settings = settings or ReloadSettings()
        if debounce_ms is not None:
            self.settings = replace(self.settings, debounce=debounce_ms / 1000)
        if poll_interval is not None:
            self.settings = replace(self.settings, poll_interval=poll_interval)
        self.registry = registry
        self._configs = [s if isinstance(s, SpecConfig) else SpecConfig(source=str(s)) for s in sources]
        self._force_polling = force_polling
        self._on_outcome = on_outcome
        self._files: dict[str, FileTarget] = {}
        self._urls: dict[str, UrlTarget] = {}
        self._folders: dict[str, SpecConfig] = {}
        self._index: dict[str, set[str]] = {}
        self._file_reloader = FileReloader(registry, self.settings)
        self._url_reloader = UrlReloader(registry, self.settings)
        self._subscribers: set[asyncio.Queue[ReloadOutcome | None]] = set()
        self._pollers: list[asyncio.Task[None]] = []
        self._queue: ReloadQueue | None = None
        self._events: FileEvents | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    @property
    def polling(self) -> bool:
        """True when files are polled rather than watched through native events."""
        return isinstance(self._events, PollingEvents)

    @property
    def sources(self) -> dict[str, str | None]:
        """Every watched file and URL, with the registry name of its spec (None until loaded)."""
        found: dict[str, str | None] = {k: t.name for k, t in self._files.items()}
        found.update((k, t.name) for k, t in self._urls.items())
        return found

    async def start(self) -> None:
        """Load every source (waiting for the result), then start watching and polling."""
        if self._queue is not None:
            raise ConfigError("the watcher was already started")
        self._loop = asyncio.get_running_loop()
        s = self.settings
        self._queue = ReloadQueue(self._handle, debounce=s.debounce, max_wait=s.max_wait,
                                  max_workers=s.max_workers, on_outcome=self._emit)
        try:
            for config in self._configs:
                self._add_source(config)
            self._start_events()
            for key in [*self._files, *self._urls]:
                self._queue.request(key, pipeline.Trigger.STARTUP, delay=0)
            await self._queue.wait_idle()
        except BaseException:
            await self.aclose()
            raise
        self._pollers = [asyncio.create_task(poll_url(t, self._queue, s), name=f"toolsync-poll:{t.key}")
                         for t in self._urls.values()]

    async def aclose(self) -> None:
        """Stop polling and watching, let running reloads finish, end every events() iterator."""
        for task in self._pollers:
            task.cancel()
        await asyncio.gather(*self._pollers, return_exceptions=True)
        self._pollers = []
        if self._events is not None:
            self._events.close()
        if self._queue is not None:
            await self._queue.aclose()
        for subscriber in self._subscribers:
            subscriber.put_nowait(None)

    def request_reload(self, spec: str, trigger: Trigger | None = None) -> str:
        """
        Reload ``spec`` (a spec name, a watched path or URL) soon; safe from any thread.

        Returns the watched source that will be reloaded.

        Raises:
            RegistryError: nothing watched matches ``spec``.
        """
        key = self._resolve(spec)
        if self._queue is None or self._loop is None:
            raise RegistryError("the watcher is not running", source=spec)
        trigger = trigger or pipeline.Trigger.API
        try:
            same_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            same_loop = False
        if same_loop:
            self._queue.request(key, trigger)
        else:
            self._queue.request_threadsafe(key, trigger)
        return key

    async def wait_idle(self) -> None:
        """Return once no reload is waiting, retrying or running."""
        if self._queue is not None:
            await self._queue.wait_idle()

    async def events(self) -> AsyncIterator[ReloadOutcome]:
        """Every reload outcome from now on, until the watcher closes."""
        if self._queue is not None and self._queue.closed:
            return
        inbox: asyncio.Queue[ReloadOutcome | None] = asyncio.Queue()
        self._subscribers.add(inbox)
        try:
            while (outcome := await inbox.get()) is not None:
                yield outcome
        finally:
            self._subscribers.discard(inbox)

    # -- sources -------------------------------------------------------------------------

    def _add_source(self, config: SpecConfig) -> None:
        if is_url(config.source):
            self._urls[config.source] = UrlTarget(config.source, config)
            return
        path = os.path.abspath(os.path.expanduser(config.source))
        if os.path.isdir(path):
            self._folders[path] = config
            for found in discover(Path(path), limits=config.limits):
                self._add_file(os.path.abspath(found), config, folder=path)
        else:
            self._add_file(path, config, folder=None)

    def _add_file(self, path: str, template: SpecConfig, *, folder: str | None) -> FileTarget:
        # Specs found in a folder are named by their own title or file name, not the folder's.
        config = replace(template, source=path, name=None if folder else template.name)
        target = self._files[path] = FileTarget(path, config, folder)
        return target

    def _resolve(self, spec: str) -> str:
        if spec in self._files or spec in self._urls:
            return spec
        path = os.path.abspath(os.path.expanduser(spec))
        if path in self._files:
            return path
        for key, name in self.sources.items():
            if name == spec:
                return key
        raise RegistryError(f"no watched spec is named {spec!r} or comes from that path or URL", source=spec)

    # -- file events ---------------------------------------------------------------------

    def _watch_set(self) -> WatchSet:
        index: dict[str, set[str]] = {}
        for key, target in self._files.items():
            for path in target.paths():
                index.setdefault(path, set()).add(key)
        self._index = index
        return WatchSet(dirs=frozenset(os.path.dirname(p) for p in index),
                        trees=frozenset(self._folders), files=frozenset(index))

    def _start_events(self) -> None:
        watch = self._watch_set()
        if not self._force_polling:
            try:
                self._events = NativeEvents(self._on_changes, self._on_events_error)
                self._events.update(watch)
                return
            except (OSError, RuntimeError) as exc:
                log.warning("native file events are unavailable (%s); polling instead", exc)
        self._events = self._polling_events()
        self._events.update(watch)

    def _polling_events(self) -> PollingEvents:
        return PollingEvents(self._on_changes, self._on_events_error,
                             interval=self.settings.file_poll_interval, is_candidate=is_candidate)

    def _on_events_error(self, exc: Exception) -> None:
        if self._queue is None or self._queue.closed or self.polling:
            return
        log.warning("native file events failed (%s); polling instead", exc)
        if self._events is not None:
            self._events.close()
        self._events = self._polling_events()
        self._events.update(self._watch_set())

    def _on_changes(self, changes: Changes) -> None:
        if self._queue is None or self._queue.closed:
            return
        for change, raw in changes:
            path = os.path.abspath(raw)
            for key in self._keys_for(change, path):
                self._queue.request(key, pipeline.Trigger.FILE)

    def _keys_for(self, change: Change, path: str) -> set[str]:
        keys = set(self._index.get(path, ()))
        if keys:
            return keys
        folder = self._folder_of(path)
        if change == Change.deleted:
            # A deleted folder takes its specs with it.
            prefix = path.rstrip(os.sep) + os.sep
            return {key for key in self._files if key.startswith(prefix)}
        if folder is None:
            return set()
        for new in self._new_files(path, folder):
            if new not in self._files:
                self._add_file(new, self._folders[folder], folder=folder)
                keys.add(new)
        if keys and self._events is not None:
            self._events.update(self._watch_set())
        return keys

    def _new_files(self, path: str, folder: str) -> list[str]:
        """Spec candidates that ``path`` brings into a watched folder (a file, or a folder moved in)."""
        if any(part.startswith(".") for part in Path(os.path.relpath(path, folder)).parts):
            return []  # hidden files and folders, like discovery skips them
        if not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder)):
            return []  # a symlink that leads out of the folder
        if not os.path.isdir(path):
            return [path] if is_candidate(path) else []
        try:
            return [os.path.abspath(p) for p in discover(Path(path), limits=self._folders[folder].limits)]
        except ToolsyncError:
            return []  # gone again already

    def _folder_of(self, path: str) -> str | None:
        holders = [f for f in self._folders if path.startswith(f.rstrip(os.sep) + os.sep)]
        return max(holders, key=len) if holders else None

    # -- reloads -------------------------------------------------------------------------

    def _handle(self, request: ReloadRequest) -> ReloadOutcome | Retry | None:
        target = self._files.get(request.key)
        if target is not None:
            return self._file_reloader.handle(target, request)
        url = self._urls.get(request.key)
        return self._url_reloader.handle(url, request) if url is not None else None

    def _emit(self, outcome: ReloadOutcome) -> None:
        target = self._files.get(outcome.key)
        if (target is not None and target.folder is not None
                and outcome.kind in (OutcomeKind.IGNORED, OutcomeKind.REMOVED)
                and not os.path.exists(outcome.key)):
            del self._files[outcome.key]
        if self._events is not None and not self._queue_closed():
            self._events.update(self._watch_set())
        for subscriber in self._subscribers:
            subscriber.put_nowait(outcome)
        if self._on_outcome is not None:
            self._on_outcome(outcome)

    def _queue_closed(self) -> bool:
        return self._queue is None or self._queue.closed


class ThreadedWatcher:
    """
    A :class:`Watcher` on a background thread with its own event loop, for synchronous programs.

    ``start()`` returns once every source was loaded; ``stop()`` joins the thread. Outcomes
    go to ``on_outcome``, called on the watcher's thread.

    Example::

        with ThreadedWatcher(registry, ["petstore.yaml"], on_outcome=print):
            serve_forever()
    """

    def __init__(
        self,
        registry: Registry,
        sources: Sequence[SpecConfig | str],
        *,
        debounce_ms: float | None = None,
        poll_interval: float | None = None,
        force_polling: bool = False,
        settings: ReloadSettings | None = None,
        on_outcome: OutcomeCallback | None = None,
    ) -> None:
        self._make: Callable[[], Watcher] = functools.partial(
            Watcher, registry, sources, debounce_ms=debounce_ms, poll_interval=poll_interval,
            force_polling=force_polling, settings=settings, on_outcome=on_outcome)
        self._watcher: Watcher | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def watcher(self) -> Watcher:
        if self._watcher is None:
            raise RegistryError("the threaded watcher is not running")
        return self._watcher

    def start(self) -> None:
        """Start the thread and wait until every source was loaded once."""
        if self._thread is not None:
            raise ConfigError("the threaded watcher was already started")
        self._thread = threading.Thread(target=self._run, name="toolsync-watcher", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error

    def stop(self) -> None:
        """Stop watching and join the thread (running reloads finish first)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended (the thread failed)
                self._loop.call_soon_threadsafe(self._stop.set)
        thread.join()

    def request_reload(self, spec: str, trigger: Trigger | None = None) -> str:
        """See :meth:`Watcher.request_reload`."""
        return self.watcher.request_reload(spec, trigger)

    def wait_idle(self, timeout: float | None = None) -> None:
        """Block until no reload is waiting, retrying or running."""
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.watcher.wait_idle(), self._loop).result(timeout)

    @property
    def sources(self) -> dict[str, str | None]:
        return self.watcher.sources

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            if not self._ready.is_set():
                self._error = exc
            else:
                log.exception("the watcher thread stopped")
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with self._make() as watcher:
            self._watcher = watcher
            self._ready.set()
            await self._stop.wait()
        self._watcher = None
