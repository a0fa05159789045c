"""Schema-level findings shared between tools and providers inside ``shared_schemas()``.

Rendered definitions share schema objects (the same parameters object in both OpenAI shapes, the same
input schema for Anthropic and MCP). Inside the block each schema-level check runs once per schema
object; later tools get the same findings under their own name and pointer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, Final

from ._model import ToolIssue
from ._report import Report

__all__ = ["CLEAN", "RESULTS", "checked_once", "clean_memo"]

Memo = dict[tuple[Hashable, ...], tuple[Any, tuple[ToolIssue, ...]]]

# Set by ``shared_schemas()``: findings by (check, options, id(schema)), each entry holding its schema
# so that the id cannot be reused by another object while the block lasts.
RESULTS: Final[ContextVar[Memo | None]] = ContextVar("toolsync_gate_schema_results", default=None)

# Set by ``shared_schemas()``: per check and its settings, the sub-schemas whose whole subtree raised
# nothing, by id(schema) → (schema, what the check keeps about the subtree); the schema is held so that
# its id cannot be reused while the block lasts. One map per settings: the walks look up an int per node.
CleanMemo = dict[int, tuple[Any, Any]]
CLEAN: Final[ContextVar[dict[tuple[Hashable, ...], CleanMemo] | None]] = ContextVar(
    "toolsync_gate_clean_subtrees", default=None)


def clean_memo(settings: tuple[Hashable, ...]) -> CleanMemo:
    """The block's memo of clean subtrees for one check with ``settings``, or a fresh one that lasts one check
    outside ``shared_schemas()``."""
    memos = CLEAN.get()
    if memos is None:
        return {}
    memo = memos.get(settings)
    if memo is None:
        memo = memos[settings] = {}
    return memo


def checked_once(report: Report, key: tuple[Hashable, ...], schema: Any, pointer: str,
                 check: Callable[[Report, str], None]) -> None:
    """``check(report, pointer)``; inside ``shared_schemas()`` a repeat on the same schema object is replayed.

    ``check`` must look at ``schema`` only (plus whatever ``key`` names), build every pointer from the one
    it is given, and never put a pointer in a message.
    """
    memo = RESULTS.get()
    if memo is None:
        check(report, pointer)
        return
    full = (*key, id(schema), report.want_warnings)
    hit = memo.get(full)
    if hit is None or hit[0] is not schema:
        scratch = Report(None, want_warnings=report.want_warnings)
        check(scratch, "")
        hit = memo[full] = (schema, tuple(scratch.issues))
    tool = report.tool
    report.issues.extend(ToolIssue(i.rule, i.severity, i.message, tool,
                                   i.pointer if i.pointer is None else pointer + i.pointer) for i in hit[1])
