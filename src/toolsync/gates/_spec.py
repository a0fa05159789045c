"""The spec gate: is this document a spec toolsync can turn into tools?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import SpecValidationError
from ..ir import Diagnostic, Severity
from ..limits import Limits
from ._document import Shape, measure, without_external_refs
from ._structure import RefFollower, local_refs_resolve, ref_errors, structural_errors
from ._validator import Finding, ValidatorRun, run_validator

__all__ = ["check_spec", "raise_for_spec"]

_DEFAULT_LIMITS = Limits()
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def check_spec(document: Mapping[str, Any], *, source: str, lenient: bool = True, max_errors: int = 50,
               time_budget: float | None = 30.0, limits: Limits = _DEFAULT_LIMITS,
               validator: bool = True, refs: frozenset[str] | None = None) -> list[Diagnostic]:
    """Structural validation of a parsed spec document (as written, or lifted to the 3.1 shape).

    Errors are kept for what makes the spec unusable: no paths object, operations or parameters that are
    not objects, parameters without a name or location, an unknown ``in``, broken or looping local
    refs, and documents too deep or too large to check. Everything openapi-spec-validator reports is a
    warning when ``lenient`` (the small rule breaks real specs are full of) and an error otherwise.

    External ``$ref``s are never read: they are reported once, as information. At most ``max_errors``
    diagnostics are returned, errors first, followed by one that counts the rest. ``time_budget``
    (seconds, None for no limit) bounds the time spent in the validator. ``validator=False`` runs only
    the structural checks above (milliseconds where the validator takes seconds) and notes that the
    validator was not run. ``refs``, every ``$ref`` string in ``document`` when the caller knows them
    (the parser lists them on a first load), spares serializing the document to find them.

    Example:
        >>> found = check_spec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}, source="x.yaml")
        >>> [(d.code, str(d.severity)) for d in found]
        [('spec.paths.missing', 'error'), ('spec.schema.anyOf', 'warning')]
    """
    follow = RefFollower(document)  # each local ref followed once for all the checks below
    version, found = structural_errors(document, source, follow)
    if version is None:
        return found
    if not validator and local_refs_resolve(document, follow, refs):
        return _capped([*found, _skipped_note(source)], max_errors, source)
    shape = measure(document, max_nodes=limits.max_nodes)
    blocked = _too_big(shape, source, limits)
    if blocked is not None:
        return _capped([*found, blocked], max_errors, source)
    found += ref_errors(document, source, follow)
    if not validator:
        return _capped([*found, _skipped_note(source)], max_errors, source)
    closed, external = without_external_refs(document)
    if external:
        found.append(_external_note(external, source))
    explained = [d.pointer or "" for d in found if d.severity is Severity.ERROR]
    run = run_validator(version, document, closed, max_findings=max_errors, time_budget=time_budget,
                        shape=shape, known=lambda finding: _explained(finding, explained))
    found.extend(_diagnostics(run, lenient, source, time_budget))
    return _capped(found, max_errors, source)


def _skipped_note(source: str) -> Diagnostic:
    message = ("openapi-spec-validator was not run on this spec (only toolsync's structural checks); "
               "`toolsync validate` runs it in full")
    return Diagnostic("spec.validator.skipped", message, Severity.INFO, None, source)


def _too_big(shape: Shape, source: str, limits: Limits) -> Diagnostic | None:
    if shape.cyclic:
        message = "the document contains itself (a recursive YAML alias); it cannot be a JSON spec"
        return Diagnostic("spec.cyclic", message, Severity.ERROR, None, source)
    if shape.truncated:
        message = (f"the document has more than {limits.max_nodes:,} nodes; structural validation skipped "
                   "(raise Limits.max_nodes to check it)")
        return Diagnostic("spec.too-large", message, Severity.ERROR, None, source)
    if shape.depth > limits.max_depth:
        message = (f"the document is nested {shape.depth:,} levels deep (limit {limits.max_depth}); "
                   "structural validation skipped")
        return Diagnostic("spec.too-deep", message, Severity.ERROR, None, source)
    return None


def _external_note(external: list[tuple[str, str]], source: str) -> Diagnostic:
    refs = sorted({ref for _, ref in external})
    shown = ", ".join(refs[:5]) + (f" and {len(refs) - 5} more" if len(refs) > 5 else "")
    message = (f"{len(external)} external $ref(s) not followed by the spec gate ({shown}); the loader "
               "resolves them under its own fetch rules")
    return Diagnostic("spec.ref.external", message, Severity.INFO, external[0][0], source)


def _explained(finding: Finding, errors: Sequence[str]) -> bool:
    """True when a structural error already covers what the validator said here."""
    if finding.pointer is None:
        return finding.incomplete and bool(errors)
    for pointer in errors:
        if finding.pointer == pointer or finding.pointer.startswith(pointer + "/"):
            return True
        if finding.incomplete and pointer.startswith(finding.pointer + "/"):
            return True
    return False


def _diagnostics(run: ValidatorRun, lenient: bool, source: str, time_budget: float | None) -> list[Diagnostic]:
    severity = Severity.WARNING if lenient else Severity.ERROR
    out = [Diagnostic(f.code, f.message, severity, f.pointer, source) for f in run.findings]
    if run.dropped:
        out.append(Diagnostic("spec.validator.more", f"{run.dropped} more validator finding(s) not listed",
                              severity, None, source))
    if run.timed_out:
        out.append(Diagnostic("spec.validator.timeout", f"structural validation stopped after the {time_budget} s "
                              "time budget; the findings listed are incomplete", Severity.WARNING, None, source))
    return out


def _capped(found: list[Diagnostic], max_errors: int, source: str) -> list[Diagnostic]:
    ordered = sorted(found, key=lambda d: _ORDER[d.severity])
    if len(ordered) <= max_errors:
        return ordered
    rest = ordered[max_errors:]
    n_errors = sum(d.severity is Severity.ERROR for d in rest)
    message = f"{len(rest)} more diagnostic(s) not listed ({n_errors} error(s))"
    # An error among the hidden ones keeps the verdict: the summary carries the worst severity it hides.
    worst = min((d.severity for d in rest), key=lambda s: _ORDER[s])
    return [*ordered[:max_errors], Diagnostic("spec.truncated", message, worst, None, source)]


def raise_for_spec(diagnostics: Sequence[Diagnostic], source: str) -> None:
    """Raise ``SpecValidationError`` naming the first few errors, if there are any.

    Raises:
        SpecValidationError: at least one diagnostic has severity error.
    """
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if not errors:
        return
    shown = "; ".join(f"{d.pointer}: {d.message}" if d.pointer else d.message for d in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    raise SpecValidationError(
        f"the spec gate found {len(errors)} error(s): {shown}{more}", source=source, pointer=errors[0].pointer,
        details={"errors": [{"code": d.code, "message": d.message, "pointer": d.pointer} for d in errors]},
    )
