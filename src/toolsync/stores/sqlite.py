"""
``SQLiteStore``: the embedded default. The registry survives restarts and keeps history for rollback.

Layout (schema version 1): ``toolsync_meta`` (application id and schema version), ``versions``
(one row per registry version: manifest, spec entries, history entry), ``payloads`` (tool payloads
by content hash, written once), ``events`` and ``audit``.

Durability: WAL journal with ``synchronous=FULL``. With NORMAL, WAL stays consistent after a crash
but a power loss may drop the last commits; registry commits are rare (one per reload), so the one
extra fsync per commit is a small price for "restart comes back exactly as last committed".
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import orjson

from ..errors import StoreCorruptError, StoreError
from .base import (
    AuditRecord,
    HistoryEntry,
    StoreConflictError,
    StoredEvent,
    StoredState,
    StoredTool,
    Unsubscribe,
)
from .retention import select_history

__all__ = ["DEFAULT_PATH", "SCHEMA_VERSION", "SQLiteStore"]

DEFAULT_PATH = Path(".toolsync") / "registry.db"
SCHEMA_VERSION = 1
_APPLICATION = "toolsync-registry"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CHUNK = 500  # host parameters per IN (...) query, well under SQLite's limit

_SCHEMA = """
CREATE TABLE toolsync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE versions (
    version INTEGER PRIMARY KEY, created_at REAL NOT NULL,
    entry BLOB NOT NULL, manifest BLOB NOT NULL, specs BLOB NOT NULL);
CREATE TABLE payloads (hash TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, version INTEGER NOT NULL, kind TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX events_by_version ON events (version);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, trigger TEXT NOT NULL, outcome TEXT NOT NULL,
    action TEXT NOT NULL, spec TEXT, version INTEGER NOT NULL, summary TEXT NOT NULL, message TEXT NOT NULL);
