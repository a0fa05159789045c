"""
Resolve ``$ref``s: local JSON pointers, refs into other documents, and cycles.

Schemas are inlined, except where a schema can reach itself again. Every schema that lies on
a cycle of refs (a strongly connected component of the ref graph, found with Tarjan's
algorithm while resolving) is written as ``{"$ref": "#/$defs/<Name>"}``, and its resolved form
goes into the operation's ``defs``. Which schemas are cyclic depends only on the ref graph,
never on the order operations are visited in, so adding an operation never changes another.

Resolved schemas are memoized per (document, pointer, direction) and the same dict objects are
shared by every operation that uses them: treat them as read-only. The direction matters
because request schemas drop ``readOnly`` properties and response schemas drop ``writeOnly``
ones; a cyclic response schema's definition is named ``<Name>-Output`` so that both forms can
sit side by side in one operation's ``defs``.

Expansion is bounded: each resolved schema knows how many nodes it stands for once inlined
(computed from its parts, never by expanding them), and an operation whose schemas stand for
more than ``Limits.max_expanded_nodes`` nodes raises :class:`~toolsync.errors.LimitError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, Final, TypeAlias, TypeVar, cast
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

from .._json import is_mapping
from ..errors import LimitError, RefError
from ..ir import JsonSchema
from ..limits import NESTING_LIMIT, Limits, too_deep
from .normalize import (
    SCHEMA_LIST,
    SCHEMA_MAP,
    SUBSCHEMA_KEYWORDS,
    V2,
    V31,
    Swagger2,
    family_of,
    lift_schema_node,
    translate_v2_pointer,
)

__all__ = ["Direction", "Document", "Located", "ObjectKind", "OperationScope", "RefLoader", "Resolver",
           "decode_pointer", "split_ref"]

RefLoader: TypeAlias = Callable[[str], tuple[str, Any]]
"""Takes an absolute URI without fragment; returns ``(canonical_uri, parsed_document)``."""

# Keywords that mean nothing once every ref is inlined (and would confuse providers).
_DROPPED_KEYWORDS: Final = frozenset({"$defs", "definitions", "$schema", "$id"})
_WALKED: Final = {k: v for k, v in SUBSCHEMA_KEYWORDS.items() if k not in _DROPPED_KEYWORDS}
_SAFE_NAME: Final = re.compile(r"[^A-Za-z0-9_.-]+")
_DEFS_PREFIX: Final = "#/$defs/"
_EMPTY: Final[frozenset[_Entry]] = frozenset()
_T = TypeVar("_T")


class Direction(StrEnum):
    """Which way a schema travels: it decides whether readOnly or writeOnly properties are dropped."""

    INPUT = "input"
    OUTPUT = "output"


class ObjectKind(StrEnum):
    """What a non-schema ``$ref`` is expected to point at (it decides how other files are lifted)."""

    PARAMETER = "parameter"
    REQUEST_BODY = "requestBody"
    RESPONSE = "response"
    HEADER = "header"
    PATH_ITEM = "pathItem"
    SECURITY_SCHEME = "securityScheme"


@dataclass(slots=True, eq=False)
class Document:
    """One parsed document refs can point into."""

    uri: str
    data: Any
    family: str
    # True for other files written in Swagger 2.0 / OpenAPI 3.0: lifted lazily, object by object.
    lift: bool
    is_root: bool = False
    swagger: Swagger2 | None = None


class Located:
    """An object after its refs were followed, with the document it lives in (for nested refs).

    A plain class: compiled, it is built natively (a NamedTuple builds through an interpreted ``__new__``).
    """

    __slots__ = ("document", "node", "pointer")

    def __init__(self, node: Any, document: Document, pointer: str) -> None:
        self.node = node
        self.document = document
        self.pointer = pointer


# Plain classes, not dataclasses: a compiled dataclass still builds through the interpreted __init__
# the dataclass decorator writes, and resolving a large spec makes thousands of these.
class _Entry:
    """One schema ref target, resolved in one direction (a node of Tarjan's algorithm)."""

    __slots__ = ("cyclic", "deps", "done", "index", "key", "low", "name", "on_stack", "raw", "result", "size",
                 "where")

    def __init__(self, key: tuple[str, str, Direction], index: int, low: int, raw: Any, where: str) -> None:
        self.key = key
        self.index = index
        self.low = low
        self.raw = raw
        self.where = where
        self.on_stack = True
        self.done = False
        self.cyclic = False
        self.result: Any = None
        self.size = 0
        self.deps: frozenset[_Entry] | set[_Entry] = _EMPTY
        self.name: str | None = None


class _Frame:
    """Accumulates the size and the cyclic dependencies of the schema being built."""

    __slots__ = ("deps", "entry", "size", "where")

    def __init__(self, entry: _Entry | None, where: str) -> None:
        self.entry = entry
        self.where = where
        self.size = 0
        self.deps: set[_Entry] | None = None


def split_ref(ref: str) -> tuple[str, str]:
    """Split a ref into its document part and its decoded JSON pointer (``"a.yaml#/x"`` → ``("a.yaml", "/x")``)."""
    head, _, fragment = ref.partition("#")
    return head, unquote(fragment) if "%" in fragment else fragment


def decode_pointer(pointer: str) -> list[str]:
    """The segments of a JSON pointer, with ``~1`` and ``~0`` unescaped."""
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


class Resolver:
    """
    Follows refs within one spec: the root document plus any documents ``loader`` returns.

    Args:
        root: the root document, in the 3.1 shape already or (``lift_root``) an OpenAPI 3.0 document
            whose schemas are lifted as they are resolved.
        base_uri: the root's location; relative refs are joined against it.
        family: the root's version family (``"2.0"``, ``"3.0"``, ``"3.1"``).
        loader: fetches other documents; None allows local refs only.
        original: the root as written (Swagger 2.0 ``consumes``/``produces`` for other files).
    """

    def __init__(self, root: Mapping[str, Any], *, base_uri: str, family: str, loader: RefLoader | None,
                 limits: Limits, source: str, original: Mapping[str, Any] | None = None,
                 lift_root: bool = False) -> None:
        self.source = source
        self.limits = limits
        self.root = Document(urldefrag(base_uri).url, root, family, lift=lift_root, is_root=True)
        self.referenced_files: list[str] = []
        self._loader = loader
        self._original = original or {}
        self._docs: dict[str, Document] = {self.root.uri: self.root}
        self._loaded = 0
        self._memo: dict[tuple[str, str, Direction], _Entry] = {}
        self._lifted: dict[tuple[str, str, ObjectKind], Any] = {}
        self._names: dict[str, _Entry] = {}
        self._stack: list[_Entry] = []
        self._frames: list[_Frame] = []
        self._counter = 0
        self._located: dict[tuple[str, str], tuple[Document, str]] = {}
        # Objects reached from a bare {"$ref": …} (nothing beside it to override), by where the ref is read.
        self._derefs: dict[tuple[str, str, ObjectKind], Located] = {}
        self._values: dict[tuple[str, str], Any] = {}
        self._shared: dict[tuple[str, str], tuple[Any, int, frozenset[_Entry]]] = {}
        self._depth = 0

    # -- documents and pointers ----------------------------------------------------------------

    def locate(self, ref: str, document: Document, where: str) -> tuple[Document, str]:
        """The document and JSON pointer ``ref`` names, loading the document when needed."""
        cached = self._located.get((document.uri, ref))
        if cached is not None:
            return cached
        head, pointer = split_ref(ref)
        target = self._document(urldefrag(urljoin(document.uri, head)).url, ref, where) if head else document
        if pointer and not pointer.startswith("/"):
            raise RefError(f"$ref {ref!r} uses a plain-name fragment; only JSON pointers (#/...) are supported",
                           source=self.source, pointer=where)
        if target.is_root and target.family == V2:
            pointer = translate_v2_pointer(pointer)
        self._located[(document.uri, ref)] = (target, pointer)
        return target, pointer

    def lookup(self, document: Document, pointer: str, ref: str, where: str) -> Any:
        """The value at ``pointer`` in ``document``; RefError naming the missing part otherwise."""
        key = (document.uri, pointer)
        if key in self._values:
            return self._values[key]
        node = document.data
        walked = ""
        for part in decode_pointer(pointer):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                shown = f"#{walked}" if walked else "the document root"
                raise RefError(f"$ref {ref!r} cannot be resolved: {shown} has no {part!r}",
                               source=self.source, pointer=where)
            walked += "/" + part.replace("~", "~0").replace("/", "~1")
        self._values[key] = node
        return node

    def display(self, document: Document, pointer: str) -> str:
        """How a location is shown in pointers and messages (``#/x`` in the root, ``uri#/x`` elsewhere)."""
        return f"#{pointer}" if document.is_root else f"{document.uri}#{pointer}"

    def _document(self, uri: str, ref: str, where: str) -> Document:
        known = self._docs.get(uri)
        if known is not None:
            return known
        if self._loader is None:
            raise RefError(f"$ref {ref!r} points into another document ({uri}); only local refs (#/...) "
                           "can be followed for a spec given as data", source=self.source, pointer=where)
        if self._loaded >= self.limits.max_ref_files:
            raise LimitError(f"the spec reaches more than {self.limits.max_ref_files} documents through "
                             "$refs (limit max_ref_files)", source=self.source, pointer=where)
        self._loaded += 1
        canonical, data = self._loader(uri)
        document = self._docs.get(canonical)
        if document is None:
            family = family_of(data) or self.root.family
            document = Document(canonical, data, family, lift=family != V31)
            self._docs[canonical] = document
            self._record(canonical)
        self._docs[uri] = document
        return document

    def _record(self, uri: str) -> None:
        parts = urlsplit(uri)
        path = url2pathname(parts.path) if parts.scheme == "file" else uri
        if path not in self.referenced_files:
            self.referenced_files.append(path)

    # -- non-schema objects ----------------------------------------------------------------------

    def deref(self, node: Any, document: Document, kind: ObjectKind, where: str) -> Located:
        """
        Follow ``node``'s ref chain to the object it names.

        ``summary``/``description`` next to a ref override the target's (all siblings for path
        items). Objects in other Swagger 2.0 files are lifted to their OpenAPI 3 form.
        """
        if not (isinstance(node, dict) and "$ref" in node):
            return Located(node, document, where)
        # Parameters and responses are mostly bare refs to the same few components: followed once each.
        first = node["$ref"]
        bare = (document.uri, first, kind) if len(node) == 1 and isinstance(first, str) else None
        if bare is not None:
            known = self._derefs.get(bare)
            if known is not None:
                return known
        overrides: dict[str, Any] = {}
        seen: set[tuple[str, str]] = set()
        pointer = where
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            keep = (k for k in node if k != "$ref") if kind == ObjectKind.PATH_ITEM else ("summary", "description")
            for key in keep:
                if key in node and key not in overrides:
                    overrides[key] = node[key]
            target, target_pointer = self.locate(ref, document, pointer)
            if (target.uri, target_pointer) in seen:
                raise RefError(f"$ref {ref!r} is circular: it leads back to itself without reaching an object",
                               source=self.source, pointer=where)
            seen.add((target.uri, target_pointer))
            node = self._lift_object(self.lookup(target, target_pointer, ref, pointer), target, target_pointer, kind)
            document, pointer = target, self.display(target, target_pointer)
        if overrides and isinstance(node, dict):
            node = {**node, **overrides}
        found = Located(node, document, pointer)
        if bare is not None:
            self._derefs[bare] = found
        return found

    def _lift_object(self, node: Any, document: Document, pointer: str, kind: ObjectKind) -> Any:
        if not (document.lift and document.family == V2):
            return node
        key = (document.uri, pointer, kind)
        if key in self._lifted:
            return self._lifted[key]
        swagger = self.swagger_for(document)
        lifters: dict[ObjectKind, Callable[[Any], Any]] = {
            ObjectKind.PARAMETER: swagger.parameter,
            ObjectKind.RESPONSE: lambda n: swagger.response(n, swagger.produces),
            ObjectKind.HEADER: swagger.header,
            ObjectKind.PATH_ITEM: lambda n: swagger.path_item(n, self.display(document, pointer)),
            ObjectKind.SECURITY_SCHEME: swagger.security_scheme,
        }
        lifted = lifters[kind](node) if kind in lifters else node
        self._lifted[key] = lifted
        return lifted

    def swagger_for(self, document: Document) -> Swagger2:
        if document.swagger is None:
            data = document.data if is_mapping(document.data) else {}
            swagger = Swagger2(data, base_uri=document.uri, rewrite_refs=False, source=self.source)
            if "swagger" not in data:
                # A fragment file takes its media types from the spec that uses it.
                fallback = Swagger2(self._original)
                swagger.consumes, swagger.produces = fallback.consumes, fallback.produces
            document.swagger = swagger
        return document.swagger

    # -- schemas -----------------------------------------------------------------------------------

    def operation(self, where: str) -> _OperationBlock:
        """
        A scope for resolving one operation's schemas (``with resolver.operation(where) as scope``); its
        ``defs()`` are the cyclic ones they need.

        When resolution fails inside the scope, half-resolved schemas are forgotten so that the
        next operation starts clean.
        """
        return _OperationBlock(self, where)

    def _forget_unfinished(self) -> None:
        doomed = set(self._stack)
        for entry in doomed:
            if self._memo.get(entry.key) is entry:
                del self._memo[entry.key]
        self._names = {name: e for name, e in self._names.items() if e not in doomed}
        self._stack = []

    def walk(self, node: Any, document: Document, direction: Direction) -> Any:
        """Resolve one schema (recursively), counting its expanded size in the current frame."""
        if not isinstance(node, dict):
            self._frames[-1].size += 1
            return node
        if document.lift:
            node = lift_schema_node(node, document.family)
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._follow(node, ref, document, direction)
        frame = self._frames[-1]
        frame.size += 1 + len(node)
        if frame.size > self.limits.max_expanded_nodes:
            self._too_big(frame.where)
        if self._depth >= NESTING_LIMIT:
            raise too_deep()
        self._depth += 1
        try:
            return self._walk_keys(node, document, direction)
        finally:
            self._depth -= 1

    def _walk_keys(self, node: dict[str, Any], document: Document, direction: Direction) -> Any:
        out: dict[str, Any] | None = None
        dropped: set[str] | None = None
        for key, value in node.items():
            how = _WALKED.get(key)
            if how is None:
                if key in _DROPPED_KEYWORDS:
                    out = dict(node) if out is None else out
                    del out[key]
                continue
            if key == "properties":
                new, dropped = self._properties(value, document, direction)
            elif how == SCHEMA_MAP:
                new = self._walk_map(value, document, direction)
            elif how == SCHEMA_LIST or isinstance(value, list):
                new = self._walk_list(value, document, direction)
            else:
                new = self.walk(value, document, direction)
            if new is not value:
                out = dict(node) if out is None else out
                out[key] = new
        if out is None:
            return node
        if dropped and isinstance(out.get("required"), list):
            out["required"] = [name for name in out["required"] if name not in dropped]
        return out

    def _walk_map(self, value: Any, document: Document, direction: Direction) -> Any:
        if not isinstance(value, dict):
            return value
        new = {key: self.walk(sub, document, direction) for key, sub in value.items()}
        return value if all(new[k] is value[k] for k in value) else new

    def _walk_list(self, value: Any, document: Document, direction: Direction) -> Any:
        if not isinstance(value, list):
            return value
        items = [self.walk(sub, document, direction) for sub in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items

    def _properties(self, value: Any, document: Document, direction: Direction) -> tuple[Any, set[str] | None]:
        """Resolve ``properties``, dropping readOnly ones from requests and writeOnly ones from responses."""
        if not isinstance(value, dict):
            return value, None
        hidden = "readOnly" if direction == Direction.INPUT else "writeOnly"
        new: dict[str, Any] = {}
        dropped: set[str] | None = None
        for name, sub in value.items():
            resolved = self.walk(sub, document, direction)
            if self._flag(resolved, hidden):
                dropped = dropped or set()
                dropped.add(name)
            else:
                new[name] = resolved
        if dropped is None and all(new[k] is value[k] for k in value):
            return value, None
        return new, dropped

    def _flag(self, schema: Any, keyword: str) -> bool:
        if not isinstance(schema, dict):
            return False
        if schema.get(keyword) is True:
            return True
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX):
            entry = self._names.get(ref[len(_DEFS_PREFIX):])
            return entry is not None and isinstance(entry.raw, dict) and entry.raw.get(keyword) is True
        return False

    def _follow(self, node: dict[str, Any], ref: str, document: Document, direction: Direction) -> Any:
        frame = self._frames[-1]
        target, pointer = self.locate(ref, document, frame.where)
        key = (target.uri, pointer, direction)
        entry = self._memo.get(key)
        parent = frame.entry
        if entry is None:
            entry = self._visit(key, target, pointer, ref, direction)
            if parent is not None and entry.low < parent.low:
                parent.low = entry.low
        elif entry.on_stack:
            # A back edge: the target is on the current path, so both lie on a cycle.
            entry.cyclic = True
            if parent is not None and entry.index < parent.low:
                parent.low = entry.index
        if entry.cyclic:
            result: Any = {"$ref": _DEFS_PREFIX + self._name(entry)}
            frame.size += 1
            frame.deps = frame.deps or set()
            frame.deps.add(entry)
        else:
            result = entry.result
            frame.size += entry.size
            if entry.deps:
                frame.deps = frame.deps or set()
                frame.deps |= entry.deps
            if frame.size > self.limits.max_expanded_nodes:
                self._too_big(frame.where)
        return self._siblings(node, result, document, direction) if len(node) > 1 else result

    def _siblings(self, node: dict[str, Any], result: Any, document: Document, direction: Direction) -> Any:
        """OpenAPI 3.1 merges a ref's siblings over its target; 2.0 and 3.0 keep only ``description``."""
        if document.family == V31:
            extra = self.walk({k: v for k, v in node.items() if k != "$ref"}, document, direction)
        elif "description" in node:
            extra = {"description": node["description"]}
        else:
            return result
        return {**result, **extra} if isinstance(result, dict) else result

    def _visit(self, key: tuple[str, str, Direction], document: Document, pointer: str, ref: str,
               direction: Direction) -> _Entry:
        where = self._frames[-1].where
        raw = self.lookup(document, pointer, ref, where)
        if isinstance(raw, dict) and isinstance(raw.get("$ref"), str):
            self._check_chain(raw, document, ref, where)
        if len(self._frames) > self.limits.max_depth:
            raise LimitError(f"$refs nest more than {self.limits.max_depth} levels deep (limit max_depth)",
                             source=self.source, pointer=where)
        entry = _Entry(key, self._counter, self._counter, raw, self.display(document, pointer))
        self._counter += 1
        self._memo[key] = entry
        self._stack.append(entry)
        frame = _Frame(entry, entry.where)
        self._frames.append(frame)
        try:
            entry.result = self.walk(raw, document, direction)
        finally:
            self._frames.pop()
        entry.size = frame.size
        entry.deps = frame.deps or _EMPTY
        entry.done = True
        if entry.low < entry.index:
            entry.cyclic = True
        else:
            self._close_component(entry)
        return entry

    def _close_component(self, root: _Entry) -> None:
        while True:
            member = self._stack.pop()
            member.on_stack = False
            if member is root:
                return

    def _check_chain(self, node: dict[str, Any], document: Document, ref: str, where: str) -> None:
        """Refuse a chain of refs that loops without ever reaching a schema."""
        seen: set[tuple[str, str]] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            document, pointer = self.locate(node["$ref"], document, where)
            if (document.uri, pointer) in seen or len(seen) > self.limits.max_depth:
                raise RefError(f"$ref {ref!r} is circular: it leads back to itself without reaching a schema",
                               source=self.source, pointer=where)
            seen.add((document.uri, pointer))
            node = self.lookup(document, pointer, ref, where)

    def _name(self, entry: _Entry) -> str:
        if entry.name is None:
            uri, pointer, direction = entry.key
            parts = decode_pointer(pointer)
            last = parts[-1] if parts else uri.rsplit("/", 1)[-1].split(".")[0]
            base = _SAFE_NAME.sub("_", last).strip("_")[:60] or "schema"
            if direction == Direction.OUTPUT:
                base += "-Output"
            name, n = base, 2
            while name in self._names:
                name, n = f"{base}_{n}", n + 1
            entry.name = name
            self._names[name] = entry
        return entry.name

    def unwrap(self, schema: Any) -> Any:
        """A top-level ``{"$ref": "#/$defs/X"}`` replaced by X itself (recursion inside stays as refs)."""
        for _ in range(8):
            ref = schema.get("$ref") if isinstance(schema, dict) else None
            if not (isinstance(ref, str) and ref.startswith(_DEFS_PREFIX)):
                break
            entry = self._names.get(ref[len(_DEFS_PREFIX):])
            if entry is None or not entry.done or not isinstance(entry.result, dict):
                break
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**entry.result, **siblings} if siblings else entry.result
            self._frames[-1].size += entry.size
        return schema

    def _too_big(self, where: str) -> None:
        operation = self._frames[0].where if self._frames else where
        raise LimitError(f"the operation's schemas expand to more than {self.limits.max_expanded_nodes} nodes once "
                         f"$refs are inlined (reached at {where}); raise Limits.max_expanded_nodes, or load with "
                         "on_unresolved_ref=skip to leave such operations out", source=self.source, pointer=operation)


