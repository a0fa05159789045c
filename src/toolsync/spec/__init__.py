"""
The front end: specs from files, folders, URLs or dicts to :class:`~toolsync.ir.Spec`.

Read (:mod:`.sources`), parse (:mod:`.parse`), build (:mod:`.build`); :func:`load_spec` runs all three.

Example::

    from toolsync.spec import load_spec

    spec = load_spec("specs/petstore.yaml")
    print([op.key for op in spec.operations])
"""

from __future__ import annotations

from .build import build_spec
from .loader import (
    Expansion,
    LoadResult,
    RefLoader,
    aload_spec,
    expand_sources,
    is_url,
    load_bytes,
    load_config,
    load_many,
    load_spec,
)
from .parse import parse_document, parse_value
from .sources import (
    Discovery,
    NotModified,
    SourceBytes,
    afetch_url,
    discover,
    discover_report,
    fetch_url,
    read_file,
)

__all__ = [
    "Discovery",
    "Expansion",
    "LoadResult",
    "NotModified",
    "RefLoader",
    "SourceBytes",
    "afetch_url",
    "aload_spec",
    "build_spec",
    "discover",
    "discover_report",
    "expand_sources",
    "fetch_url",
    "is_url",
    "load_bytes",
    "load_config",
    "load_many",
    "load_spec",
    "parse_document",
    "parse_value",
    "read_file",
]
