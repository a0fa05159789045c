"""
The entry points of the front end: a file, a URL or a dict in, an :class:`~toolsync.ir.Spec` out.

``load_spec`` reads the source (:mod:`.sources`), parses it (:mod:`.parse`) and hands the document
to :func:`~toolsync.spec.build.build_spec` together with a ref loader. The ref loader is the only
way a spec reaches other documents:

* a spec read from ``/abs/dir/spec.yaml`` may reach files under ``/abs/dir`` (after following
  symbolic links), never ``..`` out of it, never an absolute path elsewhere;
* http(s) refs are followed only when ``FetchPolicy.allow_remote_refs`` is set, through the same
  fetch guard as the spec itself; a spec read from a URL never reaches local files;
* each document is read once, at most ``Limits.max_ref_files`` of them, and every one of them
  counts in the spec's fingerprint.

Example::

    spec = load_spec("specs/petstore.yaml")
    results = load_many(["specs/", "https://api.example.com/openapi.json"])
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit
from urllib.request import url2pathname

import orjson

from ..config import RefPolicy, SpecConfig
from ..errors import FetchBlockedError, LimitError, ParseError, RefError, SourceError, ToolsyncError
from ..ir import Spec
from ..limits import FetchPolicy, Limits
from .build import RefLoader, build_spec, gc_paused, has_previous_build
from .parse import parse_document, parse_source, parse_value
from .sources import (
    NotModified,
    SourceBytes,
    afetch_url,
    discover_report,
    fetch_url,
    fingerprint_aside,
    read_file,
    read_file_unhashed,
)

__all__ = [
    "Expansion",
    "LoadResult",
    "RefLoader",
    "aload_spec",
    "expand_sources",
    "is_url",
    "load_bytes",
    "load_config",
    "load_many",
    "load_spec",
]

SpecSource = str | os.PathLike[str] | Mapping[str, Any]
_DEFAULT_LIMITS = Limits()
_DEFAULT_FETCH = FetchPolicy()
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_MEMORY_SOURCE = "<memory>"


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The outcome of loading one source: a spec, or the error that stopped it."""

    source: str
    spec: Spec | None = None
    error: ToolsyncError | None = None

    @property
    def ok(self) -> bool:
        return self.spec is not None and self.error is None


@dataclass(frozen=True, slots=True)
class Expansion:
    """Sources to load in order (folders replaced by their specs) and the folder files passed over."""

    entries: tuple[str | LoadResult, ...]  # a LoadResult is a source that failed while expanding
    ignored: tuple[tuple[str, str], ...] = ()  # (path, reason)


def is_url(source: str) -> bool:
    """True when ``source`` is spelled as a URL (``scheme://...``) rather than a path."""
    return bool(_SCHEME.match(source))


def load_spec(
    source: SpecSource,
    *,
    name: str | None = None,
    limits: Limits = _DEFAULT_LIMITS,
    fetch: FetchPolicy = _DEFAULT_FETCH,
    on_unresolved_ref: RefPolicy = RefPolicy.FAIL,
) -> Spec:
    """
    Load one spec from a file path, an http(s) URL or an in-memory mapping.

    Raises:
        SourceError: the file or URL cannot be read (``FetchBlockedError`` when the guard refuses it).
        SpecError: the bytes are not a usable spec (``ParseError``, ``LimitError``, ``RefError``, ...).
    """
    if isinstance(source, Mapping):
        return _load_mapping(source, name=name, limits=limits, on_unresolved_ref=on_unresolved_ref)
    text = _as_location(source)
    if is_url(text):
        payload = _fresh(fetch_url(text, policy=fetch, limits=limits))
        return load_bytes(payload, source=text, name=name, limits=limits, fetch=fetch,
                          on_unresolved_ref=on_unresolved_ref)
    payload = read_file_unhashed(text, limits=limits)
    # The file's fingerprint is hashed on another core while this thread parses it.
    return _load_payload(payload, fingerprint_aside(payload.data), source=text, name=name, limits=limits,
                         fetch=fetch, on_unresolved_ref=on_unresolved_ref)


