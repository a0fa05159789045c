"""Compare two versions of a spec: operations by key, moves by operationId, tools by name."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..ir import Operation, Spec
from ..tool import Tool
from ._finding import Finding, FindingSeverity
from ._meta import server_change
from ._operation import compare_operation, schema_diffs
from ._pair import OperationPair, op_pointer, pointer
from ._report import DiffReport
from ._schema import SchemaDiff
from ._semver import semver_finding

__all__ = ["diff_specs"]

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
_PATH_PARAM = re.compile(r"\{[^{}]*\}")


def diff_specs(old: Spec, new: Spec, *, old_tools: Mapping[str, Tool] | None = None,
               new_tools: Mapping[str, Tool] | None = None) -> DiffReport:
    """
    Compare two versions of a spec.

    ``old_tools``/``new_tools`` (keyed by operation key) let tool renames be reported and name the
    tool on each finding. Example::

        report = diff_specs(load_spec("v1.yaml"), load_spec("v2.yaml"))
        if report.breaking:
            print(report.to_markdown())
    """
    old_ops, new_ops = {op.key: op for op in old.operations}, {op.key: op for op in new.operations}
    removed, added = sorted(old_ops.keys() - new_ops.keys()), sorted(new_ops.keys() - old_ops.keys())
    moved = _match_moved([old_ops[k] for k in removed], [new_ops[k] for k in added])
    diffs = schema_diffs(_all_defs(old), _all_defs(new))
    tools = _Tools(old_tools or {}, new_tools or {})
    findings = list(_spec_findings(old, new))
    changed: list[str] = []
    unchanged: list[str] = []
    for key in sorted(old_ops.keys() & new_ops.keys()):
        found = _pair_findings(old, new, old_ops[key], new_ops[key], diffs, tools)
        (changed if found else unchanged).append(key)
        findings += found
    for before, after in moved:
        findings += _pair_findings(old, new, before, after, diffs, tools)
    moved_old, moved_new = {b.key for b, _ in moved}, {a.key for _, a in moved}
    findings += [_removed(old_ops[k], tools.old_name(k)) for k in removed if k not in moved_old]
    findings += [_added(new_ops[k], tools.new_name(k)) for k in added if k not in moved_new]
    verdict = any(f.severity is B for f in findings)
    semver = semver_finding(old.version, new.version, verdict)
    if semver is not None:
        findings.append(semver)
    return DiffReport.from_findings(
        findings, added=tuple(added), removed=tuple(removed), changed=tuple(changed),
        unchanged=tuple(unchanged), old_version=old.version, new_version=new.version,
        moved=tuple((b.key, a.key) for b, a in moved), title=new.title or old.title)


class _Tools:
    """Tool names per operation key, on each side."""

    def __init__(self, old: Mapping[str, Tool], new: Mapping[str, Tool]) -> None:
        self._old, self._new = old, new

    def old_name(self, key: str) -> str | None:
        tool = self._old.get(key)
        return tool.name if tool is not None else None

    def new_name(self, key: str) -> str | None:
        tool = self._new.get(key)
        return tool.name if tool is not None else None


def _all_defs(spec: Spec) -> dict[str, Any]:
    # $defs names come from component names, which are unique within a spec.
    out: dict[str, Any] = {}
    for op in spec.operations:
        for name, schema in op.defs.items():
            out.setdefault(name, schema)
    return out


def _match_moved(removed: list[Operation], added: list[Operation]) -> list[tuple[Operation, Operation]]:
    """Pair removed and added operations by operationId, then by method and path shape."""
    pairs: list[tuple[Operation, Operation]] = []
    for identity in (_operation_id, _shape):
        left, right = _unique(removed, identity), _unique(added, identity)
        for value in sorted(left.keys() & right.keys()):
            pairs.append((left[value], right[value]))
        taken_old, taken_new = {id(b) for b, _ in pairs}, {id(a) for _, a in pairs}
        removed = [op for op in removed if id(op) not in taken_old]
        added = [op for op in added if id(op) not in taken_new]
    return pairs


def _operation_id(op: Operation) -> str | None:
    return op.operation_id or None


def _shape(op: Operation) -> str:
    # "/pets/{id}" and "/pets/{petId}" are the same endpoint with a renamed path parameter.
    return f"{op.method} {_PATH_PARAM.sub('{}', op.path)}"


def _unique(ops: list[Operation], identity: Any) -> dict[str, Operation]:
    seen: dict[str, list[Operation]] = {}
    for op in ops:
        value = identity(op)
        if value is not None:
            seen.setdefault(value, []).append(op)
    return {value: group[0] for value, group in seen.items() if len(group) == 1}


def _pair_findings(old: Spec, new: Spec, before: Operation, after: Operation,
                   diffs: tuple[SchemaDiff, SchemaDiff], tools: _Tools) -> list[Finding]:
    old_tool, new_tool = tools.old_name(before.key), tools.new_name(after.key)
    inherited = before.servers == old.servers and after.servers == new.servers
    pair = OperationPair(before, after, *diffs, tool=new_tool or old_tool, inherited_servers=inherited)
    found = compare_operation(pair)
    if old_tool and new_tool and old_tool != new_tool:
        found.append(pair.finding(
            "tool.renamed", B, f"The tool for {after.key} was renamed from `{old_tool}` to `{new_tool}`; "
            "agents that call the old name fail", old_pointer=op_pointer(before), new_pointer=op_pointer(after),
            old=old_tool, new=new_tool))
    return found


def _removed(op: Operation, tool: str | None) -> Finding:
    named = f" (tool `{tool}`)" if tool else ""
    return Finding("operation.removed", B, f"{op.key}{named} was removed; calls to it fail",
                   op.key, tool, op_pointer(op), None)


def _added(op: Operation, tool: str | None) -> Finding:
    named = f" (tool `{tool}`)" if tool else ""
    return Finding("operation.added", I, f"{op.key}{named} was added", op.key, tool, None, op_pointer(op))


def _spec_findings(old: Spec, new: Spec) -> Iterator[Finding]:
    change = server_change(old.servers, new.servers)
    if change is not None:
        yield Finding("spec.server-changed", W, f"The server URL of the spec changed: {change[0]} → {change[1]}",
                      old_pointer="/servers", new_pointer="/servers", details={"old": change[0], "new": change[1]})
    for name in sorted(old.security_schemes.keys() & new.security_schemes.keys()):
        before, after = old.security_schemes[name], new.security_schemes[name]
        shape_old = (before.type, before.location, before.parameter_name, before.scheme)
        shape_new = (after.type, after.location, after.parameter_name, after.scheme)
        if shape_old != shape_new:
            at = pointer("/components/securitySchemes", name)
            yield Finding("spec.security-scheme-changed", W,
                          f"Security scheme `{name}` changed from {_scheme(shape_old)} to {_scheme(shape_new)}; "
                          "check the configured credentials", old_pointer=at, new_pointer=at,
                          details={"name": name, "old": _scheme(shape_old), "new": _scheme(shape_new)})


def _scheme(shape: tuple[str | None, ...]) -> str:
    return " ".join(part for part in shape if part)
