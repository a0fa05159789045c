"""Whole-spec diffs: operations added, removed and moved, tool renames, and the report."""

from __future__ import annotations

import random
from typing import Any

import orjson

from toolsync.diff import DiffReport, Finding, FindingSeverity, diff_specs
from toolsync.ir import Operation
from toolsync.tool import Tool

from .conftest import finding, ids, obj, op, param, post_body, spec

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
S: dict[str, Any] = {"type": "string"}


def _tool(name: str, operation: Operation) -> Tool:
    return Tool(name=name, description="", input_schema={"type": "object"}, bindings=(), operation=operation,
                spec_name="pets")


def _tools(*pairs: tuple[str, Operation]) -> dict[str, Tool]:
    return {operation.key: _tool(name, operation) for name, operation in pairs}


def test_operation_removed_and_added() -> None:
    """A removed operation is breaking, a new one is info, and the report lists both keys."""
    listing, creating, deleting = op(), post_body(obj(name=S)), op("delete", "/pets/{id}")
    report = diff_specs(spec(listing, deleting, version="1.0.0"), spec(listing, creating, version="2.0.0"))
    assert [(f.id, f.severity, f.operation) for f in report.findings] == [
        ("operation.removed", B, "DELETE /pets/{id}"), ("operation.added", I, "POST /pets")]
    assert (report.added, report.removed, report.unchanged, report.changed) == (
        ("POST /pets",), ("DELETE /pets/{id}",), ("GET /pets",), ())


def test_path_changed_for_same_operation_id() -> None:
    """An operationId found under another path is one move (breaking), compared as the same operation."""
    old = op("get", "/pets", operation_id="listPets", parameters=(param("limit"),))
    new = op("get", "/animals", operation_id="listPets", parameters=(param("limit", required=True),))
    report = diff_specs(spec(old), spec(new, version="2.0.0"))
    assert ids(report.findings) == {("operation.moved", B), ("request.parameter.became-required", B)}
    moved = finding(report.findings, "operation.moved")
    assert moved.message == ("GET /pets moved to GET /animals (operationId `listPets`); "
                             "calls sent to the old path or method fail")
    assert report.moved == (("GET /pets", "GET /animals"),)
    assert (report.added, report.removed) == (("GET /animals",), ("GET /pets",))


def test_method_changed_for_same_operation_id() -> None:
    """A method change under the same operationId is a move too."""
    report = diff_specs(spec(op("put", "/pets/{id}", operation_id="update")),
                        spec(op("patch", "/pets/{id}", operation_id="update"), version="2.0.0"))
    assert ids(report.findings) == {("operation.moved", B)}


def test_tool_renamed() -> None:
    """When tools are given, a tool whose name changed is breaking and findings carry the tool name."""
    old, new = op(parameters=(param("limit"),)), op(parameters=(param("limit", required=True),))
    report = diff_specs(spec(old), spec(new, version="2.0.0"), old_tools=_tools(("list_pets", old)),
                        new_tools=_tools(("pets_list", new)))
    renamed = finding(report.findings, "tool.renamed")
    assert renamed.severity is B and renamed.details == {"old": "list_pets", "new": "pets_list"}
    assert {f.tool for f in report.findings} == {"pets_list"}


def test_removed_operation_names_its_tool() -> None:
    """A removed operation's finding names the tool that disappears."""
    gone = op("delete", "/pets")
    report = diff_specs(spec(op(), gone), spec(op(), version="2.0.0"), old_tools=_tools(("delete_pets", gone)))
    removed = finding(report.findings, "operation.removed")
    assert removed.tool == "delete_pets" and "(tool `delete_pets`)" in removed.message


def test_semver_finding_is_part_of_the_report() -> None:
    """Breaking changes without a major bump add semver.major-bump-missing."""
    report = diff_specs(spec(op(), op("post")), spec(op(), version="1.1.0"))
    assert ids(report.findings) == {("operation.removed", B), ("semver.major-bump-missing", W)}