"""


class SQLiteStore:
    """
    A registry store in one SQLite file (default ``./.toolsync/registry.db``).

    Args:
        path: the database file; its folder is created when missing.
        reset: move an existing file aside (``<name>.<timestamp>.bak``, never deleted) and start empty.
        timeout: seconds to wait for another process's write lock before failing.

    Raises:
        StoreCorruptError: the file is damaged, is not an SQLite database, or belongs to something else.

    Example:
        >>> from toolsync.registry import Registry
        >>> registry = Registry(SQLiteStore(tmp / "registry.db"))  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_PATH, *, reset: bool = False,
                 timeout: float = 10.0) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._closed = False
        if reset:
            self.moved_to: Path | None = _move_aside(self.path)
        else:
            self.moved_to = None
        self._conn = self._open(timeout)

    # -- Store protocol -------------------------------------------------------------------------

    def load_latest(self) -> StoredState | None:
        with self._using() as conn:
            row = conn.execute("SELECT version, created_at, entry, manifest, specs FROM versions "
                               "ORDER BY version DESC LIMIT 1").fetchone()
            return self._state(conn, row) if row is not None else None

    def load_version(self, version: int) -> StoredState | None:
        with self._using() as conn:
            row = conn.execute("SELECT version, created_at, entry, manifest, specs FROM versions "
                               "WHERE version = ?", (version,)).fetchone()
            return self._state(conn, row) if row is not None else None

    def commit(self, state: StoredState, events: Sequence[StoredEvent], audit: AuditRecord) -> None:
        with self._using() as conn, self._transaction(conn):
            latest = conn.execute("SELECT COALESCE(MAX(version), 0) FROM versions").fetchone()[0]
            if latest != state.base_version:
                raise StoreConflictError(
                    f"version {state.version} cannot be committed: the store is at version {latest}, "
                    f"not {state.base_version}; another process wrote to it — reload and retry",
                    source=str(self.path))
            conn.executemany("INSERT OR IGNORE INTO payloads (hash, data) VALUES (?, ?)",
                             [(t.hash, t.payload) for t in state.tools.values() if t.payload])
            conn.execute("INSERT INTO versions (version, created_at, entry, manifest, specs) VALUES (?,?,?,?,?)",
                         (state.version, state.created_at, _dumps(state.entry.to_dict()),
                          _dumps({n: [t.hash, t.registered_at] for n, t in state.tools.items()}),
                          _dumps({n: data.decode() for n, data in state.specs.items()})))
            self._insert_records(conn, events, audit)

    def append(self, events: Sequence[StoredEvent], audit: AuditRecord) -> None:
        with self._using() as conn, self._transaction(conn):
            self._insert_records(conn, events, audit)

    def history(self, *, spec: str | None = None, tool: str | None = None,
                limit: int | None = None) -> list[HistoryEntry]:
        with self._using() as conn:
            rows = conn.execute("SELECT entry FROM versions ORDER BY version DESC").fetchall()
            entries = (HistoryEntry.from_dict(_loads(r[0], self.path)) for r in rows)
            return select_history(entries, spec=spec, tool=tool, limit=limit)

    def audit(self, *, limit: int | None = None, spec: str | None = None) -> list[AuditRecord]:
        query = "SELECT time, trigger, outcome, action, spec, version, summary, message, id FROM audit"
        args: list[Any] = []
        if spec is not None:
            query += " WHERE spec = ?"
            args.append(spec)
        query += " ORDER BY id DESC LIMIT ?"
        args.append(-1 if limit is None else limit)
        with self._using() as conn:
            return [AuditRecord(*row) for row in conn.execute(query, args)]

    def events_since(self, version: int, *, limit: int | None = None) -> list[StoredEvent]:
        with self._using() as conn:
            rows = conn.execute("SELECT version, kind, data, seq FROM events WHERE version > ? "
                                "ORDER BY seq LIMIT ?", (version, -1 if limit is None else limit))
            return [StoredEvent(v, k, _loads(d, self.path), s) for v, k, d, s in rows]

    def prune(self, keep: int, *, keep_audit: int | None = None) -> None:
        with self._using() as conn, self._transaction(conn):
            cutoff = conn.execute("SELECT version FROM versions ORDER BY version DESC LIMIT 1 OFFSET ?",
                                  (max(keep, 1) - 1,)).fetchone()
            if cutoff is not None and conn.execute(
                    "DELETE FROM versions WHERE version < ?", (cutoff[0],)).rowcount:
                conn.execute("DELETE FROM events WHERE version < ?", (cutoff[0],))
                self._collect_payloads(conn)
            if keep_audit is not None:
                conn.execute("DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ?", (keep_audit,))

    def subscribe(self, callback: Callable[[int], None]) -> Unsubscribe:
        # One process writes an embedded store at a time in practice; a writer that is behind finds
        # out at commit (StoreConflictError) and catches up then.
        return _nothing

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # -- opening --------------------------------------------------------------------------------

    def _open(self, timeout: float) -> sqlite3.Connection:
        _refuse_foreign_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store: {exc}", source=str(self.path)) from exc
        try:
            with self._mapped():
                self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA busy_timeout = 10000")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            self._create(conn)
        elif "toolsync_meta" not in tables:
            raise self._not_ours("it holds other tables")
        self._check_meta(conn)
        if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise StoreError("the store needs WAL journaling, which this file system refused",
                             source=str(self.path))
        conn.execute("PRAGMA synchronous = FULL")
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise self._damaged(f"integrity check failed ({check})")

    def _create(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have created it between our look and the lock.
            if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.executemany("INSERT INTO toolsync_meta (key, value) VALUES (?, ?)",
                                 [("application", _APPLICATION), ("schema_version", str(SCHEMA_VERSION))])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _check_meta(self, conn: sqlite3.Connection) -> None:
        meta = dict(conn.execute("SELECT key, value FROM toolsync_meta").fetchall())
        if meta.get("application") != _APPLICATION:
            raise self._not_ours("its metadata names another application")
        version = meta.get("schema_version", "")
        if not version.isdigit():
            raise self._damaged(f"its schema version {version!r} is unreadable")
        if int(version) > SCHEMA_VERSION:
            raise StoreError(f"the store was written by a newer toolsync (schema {version}, this one reads "
                             f"{SCHEMA_VERSION}); upgrade toolsync or use another --store", source=str(self.path))

    def _not_ours(self, why: str) -> StoreCorruptError:
        return StoreCorruptError(f"is not a toolsync store ({why}); move it away or start with --reset-store",
                                 source=str(self.path))

    def _damaged(self, why: str) -> StoreCorruptError:
        return StoreCorruptError(f"the store is damaged: {why}; move it away or start with --reset-store",
                                 source=str(self.path))

    # -- reading and writing --------------------------------------------------------------------

    @contextlib.contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed", source=str(self.path))
            with self._mapped():
                yield self._conn

    @contextlib.contextmanager
    def _mapped(self) -> Iterator[None]:
        """Turn sqlite3's errors into toolsync's, naming the file."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            text = str(exc).lower()
            if "not a database" in text or "malformed" in text or "corrupt" in text:
                raise self._damaged(str(exc)) from exc
            raise StoreError(f"the database failed: {exc}", source=str(self.path)) from exc
        except sqlite3.Error as exc:
            raise StoreError(f"the database failed: {exc}", source=str(self.path)) from exc

    @staticmethod
    @contextlib.contextmanager
    def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so the version check and the insert are one step.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @staticmethod
    def _insert_records(conn: sqlite3.Connection, events: Sequence[StoredEvent], audit: AuditRecord) -> None:
        conn.executemany("INSERT INTO events (version, kind, data) VALUES (?, ?, ?)",
                         [(e.version, e.kind, _dumps(e.data)) for e in events])
        conn.execute("INSERT INTO audit (time, trigger, outcome, action, spec, version, summary, message) "
                     "VALUES (?,?,?,?,?,?,?,?)", (audit.time, audit.trigger, audit.outcome, audit.action,
                                                  audit.spec, audit.version, audit.summary, audit.message))

    def _state(self, conn: sqlite3.Connection, row: tuple[Any, ...]) -> StoredState:
        version, created_at, entry, manifest, specs = row
        lines: Mapping[str, list[Any]] = _loads(manifest, self.path)
        payloads = self._payloads(conn, {h for h, _ in lines.values()})
        tools = {}
        for name, (digest, registered_at) in lines.items():
            if digest not in payloads:
                raise self._damaged(f"version {version} names tool {name!r} whose payload is missing")
            tools[name] = StoredTool(digest, float(registered_at), payloads[digest])
        spec_data = {n: str(text).encode() for n, text in _loads(specs, self.path).items()}
        return StoredState(int(version), float(created_at), spec_data, tools,
                           HistoryEntry.from_dict(_loads(entry, self.path)))

    @staticmethod
    def _payloads(conn: sqlite3.Connection, hashes: set[str]) -> dict[str, bytes]:
        wanted = sorted(hashes)
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(conn.execute(f"SELECT hash, data FROM payloads WHERE hash IN ({marks})", chunk))
        return found

    def _collect_payloads(self, conn: sqlite3.Connection) -> None:
        used: set[str] = set()
        for (manifest,) in conn.execute("SELECT manifest FROM versions"):
            used.update(h for h, _ in _loads(manifest, self.path).values())
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS used_payloads (hash TEXT PRIMARY KEY) WITHOUT ROWID")
        conn.execute("DELETE FROM used_payloads")
        conn.executemany("INSERT INTO used_payloads (hash) VALUES (?)", [(h,) for h in used])
        conn.execute("DELETE FROM payloads WHERE hash NOT IN (SELECT hash FROM used_payloads)")
        conn.execute("DELETE FROM used_payloads")


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _loads(data: bytes | str, path: Path) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise StoreCorruptError(f"the store is damaged: a record is not valid JSON ({exc}); move it away or "
                                "start with --reset-store", source=str(path)) from exc


def _refuse_foreign_file(path: Path) -> None:
    """A file that is not SQLite at all: say so before sqlite3 gives a vaguer error."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        return
    except IsADirectoryError as exc:
        raise StoreError("the store path is a folder; give a file path such as ./.toolsync/registry.db",
                         source=str(path)) from exc
    except OSError as exc:
        raise StoreError(f"cannot read the store: {exc.strerror or exc}", source=str(path)) from exc
    if head and head != _SQLITE_MAGIC:
        raise StoreCorruptError("is not a toolsync store (not an SQLite database); move it away or start "
                                "with --reset-store", source=str(path))


def _move_aside(path: Path) -> Path | None:
    """Rename the store and its WAL files to ``<name>.<timestamp>.bak*``; return the new main path."""
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.{stamp}-{counter}.bak")
    try:
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.replace(target.with_name(target.name + suffix))
        path.replace(target)
    except OSError as exc:
        raise StoreError(f"cannot move the old store aside: {exc.strerror or exc}", source=str(path)) from exc
    return target


def _nothing() -> None:
    return None
