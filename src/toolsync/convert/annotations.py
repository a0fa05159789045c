"""
MCP-style behaviour hints for a tool, from its HTTP method.

=========================  ============  ===============  ==============
method                     readOnlyHint  destructiveHint  idempotentHint
=========================  ============  ===============  ==============
GET, HEAD, OPTIONS, TRACE  true          –                –
PUT                        false         true             true
DELETE                     false         true             true
PATCH                      false         true             false
POST                       false         false            false
=========================  ============  ===============  ==============

``openWorldHint`` is always true: every tool reaches an outside API. The MCP spec gives
``destructiveHint`` and ``idempotentHint`` meaning only when ``readOnlyHint`` is false, so
read-only methods leave them out. PUT replaces and DELETE removes, both repeatable; PATCH
overwrites fields but need not be repeatable; POST is taken as additive (it usually creates).

Overrides, later wins: the operation's ``x-toolsync-annotations`` (or ``x-mcp-annotations``)
extension, then :attr:`ToolOptions.annotations` by operation key or operationId.
"""

from __future__ import annotations

from typing import Any, Final

from .._json import is_mapping
from ..ir import Operation
from ..tool import ConversionNote, NoteKind
from .options import ToolOptions

__all__ = ["HINTS", "annotations_for"]

HINTS: Final = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
_READ: Final = {"readOnlyHint": True, "openWorldHint": True}
_BY_METHOD: Final[dict[str, dict[str, bool]]] = {
    "get": _READ, "head": _READ, "options": _READ, "trace": _READ,
    "put": {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": True, "openWorldHint": True},
    "delete": {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": True, "openWorldHint": True},
    "patch": {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False, "openWorldHint": True},
    "post": {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False, "openWorldHint": True},
}
_EXTENSIONS: Final = ("x-mcp-annotations", "x-toolsync-annotations")


def _apply(target: dict[str, bool], overrides: Any, origin: str, notes: list[ConversionNote]) -> None:
    if not is_mapping(overrides):
        notes.append(ConversionNote(NoteKind.DROPPED, f"{origin} is not a mapping of hints and is ignored"))
        return
    for hint, value in overrides.items():
        if hint in HINTS and isinstance(value, bool):
            target[hint] = value
        elif hint != "title":  # MCP's annotation title is the tool title here
            notes.append(ConversionNote(NoteKind.DROPPED, f"{origin}: {hint!r}={value!r} is not a boolean "
                                        f"hint ({', '.join(HINTS)}) and is ignored"))


def annotations_for(operation: Operation, options: ToolOptions) -> tuple[dict[str, bool], list[ConversionNote]]:
    """The hints of ``operation`` and notes about overrides that could not be used."""
    hints = dict(_BY_METHOD.get(operation.method, _READ))
    notes: list[ConversionNote] = []
    for name in _EXTENSIONS:
        if name in operation.extensions:
            _apply(hints, operation.extensions[name], name, notes)
    for key in (operation.key, operation.operation_id):
        if key and key in options.annotations:
            _apply(hints, options.annotations[key], f"annotations option for {key!r}", notes)
    return hints, notes
