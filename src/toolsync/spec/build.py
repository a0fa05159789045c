"""
The front end's model side: a parsed document in, an :class:`~toolsync.ir.Spec` out.

``build_spec`` runs three small steps: detect the version and lift the document to the
OpenAPI 3.1 shape (:mod:`.normalize`), resolve refs as operations need them (:mod:`.refs`),
and read the operations out (:mod:`.extract`).
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson

from ..config import RefPolicy
from ..errors import LimitError
from ..ir import Diagnostic, Operation, Spec
from ..limits import Limits
from .extract import Extractor, PathExtract
from .normalize import V2, V30, detect_version, normalize_document
from .refs import RefLoader, Resolver

__all__ = ["RefLoader", "build_spec", "gc_paused", "has_previous_build", "spec_name"]


def build_spec(
    document: Mapping[str, Any],
    *,
    source: str,
    base_uri: str = "",
    name: str | None = None,
    ref_loader: RefLoader | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen, so one shared default is safe
    on_unresolved_ref: RefPolicy = RefPolicy.FAIL,
    fingerprint: str = "",
    document_refs: frozenset[str] | None = None,
) -> Spec:
    """
    Build the neutral model of one spec from its parsed document.

    Args:
        document: the parsed root document (never changed).
        source: file path or URL, for messages.
        base_uri: the root's absolute URI (``file:///abs/spec.yaml`` or an https URL); relative
            refs and relative server URLs are joined against it.
        name: registry name; else the slug of ``info.title``, else the file stem.
        ref_loader: reads other documents for refs; None allows local refs only.
        limits: bounds on ref fan-out, nesting and the number of referenced files.
        on_unresolved_ref: FAIL raises; SKIP leaves out the operations that need a missing ref.
        fingerprint: content hash of the source, stored on the result.
        document_refs: every ``$ref`` string in ``document``, when the parser listed them (kept for the
            spec gate; dropped for Swagger 2.0, whose refs are rewritten).

    Raises:
        UnsupportedSpecError: not Swagger 2.0 or OpenAPI 3.0/3.1.
        RefError: a ref cannot be resolved (policy FAIL) or is circular without content.
        LimitError: expansion, nesting or referenced-file limits exceeded.

    Example:
        >>> spec = build_spec({"openapi": "3.1.0", "info": {"title": "Pets", "version": "1"},
        ...                    "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok"}}}}}},
        ...                   source="pets.yaml")
        >>> [op.key for op in spec.operations]
        ['GET /pets']
    """
    version = detect_version(document, source=source)
    with gc_paused():
        try:
            if version.family == V2:
                normalized, diagnostics = normalize_document(document, version, base_uri=base_uri, source=source)
            else:
                # OpenAPI 3 schemas are lifted to 3.1 as the resolver reaches them: only the ones the
                # operations use, each once, and a reload does not lift what it does not read again.
                normalized, diagnostics = dict(document), []
            suffix = f"|{version.family}|{base_uri}|{on_unresolved_ref}|{limits!r}|{ref_loader is None}".encode()
            reuse = _PathReuse(*_previous_build(source, normalized, suffix), diagnostics)
            resolver = Resolver(normalized, base_uri=base_uri, family=version.family, loader=ref_loader,
                                limits=limits, source=source, original=document, lift_root=version.family == V30)
            extractor = Extractor(resolver, base_uri=base_uri, policy=on_unresolved_ref,
                                  diagnostics=diagnostics)
            schemes = extractor.security_schemes()
            operations = extractor.operations(reuse)
            servers = extractor.servers()
        except RecursionError:
            raise LimitError("the spec nests too deeply to process (schemas or $refs inside each other); "
                             "flatten it or raise Limits.max_depth", source=source) from None
    _remember(source, reuse.remembered(normalized, suffix) if not resolver.referenced_files else None)
    raw_info = normalized.get("info")
    info: Mapping[str, Any] = raw_info if isinstance(raw_info, Mapping) else {}
    return Spec(
        name=name or spec_name(info.get("title"), base_uri or source),
        source=source,
        title=_text(info.get("title")),
        version=str(info.get("version")) if info.get("version") is not None else "",
        openapi_version=version.declared,
        operations=operations,
        servers=servers,
        security_schemes=schemes,
        description=_text(info.get("description")),
        diagnostics=tuple(_with_source(d, source) for d in diagnostics),
        fingerprint=fingerprint,
        referenced_files=tuple(resolver.referenced_files),
        document=normalized,
        document_refs=document_refs if version.family != V2 else None,
    )


# -- reusing the operations of unchanged path items ---------------------------------------------------
#
# A reload usually changes one operation of a large spec. The operations of every other path item
# are the same as in the last build of the same source when the path item and everything outside
# ``paths`` (components, servers, security) are unchanged, and nothing outside the document was read:
# those are kept (with the diagnostics they produced) instead of being resolved and extracted again.
#
# Path items are compared by a digest of their JSON. A first build keeps its document instead of
# digests: a build that is never followed by another of the same source (a one-off load, a
# conversion) does not pay for serializing the whole document; the next build digests both sides.

_PathEntry = tuple[bytes | None, tuple[Operation, ...], tuple[Diagnostic, ...]]
_REMEMBERED_SOURCES = 8
_remembered: OrderedDict[str, _Built] = OrderedDict()
_remembered_lock = threading.Lock()


class _Built:
    """What the last build of one source leaves for the next: its path items' operations, by path."""

    __slots__ = ("context", "document", "paths", "suffix")

    def __init__(self, suffix: bytes, context: bytes | None, document: Mapping[str, Any] | None,
                 paths: dict[str, _PathEntry]) -> None:
        self.suffix = suffix
        self.context = context  # digest of everything but paths; None until someone needs it
        self.document = document  # kept while digests are missing, to compute them when needed
        self.paths = paths

    def context_key(self) -> bytes | None:
        if self.context is None and self.document is not None:
            self.context = _context_key(self.document)
        return self.context

    def digest_of(self, path: str) -> bytes | None:
        """The digest of the path item at ``path`` (computed from the kept document when missing)."""
        entry = self.paths.get(path)
        if entry is None:
            return None
        if entry[0] is None and self.document is not None:
            items = self.document.get("paths")
            item = items.get(path) if isinstance(items, Mapping) else None
            entry = self.paths[path] = (_digest(item), entry[1], entry[2])
        return entry[0]


