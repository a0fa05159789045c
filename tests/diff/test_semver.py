"""info.version against the verdict."""

from __future__ import annotations

import pytest

from toolsync.diff import FindingSeverity, semver_finding
from toolsync.diff._semver import Version, parse_version


@pytest.mark.parametrize(("old", "new", "breaking", "expected"), [
    ("1.0.0", "2.0.0", True, None),
    ("1.0.0", "1.1.0", True, ("semver.major-bump-missing", FindingSeverity.WARNING)),
    ("1.0.0", "1.0.0", True, ("semver.major-bump-missing", FindingSeverity.WARNING)),
    ("0.3.0", "0.4.0", True, None),
    ("0.3.0", "0.3.1", True, ("semver.major-bump-missing", FindingSeverity.WARNING)),
    ("0.3.0", "1.0.0", True, None),
    ("1.0.0", "1.0.1", False, None),
    ("1.2.0", "1.1.0", False, ("semver.version-decreased", FindingSeverity.WARNING)),
    ("2024-01-01", "2024-02-01", True, ("semver.unparseable", FindingSeverity.INFO)),
    ("1.0", "latest", False, ("semver.unparseable", FindingSeverity.INFO)),
    ("v1.4", "v2", True, None),
    ("1.0.0-beta.1", "2.0.0+build.5", True, None),
], ids=["major", "minor-only", "same", "zero-minor", "zero-patch", "zero-to-one", "patch-ok", "decreased",
        "dates", "words", "v-prefix", "pre-release"])
def test_semver_verdict(old: str, new: str, breaking: bool, expected: tuple | None) -> None:
    """The version bump is checked against the verdict: major for breaking (minor below 1.0)."""
    found = semver_finding(old, new, breaking)
    assert (None if found is None else (found.id, found.severity)) == expected


def test_major_bump_message_suggests_a_version() -> None:
    """The warning says which version would be right."""
    found = semver_finding("1.4.2", "1.5.0", True)
    assert found is not None and "bump it to at least 2.0.0" in found.message
    assert found.details["expected"] == "2.0.0"


def test_parse_version() -> None:
    """Short and prefixed versions parse; anything else is None."""
    assert parse_version("v1.2") == Version(1, 2, 0)
    assert parse_version(" 3 ") == Version(3, 0, 0)
    assert parse_version("1.2.3.4") is None
    assert parse_version("") is None
