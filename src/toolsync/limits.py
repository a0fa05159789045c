"""Bounds and fetch rules shared by every stage that reads untrusted input."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["NESTING_LIMIT", "FetchPolicy", "Limits", "too_deep"]

# How many levels of schemas inside schemas a recursive walk follows before it raises RecursionError, as
# the interpreter would. The compiled build (see hatch_build.py) does not count its own calls against
# the interpreter's recursion limit, so without this bound a schema built deep enough would overflow
# the C stack instead of raising. Walks that have an iterative fallback take it past this bound.
NESTING_LIMIT = 900


def too_deep() -> RecursionError:
    """The error a recursive walk raises past :data:`NESTING_LIMIT` levels."""
    return RecursionError(f"schemas nest more than {NESTING_LIMIT} levels deep")


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard bounds on what a spec may cost to read. Exceeding one raises ``LimitError``."""

    max_bytes: int = 64 * 1024 * 1024
    # Brackets/indentation nesting, checked on the raw text before any parser runs.
    max_depth: int = 256
    # YAML anchors + aliases in one document.
    max_aliases: int = 1000
    # Nodes reachable when walking the parsed document with aliases expanded.
    max_nodes: int = 5_000_000
    # Nodes one operation's schemas may expand to when refs are inlined (ref fan-out bombs).
    # The largest real operation seen (DocuSign's envelope API) expands to ~907,000.
    max_expanded_nodes: int = 1_000_000
    # Files one spec may pull in through relative $refs.
    max_ref_files: int = 500


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """What the fetcher may read. The default is closed: no private networks, no remote refs."""

    timeout: float = 15.0
    max_redirects: int = 5
    # Loopback, private, link-local, CGNAT, multicast and reserved addresses need this.
    allow_private: bool = False
    # Hosts that are allowed even when they resolve to a private address (exact or "*.suffix").
    allowed_hosts: tuple[str, ...] = ()
    # $refs to http(s) URLs are followed only when true (and then through the same guard).
    allow_remote_refs: bool = False
    allowed_schemes: tuple[str, ...] = ("https", "http")
    user_agent: str = "toolsync"
    extra_headers: dict[str, str] = field(default_factory=dict)
