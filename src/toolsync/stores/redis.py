"""
``RedisStore``: many replicas of a registry sharing one consistent version.

Every commit is one Lua script: it checks that the commit builds on the latest version, writes the
manifest, the new payloads, events and audit, moves ``version`` on and publishes it, all or
nothing. Two replicas can never both commit version N+1: the slower one gets
:class:`~toolsync.stores.StoreConflictError`, catches up and retries. Each replica follows the
``commits`` channel (see :mod:`toolsync.stores.redis_feed`) and its registry adopts every newer
version; the event stream lets it replay what it missed, in order.

Layout under the prefix (default ``toolsync:``)::

    meta            hash     application and schema version of the layout
    version         string   the latest committed version
    versions        zset     the kept versions
    manifest:<v>    hash     created_at, history entry, tools (name → [hash, registered_at]),
                             specs (name → entry hash), refs (the blobs it uses), commit token
    tool:<hash>     string   a tool payload, written once
    spec:<hash>     string   a spec entry with its configuration, written once
    refs            hash     blob → number of kept versions using it (pruning frees the unused)
    events          stream   change events; ID <version>-<seq>, fields version, kind, data (JSON)
    seq, audit:id   string   counters
    audit           list     audit records (JSON), newest first, capped
    commits         channel  each commit publishes its version

Needs Redis 6.2 or newer, one server or a primary (not Redis Cluster). Several registries may share
a server under different prefixes.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Self, TypeVar, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import (
    AuthenticationError,
    ReadOnlyError,
    RedisError,
    ResponseError,
)
from redis.exceptions import (
    ConnectionError as RedisConnectionError,
)
from redis.exceptions import (
    TimeoutError as RedisTimeoutError,
)
from redis.retry import Retry

from ..errors import ConfigError, StoreCorruptError, StoreError
from . import redis_scripts as scripts
from .base import (
    AuditRecord,
    HistoryEntry,
    StoreConflictError,
    StoredEvent,
    StoredState,
    StoredTool,
    Unsubscribe,
)
from .redis_feed import ChangeFeed
from .retention import select_history
from .subscribers import Subscribers

__all__ = ["DEFAULT_PREFIX", "DEFAULT_URL", "SCHEMA_VERSION", "RedisStore"]


DEFAULT_URL = "redis://127.0.0.1:6379/0"
DEFAULT_PREFIX = "toolsync:"
SCHEMA_VERSION = 1
_APPLICATION = "toolsync-registry"
_HASH = re.compile(r"[\w.+=-]{1,128}")
_CHUNK = 256  # keys per MGET / pipeline, records per LRANGE / XRANGE page
_T = TypeVar("_T")
_LOAD_ATTEMPTS = 3  # a prune by another replica may free a version's payloads while we read them


class RedisStore:
    """
    A registry store in Redis, shared by every replica that uses the same URL and prefix.

    Args:
        url: ``redis://[user:password@]host:port/db`` or ``rediss://`` for TLS. A ``prefix`` query
            parameter (``redis://host/0?prefix=shop:``) sets the prefix when the argument does not.
        prefix: the start of every key name (default ``toolsync:``); one registry per prefix.
        timeout: seconds a command may take before the store reports Redis unreachable.
        connect_timeout: seconds to wait for a connection.
        max_events: the event stream is trimmed (approximately) to this length.
        max_audit: audit records kept, newest first.
        backoff: first and longest wait between reconnection attempts of the change feed.

    Raises:
        ConfigError: the URL or an option is not usable.
        StoreError: Redis cannot be reached (the message names the URL, password masked).
        StoreCorruptError: the keys under the prefix belong to something else.

    Example:
        >>> from toolsync.registry import Registry
        >>> registry = Registry(RedisStore("redis://127.0.0.1:6379/0", prefix="shop:"))  # doctest: +SKIP
    """

    def __init__(self, url: str = DEFAULT_URL, *, prefix: str | None = None, timeout: float = 5.0,
                 connect_timeout: float = 2.0, max_events: int = 100_000, max_audit: int = 100_000,
                 backoff: tuple[float, float] = (0.1, 5.0)) -> None:
        address, url_prefix = _split_prefix(url)
        self.url = masked_url(address)
        self.prefix = prefix if prefix is not None else url_prefix or DEFAULT_PREFIX
        _check_options(self.prefix, max_events, max_audit, self.url)
        self._limits = (max_events, max_audit)
        self._backoff = backoff
        self._pool = _connection_pool(address, timeout, connect_timeout, self.url)
        self._client = redis.Redis(connection_pool=self._pool)
        self._commit = self._client.register_script(scripts.COMMIT)
        self._append = self._client.register_script(scripts.APPEND)
        self._load = self._client.register_script(scripts.LOAD)
        self._prune = self._client.register_script(scripts.PRUNE)
        self._lock = threading.Lock()
        self._subscribers = Subscribers(self.url)
        self._feed: ChangeFeed | None = None
        self._last_seen = 0
        self._closed = False
        try:
            self._check_layout()
        except BaseException:
            self._pool.disconnect()
            raise

    # -- Store protocol -------------------------------------------------------------------------

    def load_latest(self) -> StoredState | None:
        return self._load_state(None)

    def load_version(self, version: int) -> StoredState | None:
        return self._load_state(version)

    def commit(self, state: StoredState, events: Sequence[StoredEvent], audit: AuditRecord) -> None:
        self._check_open()
        blobs, tools, specs = self._manifest(state)
        args: list[Any] = [self.prefix, state.version, uuid.uuid4().hex, repr(state.created_at),
                           _dumps(state.entry.to_dict()), _dumps(tools), _dumps(specs), _audit_json(audit),
                           *self._limits, len(blobs)]
        for key, data in blobs:
            args += (key, data)
        args += _event_args(events, self.url)
        with self._mapped(f"committing version {state.version}"):
            status, value = self._commit(args=args)
        if status == b"conflict":
            raise StoreConflictError(
                f"version {state.version} cannot be committed: the store is at version {int(value)}, not "
                f"{state.base_version}; another replica committed first — catch up and retry", source=self.url)
        if status == b"missing":
            raise StoreError(f"the commit of version {state.version} names blob {value.decode()!r}, which is neither "
                             "stored nor in the commit (a prune freed it meanwhile); catch up and retry",
                             source=self.url)

    def append(self, events: Sequence[StoredEvent], audit: AuditRecord) -> None:
        self._check_open()
        args = [self.prefix, _audit_json(audit), *self._limits, *_event_args(events, self.url)]
        with self._mapped("recording events"):
            self._append(args=args)

    def history(self, *, spec: str | None = None, tool: str | None = None,
                limit: int | None = None) -> list[HistoryEntry]:
        self._check_open()
        with self._mapped("reading the history"):
            versions = cast(list[bytes], self._client.zrange(self._key("versions"), 0, -1, desc=True))
        return select_history(self._entries(versions), spec=spec, tool=tool, limit=limit)

    def audit(self, *, limit: int | None = None, spec: str | None = None) -> list[AuditRecord]:
        self._check_open()
        out: list[AuditRecord] = []
        below, start = float("inf"), 0
        while limit is None or len(out) < limit:
            with self._mapped("reading the audit trail"):
                rows = cast(list[bytes], self._client.lrange(self._key("audit"), start, start + _CHUNK - 1))
            for raw in rows:
                record = self._record(AuditRecord.from_dict, raw, "an audit record")
                # Records pushed while we page shift the list; ids decrease, so skip what we have seen.
                if record.id < below and (spec is None or record.spec == spec):
                    out.append(record)
                below = min(below, record.id)
            if len(rows) < _CHUNK:
                break
            start += _CHUNK
        return out[:limit] if limit is not None else out

    def events_since(self, version: int, *, limit: int | None = None) -> list[StoredEvent]:
        self._check_open()
        out: list[StoredEvent] = []
        start = f"{max(version + 1, 0)}-0"
        while limit is None or len(out) < limit:
            with self._mapped("reading events"):
                page = cast(list[tuple[bytes, dict[bytes, bytes]]],
                            self._client.xrange(self._key("events"), min=start, count=_CHUNK) or [])
            for entry_id, fields in page:
                event = self._event(entry_id, fields)
                if event.version > version:  # a late writer's event may sit past its version
                    out.append(event)
            if len(page) < _CHUNK:
                break
            start = f"({page[-1][0].decode()}"
        return out[:limit] if limit is not None else out

    def prune(self, keep: int, *, keep_audit: int | None = None) -> None:
        self._check_open()
        args: list[Any] = [self.prefix, keep, -1 if keep_audit is None else max(keep_audit, 0)]
        with self._mapped("pruning old versions"):
            self._prune(args=args)

    def subscribe(self, callback: Callable[[int], None]) -> Unsubscribe:
        """Call ``callback(version)`` from a background thread after each commit of any replica."""
        with self._lock:
            self._check_open()
            unsubscribe = self._subscribers.add(callback)
            if self._feed is None:
                self._feed = ChangeFeed(self._client, self._key("commits"), self._current_version, self._dispatch,
                                        where=self.url, backoff=self._backoff)
                self._feed.start()
        return unsubscribe

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            feed, self._feed = self._feed, None
        self._subscribers.close()
        if feed is not None:
            feed.stop()
        self._pool.disconnect()

    # -- more than the protocol -----------------------------------------------------------------

    @property
    def following(self) -> bool:
        """True while the change feed is connected (always False before the first ``subscribe``)."""
        feed = self._feed
        return feed is not None and feed.connected

    def ping(self) -> None:
        """Check that Redis answers. Raises ``StoreError`` naming the URL and the cause when not."""
        self._check_open()
        with self._mapped("checking the connection"):
            self._client.ping()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RedisStore({self.url!r}, prefix={self.prefix!r})"

    # -- internals ------------------------------------------------------------------------------

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed", source=self.url)

    def _check_layout(self) -> None:
        with self._mapped("opening the store"):
            flat = self._client.register_script(scripts.OPEN)(args=[self.prefix, _APPLICATION, SCHEMA_VERSION])
        if flat is None:
            raise self._not_ours("they hold data but no toolsync metadata")
        meta = dict(zip(flat[::2], flat[1::2], strict=True))
        if meta.get(b"application") != _APPLICATION.encode():
            raise self._not_ours("their metadata names another application")
        schema = meta.get(b"schema_version", b"")
        if not schema.isdigit():
            raise self._damaged(f"the schema version {schema!r} is unreadable")
        if int(schema) > SCHEMA_VERSION:
            raise StoreError(f"the keys under prefix {self.prefix!r} were written by a newer toolsync (schema "
                             f"{int(schema)}, this one reads {SCHEMA_VERSION}); upgrade toolsync or use another "
                             "prefix", source=self.url)

    def _manifest(self, state: StoredState) -> tuple[list[tuple[str, bytes]], dict[str, Any], dict[str, str]]:
        """The blobs a commit references (payload or b"" when stored), the tool lines, the spec lines."""
        blobs: list[tuple[str, bytes]] = []
        tools: dict[str, Any] = {}
        for name, tool in state.tools.items():
            if not _HASH.fullmatch(tool.hash):
                raise StoreError(f"tool {name!r} has a payload hash {tool.hash[:40]!r} that cannot name a key",
                                 source=self.url)
            blobs.append((f"tool:{tool.hash}", tool.payload))
            tools[name] = [tool.hash, tool.registered_at]
        specs: dict[str, str] = {}
        for name, data in state.specs.items():
            specs[name] = hashlib.sha256(data).hexdigest()
            blobs.append((f"spec:{specs[name]}", data))
        return blobs, tools, specs

    def _load_state(self, version: int | None) -> StoredState | None:
        self._check_open()
        what = "the latest version" if version is None else f"version {version}"
        for attempt in range(1, _LOAD_ATTEMPTS + 1):
            with self._mapped(f"reading {what}"):
                row = self._load(args=[self.prefix, "" if version is None else version])
            if row is None:
                return None
            if len(row) == 1:
                raise self._damaged(f"the latest version {int(row[0])} has no manifest")
            state, missing = self._state(row)
            if state is not None:
                return state
            if attempt == _LOAD_ATTEMPTS:
                raise self._damaged(f"version {int(row[0])} names {missing}, which is missing")
        return None  # pragma: no cover  (the loop returns or raises)

    def _state(self, row: Sequence[bytes]) -> tuple[StoredState | None, str]:
        """The state a manifest row describes, or None and what is missing when a blob is gone."""
        version, created_at, entry, tool_lines, spec_lines = row
        try:
            lines = {str(n): (str(h), float(t)) for n, (h, t) in self._loads(tool_lines, "a manifest").items()}
            spec_hashes = {str(n): str(h) for n, h in self._loads(spec_lines, "a manifest").items()}
            history = HistoryEntry.from_dict(self._loads(entry, "a history entry"))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise self._damaged(f"the manifest of version {int(version)} cannot be read ({exc})") from exc
        blobs = self._blobs([f"tool:{h}" for h, _ in lines.values()] + [f"spec:{h}" for h in spec_hashes.values()])
        tools: dict[str, StoredTool] = {}
        for name, (digest, registered_at) in lines.items():
            payload = blobs.get(f"tool:{digest}")
            if payload is None:
                return None, f"the payload of tool {name!r}"
            tools[name] = StoredTool(digest, registered_at, payload)
        specs: dict[str, bytes] = {}
        for name, digest in spec_hashes.items():
            data = blobs.get(f"spec:{digest}")
            if data is None:
                return None, f"the entry of spec {name!r}"
            specs[name] = data
        return StoredState(int(version), float(created_at), specs, tools, history), ""

    def _blobs(self, keys: Iterable[str]) -> dict[str, bytes]:
        wanted = sorted(set(keys))
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            with self._mapped("reading payloads"):
                values = self._client.mget([self._key(k) for k in chunk])
            found.update((k, v) for k, v in zip(chunk, values, strict=True) if isinstance(v, bytes))
        return found

    def _entries(self, versions: Sequence[bytes]) -> Iterator[HistoryEntry]:
        """History entries of ``versions``, in the given order, read a page at a time."""
        for start in range(0, len(versions), _CHUNK):
            pipe = self._client.pipeline(transaction=False)
            for version in versions[start:start + _CHUNK]:
                pipe.hget(self._key(f"manifest:{version.decode()}"), "entry")
            with self._mapped("reading the history"):
                rows = pipe.execute()
            for raw in rows:
                if raw is not None:  # pruned since we listed the versions
                    yield self._record(HistoryEntry.from_dict, raw, "a history entry")

    def _event(self, entry_id: bytes, fields: Mapping[bytes, bytes]) -> StoredEvent:
        try:
            seq = int(entry_id.split(b"-", 1)[1])
            return StoredEvent(int(fields[b"version"]), fields[b"kind"].decode(),
                               self._loads(fields[b"data"], "an event"), seq)
        except (KeyError, IndexError, ValueError, UnicodeDecodeError) as exc:
            raise self._damaged(f"event {entry_id.decode(errors='replace')} cannot be read ({exc})") from exc

    def _current_version(self) -> int:
        # Raw Redis errors on purpose: the change feed reconnects on them.
        return int(self._client.get(self._key("version")) or 0)

    def _dispatch(self, version: int) -> None:
        with self._lock:
            if self._closed or version <= self._last_seen:
                return
            self._last_seen = version
        self._subscribers.notify(version)

    def _record(self, build: Callable[[Any], _T], raw: bytes, what: str) -> _T:
        """``build`` applied to the JSON in ``raw``; a record of the wrong shape is damage, not a crash."""
        data = self._loads(raw, what)
        try:
            return build(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self._damaged(f"{what} cannot be read ({type(exc).__name__}: {exc})") from exc

    def _loads(self, data: bytes, what: str) -> Any:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise self._damaged(f"{what} is not valid JSON ({exc})") from exc

    def _not_ours(self, why: str) -> StoreCorruptError:
        return StoreCorruptError(f"the keys under prefix {self.prefix!r} are not a toolsync store ({why}); "
                                 "choose another prefix", source=self.url)

    def _damaged(self, why: str) -> StoreCorruptError:
        return StoreCorruptError(f"the store under prefix {self.prefix!r} is damaged: {why}; delete its keys or "
                                 "choose another prefix", source=self.url)

    @contextlib.contextmanager
    def _mapped(self, doing: str) -> Iterator[None]:
        """Turn redis-py's errors into toolsync's, naming the URL (password masked) and the cause."""
        try:
            yield
        except AuthenticationError as exc:
            raise StoreError(f"Redis refused the credentials while {doing} ({exc}); check the user and password "
                             "in the store URL", source=self.url) from exc
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StoreError(f"cannot reach Redis while {doing} ({exc}); check that the server runs and the URL "
                             "is right — the registry keeps serving its last version meanwhile",
                             source=self.url) from exc
        except ReadOnlyError as exc:
            raise StoreError(f"Redis is a read-only replica ({exc}); point the store URL at the primary",
                             source=self.url) from exc
        except ResponseError as exc:
            if str(exc).startswith("WRONGTYPE"):
                raise self._not_ours(f"a key holds another kind of value: {exc}") from exc
            raise StoreError(f"Redis refused {doing}: {exc}", source=self.url) from exc
        except RedisError as exc:
            raise StoreError(f"Redis failed while {doing}: {exc}", source=self.url) from exc


# -- helpers -----------------------------------------------------------------------------------


def masked_url(url: str) -> str:
    """``url`` with its password (in the user part or a ``password`` query parameter) shown as ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        if ":" in user:
            netloc = f"{user.split(':', 1)[0]}:***@{host}"
    query = parts.query
    if "password" in query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if k == "password" else v) for k, v in pairs], safe="*")
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _split_prefix(url: str) -> tuple[str, str | None]:
    """The URL without a ``prefix`` query parameter (redis-py refuses unknown ones), and that prefix."""
    parts = urlsplit(url)
    if "prefix" not in parts.query:
        return url, None
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((v for k, v in reversed(pairs) if k == "prefix"), None)
    rest = urlencode([(k, v) for k, v in pairs if k != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


def _check_options(prefix: str, max_events: int, max_audit: int, where: str) -> None:
    if not prefix or any(c.isspace() for c in prefix):
        raise ConfigError(f"the Redis key prefix must be a non-empty word without spaces, not {prefix!r}",
                          source=where)
    if max_events < 1 or max_audit < 1:
        raise ConfigError(f"max_events and max_audit must be at least 1, not {max_events} and {max_audit}",
                          source=where)


def _connection_pool(address: str, timeout: float, connect_timeout: float, where: str) -> redis.ConnectionPool:
    scheme = urlsplit(address).scheme.lower()
    if scheme not in ("redis", "rediss"):
        raise ConfigError(f"a Redis store URL starts with redis:// or rediss://, not {scheme or 'nothing'}://",
                          source=where)
    # Short retries ride out a dropped idle connection or a failover; a server that is down fails fast.
    retry = Retry(ExponentialWithJitterBackoff(cap=0.5, base=0.05), retries=2)
    try:
        return redis.ConnectionPool.from_url(address, socket_timeout=timeout, socket_connect_timeout=connect_timeout,
                                             retry=retry, health_check_interval=30, client_name="toolsync")
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"the Redis store URL is not understood: {exc}", source=where) from exc


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _audit_json(audit: AuditRecord) -> bytes:
    # The script puts the id it assigns in front; the rest is the record as AuditRecord.from_dict reads it.
    data = audit.to_dict()
    del data["id"]
    return _dumps(data)


def _event_args(events: Sequence[StoredEvent], where: str) -> list[Any]:
    args: list[Any] = []
    for event in events:
        try:
            data = _dumps(dict(event.data))
        except TypeError as exc:
            raise StoreError(f"event {event.kind!r} of version {event.version} cannot be stored as JSON ({exc})",
                             source=where) from exc
        args += (event.version, event.kind, data)
    return args
