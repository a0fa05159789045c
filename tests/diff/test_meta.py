"""Security requirements, servers, wording and deprecation."""

from __future__ import annotations

import pytest

from toolsync.diff import FindingSeverity, diff_operations, diff_specs
from toolsync.ir import SecurityScheme, Server, ServerVariable

from .conftest import ids, only, op, spec

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
KEY = {"apiKey": ()}
OAUTH = {"oauth": ("read",)}


def _secured(*requirements: dict) -> object:
    return op(security=tuple(requirements))


@pytest.mark.parametrize(("old", "new", "rule", "severity"), [
    ((), (KEY,), "request.security.added", B),
    ((KEY,), (), "request.security.removed", I),
    ((KEY,), (OAUTH,), "request.security.scheme-added", B),
    ((KEY,), ({"apiKey": (), "mtls": ()},), "request.security.scheme-added", B),
    ((OAUTH,), ({"oauth": ("read", "write")},), "request.security.scopes-changed", W),
], ids=["auth-added", "auth-removed", "scheme-replaced", "second-scheme-required", "scopes"])
def test_security_rule(old: tuple, new: tuple, rule: str, severity: FindingSeverity) -> None:
    """Each change of the security requirements yields exactly its rule id and severity."""
    found = only(_secured(*old), _secured(*new))
    assert (found.id, found.severity) == (rule, severity)


def test_security_alternatives_that_keep_old_callers_working() -> None:
    """Offering another way to authenticate, or making auth optional with `{}`, breaks nobody."""
    assert diff_operations(_secured(KEY), _secured(KEY, OAUTH)) == []
    assert diff_operations(_secured(KEY), _secured(KEY, {})) == []


def test_scheme_added_message_names_the_new_scheme() -> None:
    """The message names the scheme the agent now lacks."""
    assert "oauth" in only(_secured(KEY), _secured(OAUTH)).message


def test_operation_server_changed() -> None:
    """An operation-level server URL change is a warning with both URLs."""
    old, new = op(servers=(Server("https://a.example"),)), op(servers=(Server("https://b.example"),))
    found = only(old, new)
    assert (found.id, found.severity) == ("operation.server-changed", W)
    assert found.message == "The server URL of GET /pets changed: https://a.example → https://b.example"


def test_server_variables_are_expanded() -> None:
    """Templated servers compare by the URL their defaults produce."""
    templated = Server("https://{region}.example", variables={"region": ServerVariable("eu")})
    assert diff_operations(op(servers=(templated,)), op(servers=(Server("https://eu.example"),))) == []


def test_spec_server_change_is_reported_once() -> None:
    """When every operation only inherits the spec's servers, the change is one spec-level finding."""
    a, b = (Server("https://a.example"),), (Server("https://b.example"),)
    report = diff_specs(spec(op(servers=a), op("post", servers=a), servers=a),
                        spec(op(servers=b), op("post", servers=b), servers=b))
    assert [(f.id, f.severity, f.operation) for f in report.findings] == [("spec.server-changed", W, None)]


def test_security_scheme_definition_changed() -> None:
    """A security scheme whose kind or location changed is a warning: the configured credentials may not fit."""
    old = spec(op(), security_schemes={"key": SecurityScheme("key", "apiKey", "header", "X-Key")})
    new = spec(op(), security_schemes={"key": SecurityScheme("key", "apiKey", "query", "key")})
    assert ids(diff_specs(old, new).findings) == {("spec.security-scheme-changed", W)}


def test_summary_and_description_changes_are_listed() -> None:
    """Wording the model reads is listed old → new, trimmed; re-wrapping is ignored."""
    found = only(op(summary="List pets"), op(summary="List all pets"))
    assert (found.id, found.severity) == ("operation.summary-changed", I)
    assert found.message == "The summary of GET /pets changed: “List pets” → “List all pets”"
    long_text = "word " * 100
    found = only(op(description="short"), op(description=long_text))
    assert found.id == "operation.description-changed" and "…" in found.message
    assert found.details["new"] == long_text
    assert diff_operations(op(description="a  b\nc"), op(description="a b c")) == []


def test_deprecated_flag() -> None:
    """Marking an operation deprecated is a warning; lifting it is info."""
    assert ids(diff_operations(op(), op(deprecated=True))) == {("operation.deprecated", W)}
    assert ids(diff_operations(op(deprecated=True), op())) == {("operation.undeprecated", I)}
