"""The two versions of one operation being compared, and how findings about them are worded."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..ir import Operation
from ._change import SchemaChange
from ._finding import Finding, FindingSeverity
from ._schema import SchemaDiff

__all__ = ["OperationPair", "escape", "op_pointer", "pointer"]


def escape(token: str) -> str:
    """One JSON pointer token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer(base: str, *path: str) -> str:
    """``base`` (a JSON pointer; a leading ``#`` of the URI-fragment spelling is dropped) plus ``path``."""
    return base.removeprefix("#") + "".join(f"/{escape(part)}" for part in path)


def op_pointer(op: Operation) -> str:
    """Where the operation sits in its spec's document."""
    return pointer(op.pointer) if op.pointer else pointer("/paths", op.path, op.method)


@dataclass(slots=True)
class OperationPair:
    """An operation in the old and the new spec (same key, or moved), with the schema comparers to use."""

    old: Operation
    new: Operation
    request: SchemaDiff
    response: SchemaDiff
    tool: str | None = None
    # True when both sides only inherit the spec's servers: a change is reported once, for the spec.
    inherited_servers: bool = False

    @property
    def key(self) -> str:
        return self.new.key

    def finding(self, rule: str, severity: FindingSeverity, message: str, *, old_pointer: str | None = None,
                new_pointer: str | None = None, **details: Any) -> Finding:
        return Finding(rule, severity, message, self.key, self.tool, old_pointer, new_pointer, details)

    def about(self, where: str, phrase: str, field: str = "") -> str:
        """``Parameter `limit` (query) of GET /pets became required`` or ``Field `a.b` in … of … …``."""
        if field:
            return f"Field `{field}` in {where} of {self.key} {phrase}"
        return f"{where[:1].upper()}{where[1:]} of {self.key} {phrase}"

    def schema_findings(self, changes: Iterable[SchemaChange], side: str, where: str, old_base: str,
                        new_base: str) -> Iterator[Finding]:
        """Place schema changes found under ``where`` (e.g. "the request body") in this operation."""
        for change in changes:
            yield self.finding(
                f"{side}.{change.rule}", change.severity, self.about(where, change.phrase, change.field_name()),
                old_pointer=pointer(old_base, *change.old_path) if change.old_path or not change.new_path else None,
                new_pointer=pointer(new_base, *change.new_path) if change.new_path or not change.old_path else None,
                **change.details)
