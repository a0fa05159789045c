"""Real spec files through the loader: equivalent spellings are quiet, real changes are found."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from toolsync.convert import build_tools
from toolsync.diff import DiffReport, FindingSeverity, diff_specs
from toolsync.spec.loader import load_spec

from .conftest import finding, ids
from .specs import inlined_owner, petstore_31, renamed_components, reordered, swagger_2, write

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO


def _diff(tmp_path: Path, old: dict[str, Any], new: dict[str, Any], *, old_name: str = "old.yaml",
          new_name: str = "new.yaml") -> DiffReport:
    before, after = load_spec(write(tmp_path, old_name, old)), load_spec(write(tmp_path, new_name, new))
    old_tools, new_tools = ({t.operation_key: t for t in build_tools(spec).tools} for spec in (before, after))
    return diff_specs(before, after, old_tools=old_tools, new_tools=new_tools)


@pytest.mark.parametrize("variant", [renamed_components, reordered, inlined_owner],
                         ids=["component-renamed", "reordered", "inline-vs-ref"])
def test_equivalent_spellings_have_no_findings(tmp_path: Path, variant: Any) -> None:
    """Renaming components, reordering, and inlining a $ref produce no finding at all, either way round."""
    doc = petstore_31()
    assert _diff(tmp_path, doc, variant(doc)).findings == ()
    assert _diff(tmp_path, variant(doc), doc).findings == ()


def test_swagger_2_and_openapi_31_of_the_same_api_compare_equal(tmp_path: Path) -> None:
    """The Swagger 2.0 and OpenAPI 3.1 spellings of one API have no breaking finding (and none at all)."""
    report = _diff(tmp_path, swagger_2(), petstore_31(), old_name="old.json")
    assert not report.breaking
    assert report.findings == ()
    assert len(report.unchanged) == 3


def test_json_and_yaml_of_the_same_spec_compare_equal(tmp_path: Path) -> None:
    """The format a spec is written in does not matter."""
    assert _diff(tmp_path, petstore_31(), petstore_31(), new_name="new.json").findings == ()


def test_change_inside_a_shared_component_reaches_every_operation(tmp_path: Path) -> None:
    """A property retyped in a component used by three operations is reported where each one uses it."""
    new = petstore_31()
    new["components"]["schemas"]["Owner"]["properties"]["id"] = {"type": "string"}
    report = _diff(tmp_path, petstore_31(), new)
    retyped = [(f.id, f.operation) for f in report.findings if "owner.id" in f.message]
    assert sorted(retyped) == [("request.schema.type-changed", "POST /pets"),
                               ("response.schema.type-changed", "GET /pets"),
                               ("response.schema.type-changed", "GET /pets/{petId}"),
                               ("response.schema.type-changed", "POST /pets")]
    request = finding(report.findings, "request.schema.type-changed")
    assert request.new_pointer == "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/owner/properties/id"
    assert request.tool == "createPet"


def test_breaking_release(tmp_path: Path) -> None:
    """A release with typical breaking changes lists each with its rule, and flags the missing major bump."""
    new = copy.deepcopy(petstore_31())
    new["info"]["version"] = "1.1.0"
    pet = new["components"]["schemas"]["Pet"]
    pet["properties"]["kind"]["enum"] = ["cat"]
    pet["required"].append("owner")
    new["components"]["parameters"]["Limit"]["schema"]["maximum"] = 50
    new["paths"]["/pets/{petId}"]["get"]["operationId"] = "fetchPet"
    del new["paths"]["/pets"]["get"]["parameters"][1]
    report = _diff(tmp_path, petstore_31(), new)
    assert {("request.schema.enum-value-removed", B), ("request.property.became-required", B),
            ("request.schema.constraint-tightened", B), ("tool.renamed", B),
            ("request.parameter.removed-optional", W), ("semver.major-bump-missing", W)} <= ids(report.findings)
    renamed = finding(report.findings, "tool.renamed")
    assert renamed.details == {"old": "getPet", "new": "fetchPet"}
    limit = finding(report.findings, "request.schema.constraint-tightened")
    assert limit.new_pointer == "/components/parameters/Limit/schema"  # where the shared parameter is written


def test_moved_path_through_the_loader(tmp_path: Path) -> None:
    """A path renamed under the same operationId is a move, not a removal and an addition."""
    new = petstore_31()
    new["paths"]["/animals/{petId}"] = new["paths"].pop("/pets/{petId}")
    report = _diff(tmp_path, petstore_31(), new)
    assert ids(report.findings) == {("operation.moved", B), ("semver.major-bump-missing", W)}
    assert report.moved == (("GET /pets/{petId}", "GET /animals/{petId}"),)