def test_order_is_deterministic() -> None:
    """The same specs in any operation order give the same findings in the same order."""
    olds = [op("get", f"/r{i}", parameters=(param("q"),)) for i in range(12)]
    news = [op("get", f"/r{i}", parameters=(param("q", required=i % 2 == 0),)) for i in range(12)]
    first = diff_specs(spec(*olds), spec(*news))
    random.Random(7).shuffle(olds)
    random.Random(8).shuffle(news)
    assert diff_specs(spec(*olds), spec(*news)).findings == first.findings
    severities = [f.severity for f in first.findings]
    assert severities == sorted(severities, key=[B, W, I].index)


def test_report_properties() -> None:
    """breaking, max_severity, counts, at_least and by_operation summarise the findings."""
    report = diff_specs(spec(op(), op("post")), spec(op(summary="List")))
    assert report.breaking and report.max_severity is B
    assert report.counts() == {"breaking": 1, "warning": 1, "info": 1}
    assert [f.id for f in report.at_least(W)] == ["operation.removed", "semver.major-bump-missing"]
    grouped = report.by_operation()
    assert set(grouped) == {"POST /pets", "GET /pets", None}
    assert [f.id for f in grouped["GET /pets"]] == ["operation.summary-changed"]


def test_empty_report() -> None:
    """Identical specs give no findings, no verdict and every operation unchanged."""
    report = diff_specs(spec(op(), post_body(obj(a=S))), spec(op(), post_body(obj(a=S))))
    assert report.findings == () and not report.breaking and report.max_severity is None
    assert report.unchanged == ("GET /pets", "POST /pets")
    assert "No differences" in report.to_markdown()


def test_to_dict_is_json_ready() -> None:
    """to_dict round-trips through JSON with every field."""
    report = diff_specs(spec(op("get", "/a", operation_id="x")), spec(op("get", "/b", operation_id="x"),
                                                                       version="2.0.0"))
    data = orjson.loads(orjson.dumps(report.to_dict()))
    assert data["breaking"] is True and data["max_severity"] == "breaking"
    assert data["moved"] == [{"old": "GET /a", "new": "GET /b"}]
    assert data["findings"][0]["id"] == "operation.moved"
    assert set(data["findings"][0]) == {"id", "severity", "operation", "tool", "old_pointer", "new_pointer",
                                        "message", "details"}


def test_markdown_puts_breaking_first_and_folds_the_rest() -> None:
    """The PR comment has a headline with counts, breaking changes listed, the rest in <details>."""
    report = diff_specs(spec(op(), op("post"), version="1.0.0"), spec(op(summary="<b>List</b>"), version="1.1.0"))
    text = report.to_markdown()
    assert text.startswith("### ❌ API diff for Pets: 1 breaking, 1 warning, 1 info\n")
    assert "`1.0.0` → `1.1.0`" in text
    assert text.index("#### Breaking changes") < text.index("<details><summary>Warnings (1)</summary>")
    assert "&lt;b&gt;List&lt;/b&gt;" in text and "<b>" not in text
    assert "<sub>`operation.removed`</sub>" in text


def test_markdown_stays_under_its_limit() -> None:
    """A huge report is cut to the limit and says how many findings were left out."""
    old = spec(*(op("get", f"/r{i}") for i in range(400)))
    report = diff_specs(old, spec(version="2.0.0"))
    text = report.to_markdown(limit=5_000)
    assert len(text) <= 5_000
    assert "more finding(s) not shown" in text


def test_findings_are_frozen_and_sortable() -> None:
    """Findings are immutable values with a stable sort key."""
    found = Finding("x.y", I, "m")
    assert found.sort_key() == (2, "", "x.y", "", "", "m")
    assert DiffReport.from_findings([found, Finding("a.b", B, "n")]).findings[0].id == "a.b"