async def aload_spec(
    source: SpecSource,
    *,
    name: str | None = None,
    limits: Limits = _DEFAULT_LIMITS,
    fetch: FetchPolicy = _DEFAULT_FETCH,
    on_unresolved_ref: RefPolicy = RefPolicy.FAIL,
) -> Spec:
    """The asyncio twin of :func:`load_spec`: URLs are fetched on the loop, parsing runs in a thread."""
    if isinstance(source, Mapping) or not is_url(_as_location(source)):
        return await asyncio.to_thread(load_spec, source, name=name, limits=limits, fetch=fetch,
                                       on_unresolved_ref=on_unresolved_ref)
    url = _as_location(source)
    payload = _fresh(await afetch_url(url, policy=fetch, limits=limits))
    return await asyncio.to_thread(load_bytes, payload, source=url, name=name, limits=limits, fetch=fetch,
                                   on_unresolved_ref=on_unresolved_ref)


def load_config(config: SpecConfig) -> Spec:
    """Load the spec one :class:`~toolsync.config.SpecConfig` describes, with its limits and fetch policy."""
    return load_spec(config.source, name=config.name, limits=config.limits, fetch=config.fetch,
                     on_unresolved_ref=config.on_unresolved_ref)


def load_bytes(
    payload: SourceBytes,
    *,
    source: str | None = None,
    name: str | None = None,
    limits: Limits = _DEFAULT_LIMITS,
    fetch: FetchPolicy = _DEFAULT_FETCH,
    on_unresolved_ref: RefPolicy = RefPolicy.FAIL,
) -> Spec:
    """
    Build a spec from bytes already read (a poller's conditional GET, a webhook upload).

    ``payload.location`` decides where relative refs may reach: the file's folder, or (with
    ``allow_remote_refs``) other URLs. ``source`` is how the spec is named in messages.
    """
    return _load_payload(payload, lambda: payload.fingerprint, source=source, name=name, limits=limits,
                         fetch=fetch, on_unresolved_ref=on_unresolved_ref)


def _load_payload(payload: SourceBytes, fingerprint: Callable[[], str], *, source: str | None, name: str | None,
                  limits: Limits, fetch: FetchPolicy, on_unresolved_ref: RefPolicy) -> Spec:
    """:func:`load_bytes` with the payload's fingerprint asked for only once the bytes are parsed."""
    shown = source or payload.location
    # Parsing allocates millions of containers; the cyclic collector would rescan them as they come.
    with gc_paused():
        # A first load lists the refs for the spec gate while parsing; a reload gates only what changed.
        parsed = parse_source(payload.data, source=shown, limits=limits, media_type=payload.media_type,
                              want_refs=not has_previous_build(shown))
        digest = fingerprint()
        loader = _RefLoader.for_payload(payload, shown, limits, fetch)
        spec = build_spec(parsed.document, source=shown, base_uri=loader.base_uri, name=name, ref_loader=loader,
                          limits=limits, on_unresolved_ref=on_unresolved_ref, fingerprint=digest,
                          document_refs=parsed.refs)
    return loader.finish(spec, digest)


def expand_sources(sources: Iterable[str | os.PathLike[str]], *, limits: Limits = _DEFAULT_LIMITS) -> Expansion:
    """Replace every folder by the specs found in it (sorted); URLs and files pass through."""
    entries: list[str | LoadResult] = []
    ignored: list[tuple[str, str]] = []
    for item in sources:
        text = _as_location(item)
        if is_url(text) or not os.path.isdir(text):
            entries.append(text)
            continue
        try:
            found = discover_report(text, limits=limits)
        except ToolsyncError as exc:
            entries.append(LoadResult(source=text, error=exc))
            continue
        ignored.extend((str(path), reason) for path, reason in found.ignored)
        if not found.specs:
            entries.append(LoadResult(source=text, error=SourceError(
                "the folder holds no OpenAPI or Swagger document (*.json, *.yaml, *.yml)", source=text)))
        entries.extend(str(path) for path in found.specs)
    return Expansion(entries=tuple(entries), ignored=tuple(ignored))


