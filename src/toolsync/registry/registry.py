"""
The registry: the current :class:`Snapshot`, how it changes, and what it remembers.

Readers take ``registry.snapshot`` (one reference, never a lock) and see one whole version.
Writers compile outside any lock, then build the next snapshot off to the side and, under the
writer lock, persist it in one store transaction and swap the reference. Listeners are told after
the swap, in commit order. A failed load raises and records ``SpecFailed`` while the registry
stays exactly as it was.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from ..config import BreakingPolicy, SpecConfig
from ..diff import Finding, FindingSeverity
from ..errors import HistoryError, RegistryError, SpecError, ToolNotFoundError, ToolsyncError
from ..ir import Spec
from ..pipeline import CompiledSpec, acompile_spec, compile_spec, render_definitions
from ..spec.build import gc_paused
from ..stores.base import AuditRecord, HistoryEntry, Store, StoreConflictError, StoredEvent, StoredState
from ..stores.memory import MemoryStore
from ..tool import Tool
from ._build import entry_bytes, make_registered, restore, stored_tools
from ._listeners import Listener, Listeners
from ._names import Incoming, resolve_names
from ._policy import breaking_tools, findings_for
from .events import (
    BreakingChangeDetected,
    ChangeApproved,
    ChangeEvent,
    ChangeHeld,
    ChangeRejected,
    Event,
    RolledBack,
    SpecFailed,
    SpecLoaded,
    SpecRemoved,
    ToolAdded,
    ToolRemoved,
    ToolUpdated,
    event_from_dict,
)
from .model import (
    ChangeSet,
    HeldChange,
    Outcome,
    RegisteredTool,
    RegistryOptions,
    Snapshot,
    SpecEntry,
    SpecStatus,
    Trigger,
)
from .summary import RegistrySummary, summarize

if TYPE_CHECKING:
    from ..diff import DiffReport

__all__ = ["Registry"]

log = logging.getLogger("toolsync.registry")

_T = TypeVar("_T")
_CONFLICT_RETRIES = 3
_PRUNE_EVERY = 10
_DEFAULT_OPTIONS = RegistryOptions()
Tools = dict[str, RegisteredTool]


class Registry:
    """
    Holds the tools of every loaded spec, one immutable snapshot at a time.

    Args:
        store: where versions, history, events and audit go (``None``: a fresh ``MemoryStore``).
            The registry starts from the store's last committed version and closes it in ``close()``.
        options: conflict policy, history retention, tool options, breaking-change diff.

    Thread-safe and asyncio-safe: async programs use the ``a*`` twins, or ``asyncio.to_thread``.

    Example:
        >>> registry = Registry()
        >>> changes = registry.load("petstore.yaml")  # doctest: +SKIP
        >>> changes.summary()  # doctest: +SKIP
        '+3 -0 ~0 =0'
        >>> registry.snapshot.rendered("openai")  # doctest: +SKIP
    """

    def __init__(self, store: Store | None = None, *, options: RegistryOptions = _DEFAULT_OPTIONS) -> None:
        self.options = options
        self._store: Store = store if store is not None else MemoryStore()
        self._lock = threading.RLock()
        self._listeners = Listeners()
        self._compiled: dict[str, CompiledSpec] = {}
        self._held: dict[str, HeldChange] = {}
        self._failures: dict[str, str] = {}
        self._committing: int | None = None
        self._entry_bytes: dict[int, tuple[SpecEntry, bytes]] = {}
        self._closed = False
        try:
            self._snapshot = self._initial_snapshot()
        except BaseException:
            self._store.close()  # the caller has no handle on a store built inline; do not leak it
            raise
        self._unsubscribe = self._store.subscribe(self._on_store_commit)

    # -- reading ---------------------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The current version. Hold on to it to read several things from one consistent state."""
        return self._snapshot

    @property
    def version(self) -> int:
        return self._snapshot.version

    @property
    def store(self) -> Store:
        return self._store

    @property
    def failures(self) -> Mapping[str, str]:
        """Specs (by name, or source when never loaded) whose last load failed, with the reason."""
        with self._lock:
            return dict(self._failures)

    def get(self, name: str) -> RegisteredTool | None:
        return self._snapshot.tools.get(name)

    def get_all(self, provider: str | None = None) -> list[Any]:
        """Every tool's definition for ``provider`` (sorted by name), or every ``RegisteredTool``."""
        snapshot = self._snapshot
        if provider is None:
            return list(snapshot.tools.values())
        return list(snapshot.rendered(provider))

    def get_by_spec(self, spec_name: str) -> list[RegisteredTool]:
        return list(self._snapshot.by_spec(spec_name))

    def summary(self) -> RegistrySummary:
        """Counts per spec and provider; ``print(registry.summary())`` shows a table."""
        return summarize(self._snapshot, held=len(self._held))

    def held(self) -> list[HeldChange]:
        """Changes a ``block`` policy holds, oldest first."""
        with self._lock:
            return sorted(self._held.values(), key=lambda h: h.created_at)

    def on_change(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback(ChangeEvent)`` after every step; returns the unsubscribe function."""
        return self._listeners.add(callback)

    # -- loading ---------------------------------------------------------------------------------

    def load(self, config: SpecConfig | str, *, trigger: Trigger = Trigger.API) -> ChangeSet:
        """
        Compile a spec and commit its tools as one new version.

        Raises:
            ToolsyncError: loading, converting or committing failed (also recorded as ``SpecFailed``
                in events and audit); the registry is unchanged.
        """
        config = _as_config(config)
        # The collector stays paused until the commit has let go of the compile's document: it then never
        # scans the millions of objects of a large spec that are garbage a moment later.
        with gc_paused():
            try:
                compiled = compile_spec(config, previous=self._previous(config),
                                        options=self.options.tool_options)
            except ToolsyncError as exc:
                self.record_failure(config, exc, trigger=trigger)
                raise
            except Exception as exc:  # a bug below must not escape as a bare exception
                error = _unexpected(exc, config.source)
                self.record_failure(config, error, trigger=trigger)
                raise error from exc
            changes = self.apply(compiled, trigger=trigger)
            del compiled
        return changes

    async def aload(self, config: SpecConfig | str, *, trigger: Trigger = Trigger.API) -> ChangeSet:
        """The asyncio twin of :meth:`load`."""
        config = _as_config(config)
        try:
            compiled = await acompile_spec(config, previous=self._previous(config),
                                           options=self.options.tool_options)
        except ToolsyncError as exc:
            await asyncio.to_thread(self.record_failure, config, exc, trigger=trigger)
            raise
        except Exception as exc:
            error = _unexpected(exc, config.source)
            await asyncio.to_thread(self.record_failure, config, error, trigger=trigger)
            raise error from exc
        return await asyncio.to_thread(self.apply, compiled, trigger=trigger)

    def reload(self, spec_name: str, *, trigger: Trigger = Trigger.API) -> ChangeSet:
        """Load a registered spec again with the configuration it was loaded with."""
        return self.load(self._config_of(spec_name), trigger=trigger)

    async def areload(self, spec_name: str, *, trigger: Trigger = Trigger.API) -> ChangeSet:
        return await self.aload(self._config_of(spec_name), trigger=trigger)

    def apply(self, compiled: CompiledSpec, *, trigger: Trigger = Trigger.API) -> ChangeSet:
        """Commit an already compiled spec (see :func:`toolsync.pipeline.compile_spec`)."""
        return self._apply(compiled, trigger, None, None)

    async def aapply(self, compiled: CompiledSpec, *, trigger: Trigger = Trigger.API) -> ChangeSet:
        return await asyncio.to_thread(self.apply, compiled, trigger=trigger)

    def record_failure(self, config: SpecConfig | str, error: ToolsyncError, *, trigger: Trigger = Trigger.API,
                       action: str = "load", spec: str | None = None) -> None:
        """Record a failed attempt: ``SpecFailed`` event, audit line, spec status. No new version."""
        config = _as_config(config)
        with self._lock:
            snapshot = self._snapshot
            name = spec or config.name or self._name_for_source(config.source)
            self._failures[name or config.source] = str(error)
            entry = snapshot.specs.get(name) if name else None
            if entry is not None:
                self._swap_entries({name: dataclasses.replace(entry, status=SpecStatus.FAILED,  # type: ignore[dict-item]
                                                              last_error=str(error))})
            event = SpecFailed(version=snapshot.version, spec=name, time=time.time(), trigger=trigger,
                               source=config.source, error=type(error).__name__, message=str(error))
            self._note(name, trigger, action, Outcome.FAILED, [event], None, str(error))
        self._listeners.deliver()

    # -- seed surface: one tool at a time --------------------------------------------------------

    def register(self, tool: Tool, *, definitions: Mapping[str, Mapping[str, Any]] | None = None,
                 trigger: Trigger = Trigger.API) -> ChangeSet:
        """Add or replace one tool in its spec (``tool.spec_name``), rendering it when no definitions given."""
        defs = definitions if definitions is not None else render_definitions(tool, self.options.tool_options)
        return self._locked(lambda: self._register(tool, defs, trigger),
                            audit=("register", tool.spec_name, trigger))

    def unregister(self, name: str, *, trigger: Trigger = Trigger.API) -> ChangeSet:
        """Remove one tool. Raises ``ToolNotFoundError`` when no tool has that name."""
        return self._locked(lambda: self._unregister(name, trigger), audit=("unregister", None, trigger))

    def unregister_spec(self, spec_name: str, *, trigger: Trigger = Trigger.API) -> ChangeSet:
        """Remove a spec and all its tools."""
        return self._locked(lambda: self._unregister_spec(spec_name, trigger),
                            audit=("unregister_spec", spec_name, trigger))

    # -- history, rollback, held changes ---------------------------------------------------------

    def history(self, spec: str | None = None, tool: str | None = None, limit: int = 100) -> list[HistoryEntry]:
        """Kept versions, newest first, optionally those touching ``spec`` or ``tool``."""
        oldest = self._snapshot.version - self.options.history_limit
        entries = self._store.history(spec=spec, tool=tool, limit=limit)
        return [e for e in entries if e.version > oldest]

    def tool_history(self, name: str, limit: int = 100) -> list[HistoryEntry]:
        return self.history(tool=name, limit=limit)

    def audit(self, limit: int = 100, *, spec: str | None = None) -> list[AuditRecord]:
        """Every attempt to change the registry, newest first."""
        return self._store.audit(limit=limit, spec=spec)

    def events_since(self, version: int, *, limit: int | None = None) -> list[Event]:
        """Events after ``version``, oldest first (resume a stream after a disconnect)."""
        out: list[Event] = []
        for stored in self._store.events_since(version, limit=limit):
            try:
                out.append(event_from_dict(stored.data))
            except RegistryError:
                log.warning("skipping stored event %d of unknown shape (kind %r)", stored.seq, stored.kind)
        return out

    def snapshot_at(self, version: int) -> Snapshot:
        """
        The snapshot a kept version served (the current one for ``registry.version``).

        Raises:
            HistoryError: the version is not in the kept history.
        """
        current = self._snapshot
        if version == current.version:
            return current
        state = self._kept_version(version)
        specs, tools = restore(state, reuse=current.tools)
        return Snapshot.build(state.version, state.created_at, specs, tools)

    def rollback(self, to_version: int, *, spec: str | None = None,
                 trigger: Trigger = Trigger.ROLLBACK) -> ChangeSet:
        """
        Serve again what version ``to_version`` served: the whole registry, or only ``spec``'s tools.

        The rollback is itself a new version (history moves forward) and emits ``RolledBack``. A spec
        that did not exist at ``to_version`` is removed.

        Raises:
            HistoryError: ``to_version`` is not in the kept history.
        """
        return self._locked(lambda: self._rollback(to_version, spec, trigger), audit=("rollback", spec, trigger))

    def approve(self, held_id: str, *, trigger: Trigger = Trigger.API) -> ChangeSet:
        """Apply a held change in full."""
        held = self._held_change(held_id)
        return self._apply(held.compiled, trigger, BreakingPolicy.ALLOW, held_id)

    def reject(self, held_id: str, *, trigger: Trigger = Trigger.API) -> HeldChange:
        """Drop a held change; the tools it would have changed stay as they are."""
        with self._lock:
            held = self._held_change(held_id)
            del self._held[held_id]
            entry = self._snapshot.specs.get(held.spec)
            if entry is not None and entry.held == held_id:
                self._swap_entries({held.spec: dataclasses.replace(entry, status=SpecStatus.OK, held=None)})
            event = ChangeRejected(version=self._snapshot.version, spec=held.spec, time=time.time(),
                                   trigger=trigger, held_id=held_id)
            self._note(held.spec, trigger, "reject", Outcome.OK, [event], None, f"rejected held change {held_id}")
        self._listeners.deliver()
        return held

    def check_breaking_changes(self, spec: str, source_spec: Spec | CompiledSpec) -> DiffReport:
        """Compare the registered version of ``spec`` with a new one, before registering anything."""
        from ..diff import diff_specs

        new = source_spec.spec if isinstance(source_spec, CompiledSpec) else source_spec
        new_tools = source_spec.by_operation() if isinstance(source_spec, CompiledSpec) else None
        compiled = self._compiled.get(spec)
        registered = self._snapshot.by_spec(spec)
        old = compiled.spec if compiled is not None else _spec_from_tools(spec, self._snapshot, registered)
        old_tools = {t.tool.operation_key: t.tool for t in registered}
        return diff_specs(old, new, old_tools=old_tools, new_tools=new_tools)

    # -- replicas --------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Adopt a newer version another writer committed to the store; True when one was adopted."""
        with self._lock:
            adopted = self._adopt_latest()
        self._listeners.deliver()
        return adopted

    def close(self) -> None:
        """Stop listening to the store and close it. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._unsubscribe()
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        snapshot = self._snapshot
        return f"<Registry version={snapshot.version} specs={len(snapshot.specs)} tools={len(snapshot.tools)}>"

    # -- internals: applying a compiled spec -----------------------------------------------------

    def _apply(self, compiled: CompiledSpec, trigger: Trigger, policy: BreakingPolicy | None,
               approved: str | None) -> ChangeSet:
        try:
            return self._locked(lambda: self._apply_locked(compiled, trigger, policy, approved))
        except ToolsyncError as exc:
            self.record_failure(compiled.config, exc, trigger=trigger, action="approve" if approved else "apply",
                                spec=compiled.name)
            raise

    def _apply_locked(self, compiled: CompiledSpec, trigger: Trigger, policy: BreakingPolicy | None,
                      approved: str | None) -> ChangeSet:
        snapshot, name, now = self._snapshot, compiled.name, time.time()
        old_entry = snapshot.specs.get(name)
        old_tools = {n: snapshot.tools[n] for n in (old_entry.tools if old_entry else ()) if n in snapshot.tools}
        incoming = resolve_names(name, compiled.tools, compiled.definitions, snapshot.tools, self.options.conflicts,
                                 lambda tool: render_definitions(tool, compiled.options))
        findings = findings_for(old_tools, {n: t for n, (t, _) in incoming.items()}, self.options.diff_operations,
                                report_added=old_entry is not None)
        policy = policy or compiled.config.policy
        hold = breaking_tools(findings) if policy is BreakingPolicy.BLOCK else ()
        tools, payloads = _spec_tools(old_tools, incoming, hold, compiled.spec.version, now)
        held = self._hold(compiled, findings, hold, now) if hold else None
        entry = _entry_for(compiled, tools, now, held)
        pending = dict(self._held)
        events = _held_events(pending, name, held, approved, trigger, now)
        if policy is BreakingPolicy.WARN and breaking_tools(findings):
            events.append(_breaking_event(name, findings, trigger, now))
        changes = _classify(name, old_tools, tools, findings, trigger, hold, held)
        action = "approve" if approved else "load"
        if not changes.changed and old_entry is not None and _same_entry(old_entry, entry):
            self._swap_entries({name: entry})
            outcome = Outcome.HELD if held is not None else Outcome.NOOP
            self._note(name, trigger, action, outcome, events, changes, "no tool changed")
        else:
            all_tools = {n: t for n, t in snapshot.tools.items() if n not in old_tools}
            all_tools.update(tools)
            events = [*_tool_events(name, old_tools, tools, trigger, now),
                      SpecLoaded(version=0, spec=name, time=now, trigger=trigger, source=compiled.spec.source,
                                 spec_version=compiled.spec.version, summary=changes.summary()), *events]
            changes = self._commit({**snapshot.specs, name: entry}, all_tools, payloads, changes, events, spec=name,
                                   action=action, outcome=Outcome.HELD if held is not None else Outcome.OK)
        # Only now that the step stands: remember the compile, the held changes, the recovery.
        self._held = pending
        self._compiled[name] = _lean(compiled)
        self._failures.pop(name, None)
        self._failures.pop(compiled.config.source, None)
        return changes

    def _hold(self, compiled: CompiledSpec, findings: Sequence[Finding], hold: tuple[str, ...],
              now: float) -> HeldChange:
        held_id = _held_id(compiled, hold)
        previous = self._held.get(held_id)
        return previous or HeldChange(held_id, compiled.name, tuple(f for f in findings if f.tool in hold),
                                      compiled, now, hold)

    # -- internals: single tools and specs ------------------------------------------------------

    def _register(self, tool: Tool, defs: Mapping[str, Mapping[str, Any]], trigger: Trigger) -> ChangeSet:
        snapshot, spec, now = self._snapshot, tool.spec_name, time.time()
        incoming = resolve_names(spec, {tool.name: tool}, lambda _: defs, snapshot.tools, self.options.conflicts,
                                 lambda t: render_definitions(t, self.options.tool_options))
        [(name, (final, final_defs))] = incoming.items()
        entry = snapshot.specs.get(spec) or SpecEntry(spec, f"api:{spec}", tool.spec_version, "",
                                                      BreakingPolicy.WARN, (), now)
        old = snapshot.tools.get(name)
        registered, payload = make_registered(final, final_defs, spec_version=tool.spec_version,
                                              registered_at=old.registered_at if old else now)
        if old is not None and old.payload_hash == registered.payload_hash and spec in snapshot.specs:
            changes = ChangeSet(spec, None, unchanged=(name,), trigger=trigger)
            self._note(spec, trigger, "register", Outcome.NOOP, [], changes, f"tool {name!r} unchanged")
            return changes
        tools = {**snapshot.tools, name: registered}
        entry = dataclasses.replace(entry, version=tool.spec_version, loaded_at=now,
                                    tools=tuple(sorted({*entry.tools, name})))
        before = {n: snapshot.tools[n] for n in entry.tools if n in snapshot.tools}
        changes = _classify(spec, before, {n: tools[n] for n in entry.tools}, (), trigger, (), None)
        events = _tool_events(spec, before, {n: tools[n] for n in entry.tools}, trigger, now)
        return self._commit({**snapshot.specs, spec: entry}, tools, {registered.payload_hash: payload},
                            changes, events, spec=spec, action="register")

    def _unregister(self, name: str, trigger: Trigger) -> ChangeSet:
        snapshot, now = self._snapshot, time.time()
        registered = snapshot.tools.get(name)
        if registered is None:
            raise ToolNotFoundError(f"no tool named {name!r} is registered", source=name)
        spec = registered.spec_name
        tools = {n: t for n, t in snapshot.tools.items() if n != name}
        specs = dict(snapshot.specs)
        entry = specs.get(spec)
        if entry is not None:
            specs[spec] = dataclasses.replace(entry, tools=tuple(n for n in entry.tools if n != name))
        rest = tuple(n for n in (entry.tools if entry else ()) if n != name)
        changes = ChangeSet(spec, None, removed=(name,), unchanged=rest, trigger=trigger)
        events: list[Event] = [ToolRemoved(version=0, spec=spec, time=now, trigger=trigger, tool=name,
                                           old_hash=registered.schema_hash)]
        return self._commit(specs, tools, {}, changes, events, spec=spec, action="unregister")

    def _unregister_spec(self, spec: str, trigger: Trigger) -> ChangeSet:
        snapshot, now = self._snapshot, time.time()
        entry = snapshot.specs.get(spec)
        if entry is None:
            raise RegistryError(f"no spec named {spec!r} is registered; registered specs: "
                                f"{', '.join(snapshot.specs) or 'none'}", source=spec)
        old = {n: snapshot.tools[n] for n in entry.tools if n in snapshot.tools}
        tools = {n: t for n, t in snapshot.tools.items() if n not in old}
        specs = {n: e for n, e in snapshot.specs.items() if n != spec}
        rejected, remaining = self._drop_held([spec], trigger, now, "spec removed")
        events = [*_tool_events(spec, old, {}, trigger, now), *rejected,
                  SpecRemoved(version=0, spec=spec, time=now, trigger=trigger, tools=tuple(sorted(old)))]
        changes = ChangeSet(spec, None, removed=tuple(sorted(old)), trigger=trigger)
        changes = self._commit(specs, tools, {}, changes, events, spec=spec, action="unregister_spec")
        self._held = remaining
        self._compiled.pop(spec, None)
        self._failures.pop(spec, None)
        return changes

    def _rollback(self, to_version: int, spec: str | None, trigger: Trigger) -> ChangeSet:
        snapshot, now = self._snapshot, time.time()
        state = self._kept_version(to_version)
        then_specs, then_tools = restore(state, reuse=snapshot.tools)
        if spec is None:
            specs, tools, touched = then_specs, then_tools, sorted({*snapshot.specs, *then_specs})
        else:
            specs, tools = _rollback_spec(snapshot, spec, then_specs, then_tools, to_version)
            touched = [spec]
        tools = {n: (snapshot.tools[n] if n in snapshot.tools and snapshot.tools[n].payload_hash == t.payload_hash
                     else t) for n, t in tools.items()}
        specs = {n: dataclasses.replace(e, status=SpecStatus.OK, last_error=None, held=None)
                 if n in touched else e for n, e in specs.items()}
        before = {n: t for n, t in snapshot.tools.items() if t.spec_name in touched}
        after = {n: t for n, t in tools.items() if t.spec_name in touched}
        changes = _classify(spec, before, after, (), trigger, (), None)
        if not changes.changed and dict(snapshot.specs) == specs:
            self._note(spec, trigger, "rollback", Outcome.NOOP, [], changes, f"version {to_version} is served already")
            return changes
        rejected, remaining = self._drop_held(touched, trigger, now, "rolled back")
        events = [*_tool_events(spec, before, after, trigger, now), *rejected,
                  RolledBack(version=0, spec=spec, time=now, trigger=trigger, to_version=to_version,
                             from_version=snapshot.version)]
        changes = self._commit(specs, tools, {}, changes, events, spec=spec, action="rollback",
                               message=f"rolled back to version {to_version}", touched=tuple(touched))
        self._held = remaining
        for name in touched:
            self._compiled.pop(name, None)
        return changes

    def _kept_version(self, version: int) -> StoredState:
        latest = self._snapshot.version
        oldest = max(1, latest - self.options.history_limit + 1)
        state = self._store.load_version(version) if oldest <= version <= latest else None
        if state is None:
            kept = f"versions {oldest} to {latest}" if latest else "no versions yet"
            raise HistoryError(f"version {version} is not in the kept history ({kept})", source="registry")
        return state

    def _drop_held(self, specs: Sequence[str], trigger: Trigger, now: float, reason: str
                   ) -> tuple[list[Event], dict[str, HeldChange]]:
        """Rejection events for the held changes of ``specs``, and the held changes that remain."""
        dropped = [h for h in self._held.values() if h.spec in specs]
        remaining = {i: h for i, h in self._held.items() if h.spec not in specs}
        return [ChangeRejected(version=0, spec=h.spec, time=now, trigger=trigger, held_id=h.id, reason=reason)
                for h in dropped], remaining

    def _held_change(self, held_id: str) -> HeldChange:
        held = self._held.get(held_id)
        if held is None:
            raise RegistryError(f"no held change {held_id!r}: it was approved, rejected or replaced by a newer "
                                "load", source=held_id)
        return held

    # -- internals: committing -------------------------------------------------------------------

    def _commit(self, specs: Mapping[str, SpecEntry], tools: Mapping[str, RegisteredTool],
                payloads: Mapping[str, bytes], changes: ChangeSet, events: Sequence[Event], *, spec: str | None,
                action: str, outcome: Outcome = Outcome.OK, message: str = "",
                touched: tuple[str, ...] | None = None) -> ChangeSet:
        """Persist and swap in the next version; queue its notification. Caller holds the lock."""
        previous, now = self._snapshot, time.time()
        version = previous.version + 1
        changes = dataclasses.replace(changes, version=version)
        stamped = tuple(dataclasses.replace(e, version=version) for e in events)
        entry = HistoryEntry(version, now, str(changes.trigger), spec, changes.summary(), _changed_hashes(changes, tools),
                             message, touched if touched is not None else ((spec,) if spec else ()))
        state = StoredState(version, now, {n: self._entry_data(e) for n, e in specs.items()},
                            stored_tools(tools, payloads), entry)
        audit = AuditRecord(now, str(changes.trigger), str(outcome), action, spec, version, changes.summary(), message)
        self._committing = version
        try:
            self._store.commit(state, [StoredEvent(version, e.kind, e.to_dict()) for e in stamped], audit)
        finally:
            self._committing = None
        self._snapshot = Snapshot.build(version, now, specs, tools)
        self._listeners.post(ChangeEvent(version, previous.version, changes, stamped, now, changes.trigger, spec))
        self._entry_bytes = {id(e): self._entry_bytes[id(e)] for e in specs.values() if id(e) in self._entry_bytes}
        self._prune(version)
        return changes

    def _entry_data(self, entry: SpecEntry) -> bytes:
        """The stored form of a spec entry, encoded once per entry object."""
        known = self._entry_bytes.get(id(entry))
        if known is not None and known[0] is entry:
            return known[1]
        data = entry_bytes(entry)
        self._entry_bytes[id(entry)] = (entry, data)
        return data

    def _note(self, spec: str | None, trigger: Trigger, action: str, outcome: Outcome, events: Sequence[Event],
              changes: ChangeSet | None, message: str) -> None:
        """Record a step that made no new version: audit, events, one notification."""
        version, now = self._snapshot.version, time.time()
        stamped = tuple(dataclasses.replace(e, version=version) for e in events)
        audit = AuditRecord(now, str(trigger), str(outcome), action, spec, version,
                            changes.summary() if changes is not None else "", message)
        try:
            self._store.append([StoredEvent(version, e.kind, e.to_dict()) for e in stamped], audit)
        except ToolsyncError:
            log.exception("could not record the %s of spec %s in the store", action, spec)
        self._listeners.post(ChangeEvent(version, version, changes, stamped, now, trigger, spec))

    def _swap_entries(self, entries: Mapping[str, SpecEntry]) -> None:
        """Replace spec entries' status fields without a new version (tools are untouched)."""
        current = self._snapshot
        specs = MappingProxyType(dict(sorted({**current.specs, **entries}.items())))
        self._snapshot = Snapshot(current.version, current.created_at, specs, current.tools,
                                  current._rendered, current._etags)

    def _prune(self, version: int) -> None:
        if version % _PRUNE_EVERY:
            return
        try:
            self._store.prune(self.options.history_limit, keep_audit=self.options.audit_limit)
        except ToolsyncError:
            log.exception("pruning the store's history failed; it will be tried again")

    def _locked(self, step: Callable[[], _T], *, audit: tuple[str, str | None, Trigger] | None = None) -> _T:
        """Run ``step`` under the writer lock, catching up and retrying when another writer won."""
        try:
            for attempt in range(_CONFLICT_RETRIES):
                try:
                    with self._lock:
                        return step()
                except StoreConflictError:
                    if attempt == _CONFLICT_RETRIES - 1:
                        raise
                    with self._lock:
                        self._adopt_latest()
            raise AssertionError("unreachable")  # pragma: no cover
        except ToolsyncError as exc:
            if audit is not None:
                with self._lock:
                    self._note(audit[1], audit[2], audit[0], Outcome.FAILED, [], None, str(exc))
            raise
        finally:
            self._listeners.deliver()

    # -- internals: store state ------------------------------------------------------------------

    def _initial_snapshot(self) -> Snapshot:
        state = self._store.load_latest()
        if state is None:
            return Snapshot.build(0, time.time(), {}, {})
        specs, tools = restore(state)
        # Held changes live in memory only; the next load of such a spec holds its change again.
        specs = {n: dataclasses.replace(e, status=SpecStatus.OK, held=None) if e.status is SpecStatus.HELD else e
                 for n, e in specs.items()}
        return Snapshot.build(state.version, state.created_at, specs, tools)

    def _on_store_commit(self, version: int) -> None:
        if version == self._committing or version <= self._snapshot.version:
            return
        self.refresh()

    def _adopt_latest(self) -> bool:
        current = self._snapshot
        state = self._store.load_latest()
        if state is None or state.version <= current.version:
            return False
        specs, tools = restore(state, reuse=current.tools)
        self._snapshot = Snapshot.build(state.version, state.created_at, specs, tools)
        for name, entry in specs.items():
            kept = self._compiled.get(name)
            if kept is not None and kept.fingerprint != entry.fingerprint:
                del self._compiled[name]
        trigger = _trigger(state.entry.trigger)
        changes = _classify(state.entry.spec, dict(current.tools), tools, (), trigger, (), None)
        changes = dataclasses.replace(changes, version=state.version)
        events = tuple(self.events_since(current.version))
        self._listeners.post(ChangeEvent(state.version, current.version, changes, events, time.time(), trigger,
                                         state.entry.spec, {"adopted": True}))
        return True

    def _previous(self, config: SpecConfig) -> CompiledSpec | None:
        name = config.name or self._name_for_source(config.source)
        return self._compiled.get(name) if name else None

    def _name_for_source(self, source: str) -> str | None:
        for entry in self._snapshot.specs.values():
            if entry.source == source or (entry.config is not None and entry.config.source == source):
                return entry.name
        return None

    def _config_of(self, spec_name: str) -> SpecConfig:
        entry = self._snapshot.specs.get(spec_name)
        if entry is None:
            raise RegistryError(f"no spec named {spec_name!r} is registered", source=spec_name)
        if entry.config is None:
            raise RegistryError(f"spec {spec_name!r} was registered tool by tool and has no source to reload",
                                source=spec_name)
        return entry.config if entry.config.name else dataclasses.replace(entry.config, name=spec_name)


# -- pure helpers --------------------------------------------------------------------------------


def _as_config(config: SpecConfig | str) -> SpecConfig:
    return config if isinstance(config, SpecConfig) else SpecConfig(source=str(config))


def _unexpected(exc: Exception, source: str) -> ToolsyncError:
    log.error("unexpected failure while compiling %s", source, exc_info=exc)
    return SpecError(f"could not be compiled: {type(exc).__name__}: {exc}", source=source)


def _trigger(value: str) -> Trigger:
    try:
        return Trigger(value)
    except ValueError:
        return Trigger.API


def _lean(compiled: CompiledSpec) -> CompiledSpec:
    """The compile kept for the next reload, without the raw document (large, no longer needed)."""
    if not compiled.spec.document:
        return compiled
    return dataclasses.replace(compiled, spec=dataclasses.replace(compiled.spec, document={}))


def _spec_tools(old: Mapping[str, RegisteredTool], incoming: Incoming, hold: tuple[str, ...], spec_version: str,
                now: float) -> tuple[Tools, dict[str, bytes]]:
    """The spec's next tools (held ones keep their old version) and the payloads new in this commit."""
    tools: Tools = {}
    payloads: dict[str, bytes] = {}
    for name, (tool, defs) in incoming.items():
        before = old.get(name)
        if before is not None and (name in hold or _same_tool(before, tool, defs, spec_version)):
            tools[name] = before
            continue
        registered, payload = make_registered(tool, defs, spec_version=spec_version,
                                              registered_at=before.registered_at if before else now)
        if before is not None and before.payload_hash == registered.payload_hash:
            tools[name] = before
            continue
        tools[name] = registered
        payloads[registered.payload_hash] = payload
    for name in hold:
        if name not in tools and name in old:
            tools[name] = old[name]  # removed by the new spec, kept until approved
    return tools, payloads


def _same_tool(before: RegisteredTool, tool: Tool, defs: Mapping[str, Mapping[str, Any]], spec_version: str) -> bool:
    if before.spec_version != spec_version:
        return False
    same = before.tool is tool or (before.schema_hash == tool.content_hash and before.tool == tool)
    return same and dict(before.definitions) == dict(defs)


def _classify(spec: str | None, old: Mapping[str, RegisteredTool], new: Mapping[str, RegisteredTool],
              findings: Sequence[Finding], trigger: Trigger, held: tuple[str, ...],
              held_change: HeldChange | None) -> ChangeSet:
    added = tuple(sorted(new.keys() - old.keys()))
    removed = tuple(sorted(old.keys() - new.keys()))
    both = sorted(old.keys() & new.keys())
    updated = tuple(n for n in both if old[n] is not new[n] and old[n].payload_hash != new[n].payload_hash)
    unchanged = tuple(n for n in both if n not in updated)
    return ChangeSet(spec, None, added, removed, updated, unchanged, held, tuple(findings), trigger,
                     held_change.id if held_change is not None else None)


def _tool_events(spec: str | None, old: Mapping[str, RegisteredTool], new: Mapping[str, RegisteredTool],
                 trigger: Trigger, now: float) -> list[Event]:
    events: list[Event] = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        owner = spec or (after or before).spec_name  # type: ignore[union-attr]
        if before is None and after is not None:
            events.append(ToolAdded(version=0, spec=owner, time=now, trigger=trigger, tool=name,
                                    schema_hash=after.schema_hash))
        elif after is None and before is not None:
            events.append(ToolRemoved(version=0, spec=owner, time=now, trigger=trigger, tool=name,
                                      old_hash=before.schema_hash))
        elif before is not None and after is not None and before.payload_hash != after.payload_hash:
            events.append(ToolUpdated(version=0, spec=owner, time=now, trigger=trigger, tool=name,
                                      old_hash=before.schema_hash, schema_hash=after.schema_hash))
    return events


def _held_events(pending: dict[str, HeldChange], spec: str, held: HeldChange | None, approved: str | None,
                 trigger: Trigger, now: float) -> list[Event]:
    """Events for a spec's held changes (approved, superseded, newly held), updating ``pending``."""
    events: list[Event] = []
    for old in [h for h in pending.values() if h.spec == spec and (held is None or h.id != held.id)]:
        del pending[old.id]
        if old.id == approved:
            events.append(ChangeApproved(version=0, spec=spec, time=now, trigger=trigger, held_id=old.id))
        else:
            events.append(ChangeRejected(version=0, spec=spec, time=now, trigger=trigger, held_id=old.id,
                                         reason="superseded by a newer load"))
    if held is not None and held.id not in pending:
        pending[held.id] = held
        events.append(ChangeHeld(version=0, spec=spec, time=now, trigger=trigger, held_id=held.id,
                                 tools=held.tools, findings=tuple(f.to_dict() for f in held.findings)))
    return events


def _breaking_event(spec: str, findings: Sequence[Finding], trigger: Trigger, now: float) -> Event:
    breaking = [f for f in findings if f.severity is FindingSeverity.BREAKING]
    return BreakingChangeDetected(version=0, spec=spec, time=now, trigger=trigger,
                                  tools=breaking_tools(breaking), findings=tuple(f.to_dict() for f in breaking))


def _entry_for(compiled: CompiledSpec, tools: Mapping[str, RegisteredTool], now: float,
               held: HeldChange | None) -> SpecEntry:
    spec = compiled.spec
    return SpecEntry(spec.name, spec.source, spec.version, spec.fingerprint, compiled.config.policy,
                     tuple(sorted(tools)), now, SpecStatus.HELD if held is not None else SpecStatus.OK, None,
                     compiled.config, spec.title, spec.openapi_version, held.id if held is not None else None)


def _same_entry(old: SpecEntry, new: SpecEntry) -> bool:
    """True when ``new`` needs no new version: only status fields and the fingerprint differ."""
    return (old.tools, old.version, old.config, old.policy, old.source) == (
        new.tools, new.version, new.config, new.policy, new.source)


def _held_id(compiled: CompiledSpec, hold: tuple[str, ...]) -> str:
    import hashlib

    seed = "\0".join((compiled.name, compiled.fingerprint, compiled.spec.version, *hold))
    return hashlib.sha256(seed.encode()).hexdigest()[:12]


def _changed_hashes(changes: ChangeSet, tools: Mapping[str, RegisteredTool]) -> dict[str, str | None]:
    out: dict[str, str | None] = {n: tools[n].schema_hash for n in (*changes.added, *changes.updated) if n in tools}
    out.update(dict.fromkeys(changes.removed))
    return out


def _rollback_spec(snapshot: Snapshot, spec: str, then_specs: Mapping[str, SpecEntry],
                   then_tools: Mapping[str, RegisteredTool], version: int) -> tuple[dict[str, SpecEntry], Tools]:
    if spec not in snapshot.specs and spec not in then_specs:
        raise RegistryError(f"spec {spec!r} is neither registered now nor in version {version}", source=spec)
    tools = {n: t for n, t in snapshot.tools.items() if t.spec_name != spec}
    for name, tool in then_tools.items():
        if tool.spec_name != spec:
            continue
        if name in tools:
            raise RegistryError(f"rolling spec {spec!r} back to version {version} would take tool {name!r} from "
                                f"spec {tools[name].spec_name!r}; roll back the whole registry instead", source=spec)
        tools[name] = tool
    specs = {n: e for n, e in snapshot.specs.items() if n != spec}
    if spec in then_specs:
        specs[spec] = then_specs[spec]
    return specs, tools


def _spec_from_tools(name: str, snapshot: Snapshot, tools: Sequence[RegisteredTool]) -> Spec:
    """A spec rebuilt from registered tools, for comparing when the compiled spec is not in memory."""
    entry = snapshot.specs.get(name)
    return Spec(name=name, source=entry.source if entry else name, title=entry.title if entry else name,
                version=entry.version if entry else "", openapi_version=entry.openapi_version if entry else "",
                operations=tuple(t.tool.operation for t in tools), fingerprint=entry.fingerprint if entry else "")
