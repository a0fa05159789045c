"""
Parameter checks: added, removed, moved to another location, required, serialization, schema.

Removing a required parameter is breaking (the agent's calls carry a value the API no longer
defines, and the tool loses an argument it was told to send); removing an optional one is a
warning: servers commonly ignore unknown query parameters and headers, so calls keep working,
but what the value did is gone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..ir import Operation, Parameter
from ._change import trim
from ._finding import Finding, FindingSeverity
from ._pair import OperationPair, escape, op_pointer, pointer
from ._schema import Side

__all__ = ["parameter_findings"]

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
_Key = tuple[str, str]
_TEMPLATE = re.compile(r"\{([^{}]*)\}")


def _key(param: Parameter) -> _Key:
    # Header names are case-insensitive on the wire.
    name = param.name.lower() if param.location == "header" else param.name
    return str(param.location), name


def _index(op: Operation) -> dict[_Key, tuple[int, Parameter]]:
    return {_key(param): (index, param) for index, param in enumerate(op.parameters)}


def _where(param: Parameter) -> str:
    return f"parameter `{param.name}` ({param.location})"


def _param_pointer(op: Operation, index: int, param: Parameter) -> str:
    return pointer(param.pointer) if param.pointer else pointer(op_pointer(op), "parameters", str(index))


def parameter_findings(pair: OperationPair) -> Iterator[Finding]:
    """Everything that changed about the operation's parameters."""
    old, new = _index(pair.old), _index(pair.new)
    lost = {key: old[key] for key in old.keys() - new.keys()}
    gained = {key: new[key] for key in new.keys() - old.keys()}
    renamed = _renamed_path_params(pair.old.path, pair.new.path)
    for key, (index, param) in sorted(lost.items()):
        target = ("path", renamed[key[1]]) if key[0] == "path" and key[1] in renamed else None
        if target is None or target not in gained:
            target = next((k for k in sorted(gained) if k[1].lower() == key[1].lower()), None)
        if target is None:
            yield _removed(pair, index, param)
            continue
        new_index, new_param = gained.pop(target)
        yield _relocated(pair, (index, param), (new_index, new_param))
        yield from _common(pair, (index, param), (new_index, new_param))
    for _, (index, param) in sorted(gained.items()):
        yield _added(pair, index, param)
    for key in sorted(old.keys() & new.keys()):
        yield from _common(pair, old[key], new[key])


def _removed(pair: OperationPair, index: int, param: Parameter) -> Finding:
    at = _param_pointer(pair.old, index, param)
    if param.required:
        return pair.finding("request.parameter.removed-required", B,
                            pair.about(_where(param), "was removed; calls that pass it may now fail"),
                            old_pointer=at, name=param.name, location=str(param.location))
    return pair.finding("request.parameter.removed-optional", W,
                        pair.about(_where(param), "was removed; calls that pass it may fail or it is ignored"),
                        old_pointer=at, name=param.name, location=str(param.location))


def _added(pair: OperationPair, index: int, param: Parameter) -> Finding:
    at = _param_pointer(pair.new, index, param)
    if param.required:
        return pair.finding("request.parameter.added-required", B,
                            pair.about(_where(param), "was added as required"),
                            new_pointer=at, name=param.name, location=str(param.location))
    return pair.finding("request.parameter.added-optional", I, pair.about(_where(param), "was added (optional)"),
                        new_pointer=at, name=param.name, location=str(param.location))


def _relocated(pair: OperationPair, old: tuple[int, Parameter], new: tuple[int, Parameter]) -> Finding:
    before, after = old[1], new[1]
    pointers = {"old_pointer": _param_pointer(pair.old, *old), "new_pointer": _param_pointer(pair.new, *new)}
    if before.name != after.name and before.location == after.location:
        return pair.finding("request.parameter.renamed", B,
                            pair.about(_where(before), f"was renamed to `{after.name}`"),
                            **pointers, old=before.name, new=after.name, location=str(after.location))
    return pair.finding("request.parameter.moved", B,
                        pair.about(_where(before), f"moved from {before.location} to {after.location}"),
                        **pointers, name=after.name, old=str(before.location), new=str(after.location))


def _renamed_path_params(old_path: str, new_path: str) -> dict[str, str]:
    """Path parameters renamed in place: ``/pets/{id}`` -> ``/pets/{petId}`` gives ``{"id": "petId"}``."""
    if _TEMPLATE.sub("{}", old_path) != _TEMPLATE.sub("{}", new_path):
        return {}
    pairs = zip(_TEMPLATE.findall(old_path), _TEMPLATE.findall(new_path), strict=True)
    return {before: after for before, after in pairs if before != after}


def _common(pair: OperationPair, old: tuple[int, Parameter], new: tuple[int, Parameter]) -> Iterator[Finding]:
    before, after = old[1], new[1]
    old_at, new_at = _param_pointer(pair.old, *old), _param_pointer(pair.new, *new)
    where = _where(after)

    def say(rule: str, severity: FindingSeverity, phrase: str, **details: object) -> Finding:
        return pair.finding(rule, severity, pair.about(where, phrase), old_pointer=old_at, new_pointer=new_at,
                            name=after.name, location=str(after.location), **details)

    if after.required and not before.required:
        yield say("request.parameter.became-required", B, "became required")
    elif before.required and not after.required:
        yield say("request.parameter.became-optional", I, "became optional")
    if after.deprecated and not before.deprecated:
        yield say("request.parameter.deprecated", W, "was marked deprecated")
    if (before.style, before.explode, before.content_type) != (after.style, after.explode, after.content_type):
        yield say("request.parameter.serialization-changed", W,
                  f"changed how it is serialized ({_wire(before)} → {_wire(after)})",
                  old=_wire(before), new=_wire(after))
    if " ".join(before.description.split()) != " ".join(after.description.split()):
        yield say("request.parameter.description-changed", I,
                  f"changed its description: “{trim(before.description)}” → “{trim(after.description)}”",
                  old=before.description, new=after.description)
    changes = pair.request.compare(before.schema, after.schema)
    yield from pair.schema_findings(changes, Side.REQUEST, where, _schema_base(old_at, before),
                                    _schema_base(new_at, after))


def _wire(param: Parameter) -> str:
    if param.content_type:
        return f"content {param.content_type}"
    return f"style={param.style}, explode={str(param.explode).lower()}"


def _schema_base(at: str, param: Parameter) -> str:
    if param.content_type:
        return f"{at}/content/{escape(param.content_type)}/schema"
    return f"{at}/schema"