def _digest(value: Any) -> bytes | None:
    for option in (0, orjson.OPT_NON_STR_KEYS):  # the second, twice as slow, only for non-string keys
        try:
            return hashlib.sha256(orjson.dumps(value, option=option)).digest()
        except (TypeError, orjson.JSONEncodeError):
            continue
    return None


def _context_key(document: Mapping[str, Any]) -> bytes | None:
    """What a path item's operations depend on besides the path item itself; None when it cannot tell."""
    return _digest({k: v for k, v in document.items() if k != "paths"})


def _previous_build(source: str, document: Mapping[str, Any], suffix: bytes) -> tuple[_Built | None, bytes | None]:
    """
    (last build of ``source``, context digest of ``document``); the build is None on a first build.

    When the context changed, the build returned holds no path items: nothing is reused, but this
    build still digests its path items for the next one.
    """
    with _remembered_lock:
        found = _remembered.get(source)
    if found is None or found.suffix != suffix:
        return None, None
    with _remembered_lock:  # a digest computed here is kept, and another thread may read it
        before = found.context_key()
    now = _context_key(document)
    return (found if before is not None and before == now else _Built(suffix, now, None, {})), now


def has_previous_build(source: str) -> bool:
    """Whether a build of ``source`` is remembered: the next one is a reload, not a first load."""
    with _remembered_lock:
        return source in _remembered


def _remember(source: str, built: _Built | None) -> None:
    with _remembered_lock:
        _remembered.pop(source, None)
        if built is None:
            return
        _remembered[source] = built
        while len(_remembered) > _REMEMBERED_SOURCES:
            _remembered.popitem(last=False)


class _PathReuse:
    """Answers for path items unchanged since the last build; records every path item of this one."""

    def __init__(self, previous: _Built | None, context: bytes | None, diagnostics: list[Diagnostic]) -> None:
        self.previous = previous
        self.context = context
        self.diagnostics = diagnostics
        self.current: dict[str, _PathEntry] = {}

    def __call__(self, path: str, item: Any, extract: PathExtract) -> list[Operation]:
        previous = self.previous
        digest = None  # a first build digests nothing (see _Built)
        if previous is not None:
            digest = _digest(item)
            known = previous.paths.get(path)
            if digest is not None and known is not None:
                with _remembered_lock:
                    before = previous.digest_of(path)
                if before == digest:
                    self.diagnostics.extend(known[2])
                    self.current[path] = (digest, known[1], known[2])
                    return list(known[1])
        start = len(self.diagnostics)
        operations = extract(path, item)
        if previous is None or digest is not None:  # an item that cannot be digested is never reused
            self.current[path] = (digest, tuple(operations), tuple(self.diagnostics[start:]))
        return operations

    def remembered(self, document: Mapping[str, Any], suffix: bytes) -> _Built:
        """What this build leaves for the next one: its digests, or its document when it computed none."""
        if self.previous is None:
            return _Built(suffix, None, document, self.current)
        return _Built(suffix, self.context, None, self.current)


@contextmanager
def gc_paused() -> Iterator[None]:
    """
    The cyclic garbage collector paused for the block (nested blocks are fine).

    Building allocates many small dicts next to a large parsed document; letting the cyclic
    collector rescan that document again and again costs about a quarter of the build time.
    What survives the outermost block is long-lived (a parsed spec, its tools): it is frozen
    (``gc.freeze``) so that the young-generation collection the pause has built up, which would scan
    every one of those objects at the next allocation, finds nothing to do. The next full collection
    unfreezes them first (see :func:`_thaw_before_full_collection`), and every
    :data:`_THAW_EVERY`-th block thaws instead of freezing, so cyclic garbage frozen with them is still
    collected even when builds follow each other faster than full collections.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _install_thaw()
            if next(_blocks) % _THAW_EVERY:
                gc.freeze()
            else:
                gc.unfreeze()
            gc.enable()


_THAW_EVERY = 16
_blocks = itertools.count(1)


def _thaw_before_full_collection(phase: str, info: dict[str, int]) -> None:
    """A ``gc.callbacks`` hook: the oldest generation's collection also looks at frozen objects."""
    if phase == "start" and info.get("generation") == 2 and gc.get_freeze_count():
        gc.unfreeze()


def _install_thaw() -> None:
    if _thaw_before_full_collection not in gc.callbacks:
        gc.callbacks.append(_thaw_before_full_collection)


def spec_name(title: Any, location: str) -> str:
    """A registry name: the slug of the title, else of the file stem, else ``"spec"``."""
    slug = _slug(title) if isinstance(title, str) else ""
    if slug:
        return slug
    path = unquote(urlsplit(location).path) if "://" in location else location
    return _slug(PurePosixPath(path.replace("\\", "/")).stem) or "spec"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _with_source(diagnostic: Diagnostic, source: str) -> Diagnostic:
    if diagnostic.source:
        return diagnostic
    return Diagnostic(diagnostic.code, diagnostic.message, diagnostic.severity, diagnostic.pointer, source)
