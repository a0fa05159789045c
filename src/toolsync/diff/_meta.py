"""Security, servers, wording and deprecation: what surrounds the operation's data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..ir import SecurityRequirement, Server
from ._change import trim
from ._finding import Finding, FindingSeverity
from ._pair import OperationPair, op_pointer, pointer

__all__ = ["deprecation_findings", "security_findings", "server_change", "server_findings", "text_findings"]

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
_VARIABLE = re.compile(r"\{([^{}]+)\}")


# ---------------------------------------------------------------------------------------------
# Security


def _schemes(requirement: SecurityRequirement) -> frozenset[str]:
    return frozenset(requirement)


def security_findings(pair: OperationPair) -> Iterator[Finding]:
    """
    Breaking when an agent that satisfied an old alternative cannot satisfy any new one; a warning
    when only scopes changed; info when authentication is no longer needed.
    """
    before, after = pair.old.security, pair.new.security
    old_at, new_at = pointer(op_pointer(pair.old), "security"), pointer(op_pointer(pair.new), "security")
    old_names = sorted(set().union(*map(_schemes, before))) if before else []
    new_names = sorted(set().union(*map(_schemes, after))) if after else []
    details: dict[str, Any] = {side: [{name: list(scopes) for name, scopes in req.items()} for req in reqs]
               for side, reqs in (("old", before), ("new", after))}
    if not before and after:
        yield pair.finding("request.security.added", B,
                           f"{pair.key} now requires authentication ({', '.join(new_names)})",
                           new_pointer=new_at, **details)
        return
    if before and not after:
        yield pair.finding("request.security.removed", I, f"{pair.key} no longer requires authentication",
                           old_pointer=old_at, **details)
        return
    stranded = [req for req in before if not any(_schemes(new) <= _schemes(req) for new in after)]
    if stranded:
        extra = sorted(set(new_names) - set(old_names)) or new_names
        yield pair.finding("request.security.scheme-added", B,
                           f"{pair.key} now requires security scheme {', '.join(extra)} that calls authorized "
                           f"with {', '.join(sorted(_schemes(stranded[0])))} do not have",
                           old_pointer=old_at, new_pointer=new_at, **details)
    elif _shared_scopes(before, after) != _shared_scopes(after, before):
        yield pair.finding("request.security.scopes-changed", W, f"The OAuth scopes {pair.key} asks for changed",
                           old_pointer=old_at, new_pointer=new_at, **details)


def _shared_scopes(requirements: tuple[SecurityRequirement, ...],
                   other: tuple[SecurityRequirement, ...]) -> dict[str, frozenset[str]]:
    """Scopes per scheme, for the schemes both sides use (a new alternative is not a scope change)."""
    others = {name for requirement in other for name in requirement}
    out: dict[str, frozenset[str]] = {}
    for requirement in requirements:
        for name, scopes in requirement.items():
            if name in others:
                out[name] = out.get(name, frozenset()) | frozenset(scopes)
    return out


# ---------------------------------------------------------------------------------------------
# Servers


def _expand(server: Server) -> str:
    """The URL with each variable at its default: the address calls actually go to."""
    def value(match: re.Match[str]) -> str:
        variable = server.variables.get(match.group(1))
        return variable.default if variable is not None else match.group(0)
    return _VARIABLE.sub(value, server.url)


def server_change(before: tuple[Server, ...], after: tuple[Server, ...]) -> tuple[str, str] | None:
    """(old, new) shown as text when the URL used (the first) or the set of URLs changed, else None."""
    old, new = [_expand(s) for s in before], [_expand(s) for s in after]
    if old[:1] == new[:1] and set(old) == set(new):
        return None
    return ", ".join(old) or "(none)", ", ".join(new) or "(none)"


def server_findings(pair: OperationPair) -> Iterator[Finding]:
    """Operation-level server changes (spec-level ones are reported once by the spec diff)."""
    if pair.inherited_servers:
        return
    change = server_change(pair.old.servers, pair.new.servers)
    if change is not None:
        yield pair.finding("operation.server-changed", W,
                           f"The server URL of {pair.key} changed: {change[0]} → {change[1]}",
                           old_pointer=pointer(op_pointer(pair.old), "servers"),
                           new_pointer=pointer(op_pointer(pair.new), "servers"), old=change[0], new=change[1])


# ---------------------------------------------------------------------------------------------
# Wording and deprecation


def text_findings(pair: OperationPair) -> Iterator[Finding]:
    """Summary and description changes: the model reads these to decide when to call the tool."""
    for attribute in ("summary", "description"):
        before, after = getattr(pair.old, attribute), getattr(pair.new, attribute)
        if " ".join(before.split()) == " ".join(after.split()):
            continue
        yield pair.finding(f"operation.{attribute}-changed", I,
                           f"The {attribute} of {pair.key} changed: “{trim(before)}” → “{trim(after)}”",
                           old_pointer=pointer(op_pointer(pair.old), attribute),
                           new_pointer=pointer(op_pointer(pair.new), attribute), old=before, new=after)


def deprecation_findings(pair: OperationPair) -> Iterator[Finding]:
    at = op_pointer(pair.new)
    if pair.new.deprecated and not pair.old.deprecated:
        yield pair.finding("operation.deprecated", W, f"{pair.key} was marked deprecated",
                           new_pointer=pointer(at, "deprecated"))
    elif pair.old.deprecated and not pair.new.deprecated:
        yield pair.finding("operation.undeprecated", I, f"{pair.key} is no longer deprecated",
                           new_pointer=pointer(at, "deprecated"))