class OperationScope:
    """Resolves the schemas of one operation and collects the cyclic definitions they need."""

    def __init__(self, resolver: Resolver, frame: _Frame) -> None:
        self._resolver = resolver
        self._frame = frame

    def schema(self, node: Any, document: Document, direction: Direction, where: str) -> JsonSchema:
        """The resolved schema; a missing schema is ``{}`` (anything)."""
        if node is None:
            return {}
        self._resolver._frames[-1].where = where
        resolved = self._resolver.unwrap(self._resolver.walk(node, document, direction))
        if isinstance(resolved, bool):
            return {} if resolved else {"not": {}}
        return resolved if is_mapping(resolved) else {}

    def shared(self, key: tuple[str, str], build: Callable[[], _T]) -> _T:
        """
        ``build()``, computed once per spec for an object many operations reference (by ``key``).

        The object's expanded size and cyclic definitions still count for every operation using it.
        """
        resolver = self._resolver
        cached = resolver._shared.get(key)
        if cached is None:
            sub = _Frame(None, self._frame.where)
            resolver._frames.append(sub)
            try:
                value = build()
            finally:
                resolver._frames.pop()
            cached = (value, sub.size, frozenset(sub.deps or ()))
            resolver._shared[key] = cached
        value, size, deps = cached
        self._frame.size += size
        if deps:
            self._frame.deps = (self._frame.deps or set()) | deps
        if self._frame.size > resolver.limits.max_expanded_nodes:
            resolver._too_big(self._frame.where)
        return cast(_T, value)

    def defs(self) -> dict[str, JsonSchema]:
        """Every cyclic schema the operation's schemas reach, by name; checks the expansion limit."""
        found: dict[str, JsonSchema] = {}
        pending = list(self._frame.deps or ())
        seen: set[_Entry] = set()
        total = self._frame.size
        while pending:
            entry = pending.pop()
            if entry in seen:
                continue
            seen.add(entry)
            found[entry.name or self._resolver._name(entry)] = entry.result
            total += entry.size
            pending.extend(entry.deps)
        if total > self._resolver.limits.max_expanded_nodes:
            self._resolver._too_big(self._frame.where)
        return dict(sorted(found.items()))


class _OperationBlock:
    """:meth:`Resolver.operation` as a plain context manager (a generator-based one costs microseconds per operation)."""

    __slots__ = ("resolver", "where")

    def __init__(self, resolver: Resolver, where: str) -> None:
        self.resolver = resolver
        self.where = where

    def __enter__(self) -> OperationScope:
        frame = _Frame(None, self.where)
        self.resolver._frames = [frame]
        return OperationScope(self.resolver, frame)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self.resolver._forget_unfinished()
        self.resolver._frames = []
