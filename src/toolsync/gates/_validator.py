"""
openapi-spec-validator, run behind our own limits.

The validator is thorough but not a safety net: it recurses (``RecursionError`` on ref loops and deep
nesting), raises bare ``KeyError``\\s on broken parameters, can take minutes on huge specs, and by default
reads every file and URL a ``$ref`` names. So here it

* only ever sees a document whose external refs were replaced by stand-ins, and resolves refs with
  handlers that refuse every scheme (nothing is opened or fetched even if a ref slips through);
* runs unit by unit (the OpenAPI meta-schema, then each path item, then each component schema), so a
  crash in one path item is reported and the rest is still checked;
* runs in a worker thread under a time budget, stops after a bounded number of findings, and turns
  every exception into a finding instead of letting it escape.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jsonschema import validators
from jsonschema.exceptions import ValidationError, best_match
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.schemas import schema_v2, schema_v30, schema_v31

from ..errors import RefError
from ._document import Shape, pointer_of
from ._schema import child_pointer

__all__ = ["Finding", "ValidatorRun", "run_validator"]

#: Findings are counted up to this many; past it the validator is stopped.
HARD_FINDING_CAP = 10_000
#: Deeper documents are not given to a native (jsonschema-rs) validator.
NATIVE_SAFE_DEPTH = 256
#: Documents up to this many nodes are checked against the OpenAPI meta-schema in Python (clearer messages).
PYTHON_META_NODES = 200_000
_MESSAGE_LIMIT = 400


class _Refused(RefError):
    """Raised by the ref handler (and caught): the spec gate never reads what a $ref points at outside
    the document."""


def _refuse(uri: str) -> Any:
    raise _Refused(f"the spec gate does not follow $ref {uri!r}")


class _RefuseEveryScheme(dict[str, Any]):
    """Handlers for every URI scheme; jsonschema-path falls back to urlopen for schemes it has none for."""

    def __contains__(self, scheme: object) -> bool:
        return True

    def __getitem__(self, scheme: str) -> Callable[[str], Any]:
        return _refuse

    def get(self, scheme: str, default: Any = None) -> Callable[[str], Any]:
        return _refuse


_NO_FETCH = _RefuseEveryScheme()


def _closed(cls: type[Any]) -> type[Any]:
    return type(f"Closed{cls.__name__}", (cls,), {"resolver_handlers": _NO_FETCH})


VALIDATORS: dict[str, type[Any]] = {
    "2.0": _closed(OpenAPIV2SpecValidator),
    "3.0": _closed(OpenAPIV30SpecValidator),
    "3.1": _closed(OpenAPIV31SpecValidator),
}

_OPENAPI_SCHEMAS: dict[str, Any] = {"2.0": schema_v2, "3.0": schema_v30, "3.1": schema_v31}

_SEMANTIC_CODES = {
    "DuplicateOperationIDError": "spec.semantic.duplicate-operation-id",
    "ParameterDuplicateError": "spec.semantic.duplicate-parameter",
    "UnresolvableParameterError": "spec.semantic.unresolved-path-parameter",
    "ExtraParametersError": "spec.semantic.required-undefined",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the validator said (or one way it failed), before a severity is chosen."""

    code: str
    message: str
    pointer: str | None
    #: True when the validator did not finish a unit (crash, refused ref, time budget).
    incomplete: bool = False


@dataclass(slots=True)
class ValidatorRun:
    """Findings of one run, capped, with the number of findings that were not kept."""

    findings: list[Finding] = field(default_factory=list)
    dropped: int = 0
    timed_out: bool = False
    stopped: threading.Event = field(default_factory=threading.Event)
    #: Findings the caller already accounts for; neither kept nor counted.
    known: Callable[[Finding], bool] = lambda finding: False


def _shorten(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 3] + "..."


def _meta_finding(error: ValidationError) -> Finding:
    # The jsonschema-rs backend (used when installed) puts a whole report in the message and no keyword.
    message = error.message.split("\n", 1)[0]
    keyword = error.validator if isinstance(error.validator, str) else None
    if error.context:
        # oneOf [Reference, Parameter] says little; name the closest failing branch, not the $ref one.
        useful = [e for e in error.context if e.message != "'$ref' is a required property"]
        closest = best_match(useful) if useful else None
        if closest is not None:
            message = f"{message} (closest: {closest.message})"
    code = f"spec.schema.{keyword}" if keyword else "spec.schema"
    return Finding(code, _shorten(message), pointer_of(tuple(error.absolute_path)))


def _semantic_finding(error: ValidationError, pointer: str) -> Finding:
    code = _SEMANTIC_CODES.get(type(error).__name__, "spec.semantic.schema")
    return Finding(code, _shorten(error.message.split("\n", 1)[0]), pointer)


def _crash_finding(exc: BaseException, pointer: str | None) -> Finding:
    if isinstance(exc, RecursionError):
        reason = "it recursed too deep (a $ref loop or very deep nesting)"
    elif isinstance(exc, _Refused) or type(exc).__name__ == "Unresolvable":
        reason = f"a $ref could not be followed ({exc})"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    where = f" in {pointer}" if pointer else ""
    return Finding("spec.validator.incomplete", _shorten(f"structural validation stopped{where}: {reason}"),
                   pointer, incomplete=True)


