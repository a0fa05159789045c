"""
The front end's model side: a parsed document in, an :class:`~toolsync.ir.Spec` out.

``build_spec`` runs three small steps: detect the version and lift the document to the
OpenAPI 3.1 shape (:mod:`.normalize`), resolve refs as operations need them (:mod:`.refs`),
and read the operations out (:mod:`.extract`).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from ..config import RefPolicy
from ..errors import LimitError
from ..ir import Diagnostic, Spec
from ..limits import Limits
from .extract import Extractor
from .normalize import detect_version, normalize_document
from .refs import RefLoader, Resolver

__all__ = ["RefLoader", "build_spec", "gc_paused", "spec_name"]


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
            normalized, diagnostics = normalize_document(document, version, base_uri=base_uri, source=source)
            resolver = Resolver(normalized, base_uri=base_uri, family=version.family, loader=ref_loader,
                                limits=limits, source=source, original=document)
            extractor = Extractor(resolver, base_uri=base_uri, policy=on_unresolved_ref,
                                  diagnostics=diagnostics)
            schemes = extractor.security_schemes()
            operations = extractor.operations()
            servers = extractor.servers()
        except RecursionError:
            raise LimitError("the spec nests too deeply to process (schemas or $refs inside each other); "
                             "flatten it or raise Limits.max_depth", source=source) from None
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
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """
    The cyclic garbage collector paused for the block (nested blocks are fine).

    Building allocates many small dicts next to a large parsed document; letting the cyclic
    collector rescan that document again and again costs about a quarter of the build time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