def load_many(
    sources: Iterable[str | os.PathLike[str]],
    *,
    limits: Limits = _DEFAULT_LIMITS,
    fetch: FetchPolicy = _DEFAULT_FETCH,
    on_unresolved_ref: RefPolicy = RefPolicy.FAIL,
    on_result: Callable[[LoadResult], None] | None = None,
) -> list[LoadResult]:
    """
    Load several files, folders and URLs; one failure never stops the others.

    A folder expands to every spec in it. ``on_result`` is called after each source (for progress).
    """
    results: list[LoadResult] = []
    for entry in expand_sources(sources, limits=limits).entries:
        result = entry if isinstance(entry, LoadResult) else _load_one(entry, limits, fetch, on_unresolved_ref)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def _load_one(source: str, limits: Limits, fetch: FetchPolicy, on_unresolved_ref: RefPolicy) -> LoadResult:
    try:
        spec = load_spec(source, limits=limits, fetch=fetch, on_unresolved_ref=on_unresolved_ref)
    except ToolsyncError as exc:
        return LoadResult(source=source, error=exc)
    return LoadResult(source=source, spec=spec)


def _as_location(source: str | os.PathLike[str]) -> str:
    text = os.fspath(source)
    if text.lower().startswith("file://"):
        return url2pathname(urlsplit(text).path)
    return text


def _fresh(payload: SourceBytes | NotModified) -> SourceBytes:
    # No validators were sent, so a 304 means a misbehaving server.
    if isinstance(payload, NotModified):
        raise SourceError("the server answered 304 Not Modified to an unconditional request",
                          source=payload.location)
    return payload


def _load_mapping(document: Mapping[str, Any], *, name: str | None, limits: Limits,
                  on_unresolved_ref: RefPolicy) -> Spec:
    """An in-memory document: copied to plain JSON values first, so the caller's dict is never shared."""
    try:
        blob = orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError as exc:
        if "recursion" in str(exc).lower():
            raise LimitError(f"the document is nested too deeply or contains a cycle ({exc})",
                             source=_MEMORY_SOURCE, details={"limit": "max_depth"}) from exc
        raise ParseError(f"the document holds a value JSON cannot represent ({exc})",
                         source=_MEMORY_SOURCE) from exc
    plain = parse_document(blob, source=_MEMORY_SOURCE, limits=limits, media_type="application/json")
    digest = hashlib.sha256(blob).hexdigest()
    return build_spec(plain, source=_MEMORY_SOURCE, name=name, ref_loader=None, limits=limits,
                      on_unresolved_ref=on_unresolved_ref, fingerprint=digest)


