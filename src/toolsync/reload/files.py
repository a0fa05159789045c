"""
Spec files: when to load one, when to wait, when to give up and when to drop it.

A file is loaded only once it has settled: its change time (and what this process saw) is at
least ``settle`` seconds old when it is read, the read was not torn by a write, and the very
bytes that were hashed are what the pipeline compiles; files the spec references through
``$ref`` must be unchanged after the load too. A result that looks cut off (it would remove
tools, it is a new spec, or a YAML file lacks its final newline) must in addition be
``confirm`` seconds old: a spec truncated mid-save can still be valid YAML with fewer
operations. Parse and spec errors of a file still being written are retried a few times with
short waits before the failure is reported and the last good version kept. A deleted file's
tools stay for ``grace`` seconds, so a delete-then-create save drops nothing.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import NameConflictError, SourceError, ToolsyncError
from . import _pipeline as pipeline
from .filestate import FileState, observe, read
from .outcome import OutcomeKind, ReloadOutcome
from .queue import ReloadRequest, Retry
from .settings import ReloadSettings

if TYPE_CHECKING:
    from ..config import SpecConfig
    from ..registry import ChangeSet, Registry

__all__ = ["SPEC_SUFFIXES", "FileReloader", "FileTarget", "is_candidate", "looks_like_spec"]

SPEC_SUFFIXES = (".json", ".yaml", ".yml")

States = dict[str, FileState | None]
_ContentKey = tuple[tuple[str, str | None], ...]


def is_candidate(path: str) -> bool:
    """Could ``path`` be a spec file? (Not hidden, not an editor's backup/lock/swap file.)"""
    name = os.path.basename(path)
    if name.startswith((".", "#")) or name.endswith(("~", "#")):
        return False
    return name.lower().endswith(SPEC_SUFFIXES)


# A YAML key at the start of a line, or a JSON key anywhere (minified JSON is one line).
_SPEC_KEY = re.compile(rb"""^\s*['"]?(?:openapi|swagger)['"]?\s*:|"(?:openapi|swagger)"\s*:""", re.MULTILINE)


def looks_like_spec(data: bytes, head: int = 64 * 1024) -> bool:
    """A cheap sniff: does an ``openapi:`` or ``swagger:`` key appear near the top of the document?"""
    return _SPEC_KEY.search(data[:head]) is not None


@dataclass(eq=False)
class FileTarget:
    """One watched spec file and what the watcher remembers about it."""

    key: str  # absolute path as given or found (symlinks not resolved)
    config: SpecConfig  # config.source == key
    folder: str | None = None  # the folder source that found it; None when named explicitly
    name: str | None = None  # registry name of the spec once loaded
    compiled: pipeline.CompiledSpec | None = None  # last committed, reused for unchanged operations
    committed: dict[str, FileState] = field(default_factory=dict)  # main file + refs at last commit
    refs: tuple[str, ...] = ()  # files the spec references through relative $refs
    missing_since: float | None = None
    failing: tuple[_ContentKey, int] | None = None  # content that failed to load, and how often
    reported: _ContentKey | None = None  # content whose failure was already reported
    candidate: tuple[States, pipeline.CompiledSpec] | None = None  # a result waiting for confirmation
    # The version of the file last observed, and when (monotonic) it was first seen.
    first_seen: tuple[object, float] | None = None

    def observed_age(self, states: States) -> float:
        """Seconds this exact version of the file has been seen unchanged by this process (0 when new)."""
        main = states.get(self.key)
        version = main and (main.size, main.mtime_ns, main.changed_ns, main.inode, main.digest)
        now = time.monotonic()
        if self.first_seen is None or self.first_seen[0] != version:
            self.first_seen = (version, now)
        return now - self.first_seen[1]

    def paths(self) -> set[str]:
        """Every path whose change should reload this spec: itself, a symlink's target, its refs."""
        return {self.key, os.path.realpath(self.key), *self.refs}

    def forget(self) -> None:
        """Back to the state of a file never loaded (after its tools were removed)."""
        self.name, self.compiled, self.committed, self.refs = None, None, {}, ()
        self.missing_since = self.failing = self.reported = self.candidate = None


class FileReloader:
    """Runs one reload of one :class:`FileTarget` (on a queue worker thread)."""

    def __init__(self, registry: Registry, settings: ReloadSettings) -> None:
        self._registry = registry
        self._settings = settings
        self._owners: dict[str, str] = {}  # spec name -> key of the file that registered it
        self._lock = threading.Lock()

    def handle(self, target: FileTarget, request: ReloadRequest) -> ReloadOutcome | Retry | None:
        """Load, wait, retry, report or remove; see the module docstring."""
        try:
            return self._handle(target, request)
        except ToolsyncError as error:
            return self._give_up(target, request, error, None)

    def _handle(self, target: FileTarget, request: ReloadRequest) -> ReloadOutcome | Retry | None:
        found = read(target.key, max_bytes=target.config.limits.max_bytes)
        if found is None:
            return self._missing(target, request)
        main, data = found
        target.missing_since = None
        if target.name is None and target.folder is not None and not looks_like_spec(data):
            return self._outcome(OutcomeKind.IGNORED, target, request, message="not an OpenAPI or Swagger file")
        states = {target.key: main, **self._observe(target.refs, target)}
        passive = request.trigger == pipeline.Trigger.FILE
        if passive and _same_content(states, target.committed):
            target.failing = target.candidate = None
            return None  # saved without a change, or a change undone
        if passive and _content_key(states) == target.reported:
            return None  # the broken content that was already reported
        if (wait := self._settings.settle - self._age(target, states)) > 0:
            return Retry(wait, "the file is still being written")
        try:
            compiled, after = self._compile(target, states, data)
        except ToolsyncError as error:
            return self._compile_failed(target, request, error, states)
        return self._check(target, request, compiled, after, states)

    def _check(
        self, target: FileTarget, request: ReloadRequest, compiled: pipeline.CompiledSpec, after: States,
        before: States,
    ) -> ReloadOutcome | Retry:
        """Commit ``compiled`` unless a referenced file moved or the result looks cut off."""
        if any(state is None or not state.same_version(before.get(path, state)) for path, state in after.items()):
            return Retry(self._settings.debounce, "a referenced file changed while the spec was loaded")
        age = self._age(target, after)
        if (wait := self._settings.settle - age) > 0:
            return Retry(wait, "a referenced file is still being written")
        reason = self._suspect(target, compiled, after, request)
        if reason and (wait := self._settings.confirm - age) > 0:
            target.candidate = (after, compiled)
            return Retry(wait, f"{reason}; waiting for the file to settle")
        return self._commit(target, request, compiled, after)

    def _observe(self, paths: Iterable[str], target: FileTarget) -> States:
        limit = target.config.limits.max_bytes
        return {path: observe(path, max_bytes=limit) for path in paths}

    def _age(self, target: FileTarget, states: States) -> float:
        # File times can lie (a server's clock, a coarse timestamp); what this process saw
        # stay unchanged for a while is settled too.
        return max(_age(states), target.observed_age(states))

    def _compile(self, target: FileTarget, states: States, data: bytes) -> tuple[pipeline.CompiledSpec, States]:
        """Compile the very bytes that were hashed; refs are read by the loader and checked after."""
        candidate, target.candidate = target.candidate, None
        main = states[target.key]
        assert main is not None
        if candidate is not None:
            seen, compiled = candidate
            again = {target.key: main, **self._observe((p for p in seen if p != target.key), target)}
            if all(state is not None and state.same_version(seen[path]) for path, state in again.items()):
                return compiled, again  # confirmed: nothing moved since it was compiled
        payload = pipeline.SourceBytes(data=data, location=target.key, fingerprint=main.digest,
                                       mtime_ns=main.mtime_ns, size=main.size,
                                       media_type=pipeline.media_type_for(target.key))
        # Once loaded, a spec keeps its registry name even if its title changes.
        compiled = pipeline.compile_bytes(self._registry, target.config, payload, target.compiled, target.name)
        return compiled, {target.key: main, **self._observe(_refs(compiled), target)}

    def _compile_failed(
        self, target: FileTarget, request: ReloadRequest, error: ToolsyncError, states: States
    ) -> Retry | ReloadOutcome:
        content = _content_key(states)
        attempts = target.failing[1] + 1 if target.failing and target.failing[0] == content else 1
        target.failing = (content, attempts)
        delays = self._settings.retry_delays
        # Retries wait out a writer that is still busy; a file left alone this long is just broken.
        young = _age(states) < self._settings.confirm
        if attempts <= len(delays) and young:
            return Retry(delays[attempts - 1], str(error))
        return self._give_up(target, request, error, content)

    def _suspect(
        self, target: FileTarget, compiled: pipeline.CompiledSpec, after: States, request: ReloadRequest
    ) -> str | None:
        if request.trigger != pipeline.Trigger.FILE:
            return None  # startup and explicit requests load what is there
        current = pipeline.spec_tools(self._registry, target.name or compiled.spec.name)
        if not current:
            return "it is a new spec"
        removed = current - set(compiled.tools)
        if removed:
            return f"it would remove {len(removed)} of {len(current)} tools"
        main = after[target.key]
        if main is not None and target.key.endswith((".yaml", ".yml")) and not main.ends_with_newline:
            return "it does not end with a newline"
        return None

    def _commit(
        self, target: FileTarget, request: ReloadRequest, compiled: pipeline.CompiledSpec, after: States
    ) -> ReloadOutcome:
        name = compiled.spec.name
        other = self._claim(name, target.key)
        if other is not None:
            conflict = NameConflictError(
                f"the spec name {name!r} is already used by {other}; give the specs distinct titles "
                "or set a name in the configuration", source=target.key)
            return self._give_up(target, request, conflict, _content_key(after))
        try:
            changes = pipeline.commit(self._registry, compiled, request.trigger)
        except ToolsyncError as error:
            if target.name != name:
                self._release(name, target.key)
            return self._give_up(target, request, error, _content_key(after))
        target.name, target.compiled, target.refs = name, pipeline.lean(compiled), _refs(compiled)
        target.committed = {path: state for path, state in after.items() if state is not None}
        target.failing = target.reported = None
        kind = OutcomeKind.APPLIED if changes.version is not None else OutcomeKind.UNCHANGED
        return self._outcome(kind, target, request, changes=changes)

    def _missing(self, target: FileTarget, request: ReloadRequest) -> ReloadOutcome | Retry:
        if target.name is None:
            if target.folder is not None or request.trigger == pipeline.Trigger.FILE:
                return self._outcome(OutcomeKind.IGNORED, target, request, message="the file is gone")
            return self._give_up(target, request, SourceError("file not found", source=target.key), None)
        now = time.monotonic()
        if target.missing_since is None:
            target.missing_since = now
        waited = now - target.missing_since
        if waited < self._settings.grace:
            return Retry(self._settings.grace - waited, "the file is gone; waiting in case it is replaced")
        name = target.name
        changes = pipeline.remove(self._registry, name, request.trigger)
        self._release(name, target.key)
        target.forget()
        return self._outcome(OutcomeKind.REMOVED, target, request, spec=name, changes=changes,
                             message="the file was deleted")

    def _give_up(
        self, target: FileTarget, request: ReloadRequest, error: ToolsyncError, content: _ContentKey | None
    ) -> ReloadOutcome:
        error = pipeline.naming(error, target.key)
        target.failing, target.reported, target.candidate = None, content, None
        pipeline.record_failure(self._registry, target.config, error, request.trigger, target.name)
        return self._outcome(OutcomeKind.FAILED, target, request, error=error, message=error.message)

    def _outcome(
        self,
        kind: OutcomeKind,
        target: FileTarget,
        request: ReloadRequest,
        *,
        spec: str | None = None,
        changes: ChangeSet | None = None,
        error: ToolsyncError | None = None,
        message: str = "",
    ) -> ReloadOutcome:
        return ReloadOutcome(
            kind, target.key, request.trigger, spec=spec or target.name, changes=changes, error=error,
            version=pipeline.version(self._registry), events=request.events, attempts=request.attempt + 1,
            duration=time.monotonic() - request.started if request.started else 0.0, message=message,
        )

    def _claim(self, name: str, key: str) -> str | None:
        with self._lock:
            owner = self._owners.setdefault(name, key)
        return None if owner == key else owner

    def _release(self, name: str, key: str) -> None:
        with self._lock:
            if self._owners.get(name) == key:
                del self._owners[name]


def _age(states: Mapping[str, FileState | None]) -> float:
    """Seconds since the most recent change among the files."""
    now = time.time_ns()
    ages = [state.age(now) for state in states.values() if state is not None]
    return min(ages) if ages else 0.0


def _content_key(states: States) -> _ContentKey:
    return tuple(sorted((path, state.digest if state else None) for path, state in states.items()))


def _same_content(states: States, committed: Mapping[str, FileState]) -> bool:
    return bool(committed) and all(
        state is not None and state.same_content(committed.get(path)) for path, state in states.items()
    )


def _refs(compiled: pipeline.CompiledSpec) -> tuple[str, ...]:
    paths = (p.removeprefix("file://") for p in compiled.spec.referenced_files)
    return tuple(sorted({os.path.abspath(p) for p in paths}))
