"""Compare two versions of one operation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..ir import Operation
from ._bodies import body_findings, response_findings
from ._finding import Finding, FindingSeverity
from ._meta import deprecation_findings, security_findings, server_findings, text_findings
from ._normalize import Normalizer, changed_defs
from ._pair import OperationPair, op_pointer
from ._parameters import parameter_findings
from ._schema import SchemaDiff, Side

__all__ = ["compare_operation", "diff_operations", "moved_finding", "schema_diffs"]

_CHECKS: tuple[Callable[[OperationPair], Iterable[Finding]], ...] = (
    parameter_findings, body_findings, response_findings, security_findings, server_findings,
    text_findings, deprecation_findings,
)


def schema_diffs(old_defs: Mapping[str, Any], new_defs: Mapping[str, Any]) -> tuple[SchemaDiff, SchemaDiff]:
    """A request-side and a response-side comparer sharing one normalizer per spec version."""
    old, new = Normalizer(old_defs), Normalizer(new_defs)
    changed = changed_defs(old_defs, new_defs)
    return SchemaDiff(Side.REQUEST, old, new, changed), SchemaDiff(Side.RESPONSE, old, new, changed)


def compare_operation(pair: OperationPair) -> list[Finding]:
    """Every finding about the pair, unsorted; a moved pair also gets ``operation.moved``."""
    found = [finding for check in _CHECKS for finding in check(pair)]
    if pair.old.key != pair.new.key:
        found.append(moved_finding(pair))
    return found


def moved_finding(pair: OperationPair) -> Finding:
    how = f"operationId `{pair.new.operation_id}`" if pair.new.operation_id else "the same path shape"
    return pair.finding(
        "operation.moved", FindingSeverity.BREAKING,
        f"{pair.old.key} moved to {pair.new.key} ({how}); calls sent to the old path or method fail",
        old_pointer=op_pointer(pair.old), new_pointer=op_pointer(pair.new), old=pair.old.key, new=pair.new.key)


def diff_operations(old: Operation, new: Operation) -> list[Finding]:
    """
    The findings between two versions of one operation, most serious first.

    Schemas are compared with each operation's own ``defs``. Example::

        breaking = any(f.severity is FindingSeverity.BREAKING for f in diff_operations(before, after))
    """
    request, response = schema_diffs(old.defs, new.defs)
    return sorted(compare_operation(OperationPair(old, new, request, response)), key=Finding.sort_key)