@dataclass
class _RefLoader:
    """Reads the documents a spec's refs point to, within the spec's folder or through the fetch guard."""

    source: str  # how the root spec is named in messages
    base_uri: str  # the root's canonical URI
    root_dir: Path | None  # the folder local refs may reach; None for a spec read from a URL
    limits: Limits
    fetch: FetchPolicy
    cache: dict[str, tuple[str, Any]] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)  # canonical URI -> sha256
    files: list[str] = field(default_factory=list)  # local paths read, in order

    @classmethod
    def for_payload(cls, payload: SourceBytes, shown: str, limits: Limits, fetch: FetchPolicy) -> _RefLoader:
        if is_url(payload.location):
            return cls(shown, urldefrag(payload.location).url, None, limits, fetch)
        real = Path(payload.location).resolve()
        return cls(shown, real.as_uri(), real.parent, limits, fetch)

    def __call__(self, uri: str) -> tuple[str, Any]:
        uri = urldefrag(uri).url
        cached = self.cache.get(uri)
        if cached is not None:
            return cached
        scheme = urlsplit(uri).scheme.lower()
        if scheme == "file":
            loaded = self._load_file(uri)
        elif scheme in ("http", "https"):
            loaded = self._load_url(uri)
        else:
            raise RefError(f"$ref to {uri!r}: only files next to the spec and http(s) URLs can be referenced",
                           source=self.source, details={"ref": uri})
        self.cache[uri] = self.cache[loaded[0]] = loaded
        return loaded

    def _load_file(self, uri: str) -> tuple[str, Any]:
        parts = urlsplit(uri)
        if self.root_dir is None:
            raise RefError(f"$ref to {uri!r}: a spec read from a URL cannot read local files",
                           source=self.source, details={"ref": uri})
        if parts.netloc not in ("", "localhost"):
            raise RefError(f"$ref to {uri!r}: file URLs on other hosts are not read", source=self.source,
                           details={"ref": uri})
        real = Path(url2pathname(parts.path)).resolve()
        if not real.is_relative_to(self.root_dir):
            raise RefError(f"$ref to {real} leaves the spec's folder {self.root_dir}; refs may only reach files "
                           "under it", source=self.source, details={"ref": uri, "reason": "outside_root"})
        canonical = real.as_uri()
        if canonical in self.cache:
            return self.cache[canonical]
        self._count(uri)
        try:
            payload = read_file(real, limits=self.limits, root=self.root_dir)
        except FetchBlockedError as exc:
            raise RefError(f"$ref to {real} refused: {exc.message}", source=self.source,
                           details={"ref": uri, "reason": "outside_root"}) from exc
        except LimitError:
            raise
        except SourceError as exc:
            raise RefError(f"$ref to {real} cannot be read: {exc.message}", source=self.source,
                           details={"ref": uri}) from exc
        self.files.append(str(real))
        return self._parsed(canonical, payload)

    def _load_url(self, uri: str) -> tuple[str, Any]:
        if not self.fetch.allow_remote_refs:
            raise RefError(f"$ref to {uri!r} is remote; set allow_remote_refs in the fetch policy to follow it",
                           source=self.source, details={"ref": uri, "reason": "remote"})
        self._count(uri)
        try:
            payload = _fresh(fetch_url(uri, policy=self.fetch, limits=self.limits))
        except (FetchBlockedError, LimitError):
            raise
        except SourceError as exc:
            raise RefError(f"$ref to {uri!r} cannot be fetched: {exc.message}", source=self.source,
                           details={"ref": uri}) from exc
        return self._parsed(urldefrag(payload.location).url, payload)

    def _count(self, uri: str) -> None:
        if len(self.fingerprints) >= self.limits.max_ref_files:
            raise LimitError(f"the spec reaches more than {self.limits.max_ref_files} documents through $refs "
                             f"(at {uri}); raise limits.max_ref_files if it is trusted", source=self.source,
                             details={"limit": "max_ref_files", "max_ref_files": self.limits.max_ref_files})

    def _parsed(self, canonical: str, payload: SourceBytes) -> tuple[str, Any]:
        self.fingerprints[canonical] = payload.fingerprint
        document = parse_value(payload.data, source=payload.location, limits=self.limits,
                               media_type=payload.media_type)
        return canonical, document

    def finish(self, spec: Spec, root_fingerprint: str) -> Spec:
        """The spec with every file read through refs listed, and counted in its fingerprint."""
        files = list(spec.referenced_files)
        files.extend(path for path in self.files if path not in files)
        if not self.fingerprints:
            return dataclasses.replace(spec, referenced_files=tuple(files)) if files else spec
        combined = hashlib.sha256(root_fingerprint.encode())
        for uri in sorted(self.fingerprints):
            combined.update(f"\n{uri} {self.fingerprints[uri]}".encode())
        return dataclasses.replace(spec, fingerprint=combined.hexdigest(), referenced_files=tuple(files))