Unit = tuple[str | None, Callable[[], Iterable[ValidationError]], bool]


class _IdSet(set[int]):
    """A set that answers to ``append``: the validator keeps seen-schema ids in lists, which makes
    every membership test linear and a large spec quadratic."""

    def append(self, item: int) -> None:
        self.add(item)


def _speed_up(validator: Any) -> None:
    schemas = validator.keyword_validators_registry["schema"]
    for attribute in ("visited_schema_ids", "meta_checked_schema_ids"):
        if isinstance(getattr(schemas, attribute, None), list):
            setattr(schemas, attribute, _IdSet())


@lru_cache(maxsize=4)
def _python_meta_validator(version: str) -> Any:
    schema = dict(_OPENAPI_SCHEMAS[version])
    return validators.validator_for(schema)(schema)


def _meta_validator(validator: Any, version: str, shape: Shape) -> Any:
    """The OpenAPI meta-schema validator: pure Python unless the document is large and shallow.

    openapi-spec-validator picks jsonschema-rs when it is installed: hundreds of times faster, but
    its messages are terser, and it recurses on the native stack and crashes the process on deeply
    nested documents, where Python raises a RecursionError that can be caught.
    """
    if shape.nodes <= PYTHON_META_NODES or shape.depth > NATIVE_SAFE_DEPTH:
        return _python_meta_validator(version)
    return validator.schema_validator


def _units(validator: Any, meta: Any, original: Mapping[str, Any]) -> Iterator[Unit]:
    """(pointer, errors, is_meta) per unit of work, each failing on its own."""
    yield None, lambda: meta.iter_errors(original), True
    registry = validator.keyword_validators_registry
    root = validator.schema_path
    if "tags" in original and "tags" in registry.keyword_validators:
        yield "/tags", lambda: registry["tags"](root / "tags"), False
    paths = original.get("paths")
    if isinstance(paths, Mapping):
        for url in paths:
            if isinstance(url, str):
                pointer = child_pointer("/paths", url)
                yield pointer, _path_unit(registry, root, url), False
    components = original.get("components")
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    if isinstance(schemas, Mapping):
        # One unit per schema, so that a crash or the time budget stops at one schema, not all of them.
        for name in schemas:
            if isinstance(name, str):
                yield child_pointer("/components/schemas", name), _schema_unit(registry, root, name), False
    elif components is not None:
        yield "/components", lambda: registry["components"](root / "components"), False


def _path_unit(registry: Any, root: Any, url: str) -> Callable[[], Iterable[ValidationError]]:
    return lambda: registry["path"](url, root / "paths" / url)


def _schema_unit(registry: Any, root: Any, name: str) -> Callable[[], Iterable[ValidationError]]:
    return lambda: registry["schema"](root / "components" / "schemas" / name)


def _collect(run: ValidatorRun, finding: Finding, max_findings: int) -> bool:
    """Keep or count one finding; False when the run should stop."""
    if run.known(finding):
        return not run.stopped.is_set()
    if len(run.findings) < max_findings or finding.incomplete:
        run.findings.append(finding)
    else:
        run.dropped += 1
    return len(run.findings) + run.dropped < HARD_FINDING_CAP and not run.stopped.is_set()


def _run_units(version: str, original: Mapping[str, Any], closed: Mapping[str, Any], run: ValidatorRun,
               max_findings: int, shape: Shape) -> None:
    try:
        validator = VALIDATORS[version](closed)
        _speed_up(validator)
        units = list(_units(validator, _meta_validator(validator, version, shape), original))
    except Exception as exc:  # noqa: BLE001 - third-party code fed untrusted input
        run.findings.append(_crash_finding(exc, None))
        return
    for pointer, errors, is_meta in units:
        try:
            for error in errors():
                finding = _meta_finding(error) if is_meta else _semantic_finding(error, pointer or "")
                if not _collect(run, finding, max_findings):
                    return
        except Exception as exc:  # noqa: BLE001 - third-party code fed untrusted input
            crash = _crash_finding(exc, pointer)
            if not run.known(crash):
                run.findings.append(crash)
        if run.stopped.is_set():
            return


def run_validator(version: str, original: Mapping[str, Any], closed: Mapping[str, Any], *,
                  max_findings: int, time_budget: float | None, shape: Shape,
                  known: Callable[[Finding], bool] = lambda finding: False) -> ValidatorRun:
    """Validate ``closed`` (external refs replaced) as OpenAPI ``version``; ``original`` for the meta-schema.

    With a ``time_budget`` (seconds) the work runs in a daemon thread; when the budget is spent the
    findings so far are returned and the thread is told to stop at its next finding or unit.
    """
    run = ValidatorRun(known=known)
    if time_budget is None:
        _run_units(version, original, closed, run, max_findings, shape)
        return run
    worker = threading.Thread(target=_run_units, args=(version, original, closed, run, max_findings, shape),
                              name="toolsync-spec-gate", daemon=True)
    worker.start()
    worker.join(time_budget)
    if not worker.is_alive():
        return run
    # Python cannot kill the thread; it stops at its next finding or unit and its results are dropped.
    run.stopped.set()
    return ValidatorRun(list(run.findings), run.dropped, timed_out=True, stopped=run.stopped, known=known)
