"""Check a spec's ``info.version`` against the diff's verdict."""

from __future__ import annotations

import re
from typing import NamedTuple

from ._finding import Finding, FindingSeverity

__all__ = ["Version", "parse_version", "semver_finding"]

# A pre-release or build suffix only after all three numbers, so dates (2024-01-31) do not parse.
_VERSION = re.compile(r"^\s*[vV]?(\d+)(?:\.(\d+)(?:\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?)?)?\s*$")


class Version(NamedTuple):
    major: int
    minor: int
    patch: int


def parse_version(text: str) -> Version | None:
    """``1``, ``1.2``, ``v1.2.3``, ``1.2.3-beta+build``; None for anything else (dates, names)."""
    match = _VERSION.match(text)
    if match is None:
        return None
    return Version(*(int(part) if part else 0 for part in match.groups()))


def _major_bumped(old: Version, new: Version) -> bool:
    # Below 1.0 a minor bump is the conventional signal for a breaking change.
    if old.major == 0 and new.major == 0:
        return new.minor > old.minor
    return new.major > old.major


def semver_finding(old_version: str, new_version: str, breaking: bool) -> Finding | None:
    """
    A finding when the version does not match the verdict, else None.

    ``semver.major-bump-missing`` (warning): breaking changes without a major bump (minor on 0.x).
    ``semver.version-decreased`` (warning): the new version is lower. ``semver.unparseable`` (info):
    a version is not semantic, so nothing could be checked.
    """
    old, new = parse_version(old_version), parse_version(new_version)
    details = {"old": old_version, "new": new_version, "breaking": breaking}
    if old is None or new is None:
        bad = old_version if old is None else new_version
        return Finding("semver.unparseable", FindingSeverity.INFO,
                       f"info.version {bad!r} is not a semantic version; the version bump was not checked",
                       details=details)
    if new < old:
        return Finding("semver.version-decreased", FindingSeverity.WARNING,
                       f"info.version went down from {old_version} to {new_version}", details=details)
    if breaking and not _major_bumped(old, new):
        wanted = f"0.{old.minor + 1}.0" if old.major == 0 else f"{old.major + 1}.0.0"
        return Finding("semver.major-bump-missing", FindingSeverity.WARNING,
                       f"The spec has breaking changes but info.version went from {old_version} to "
                       f"{new_version}; bump it to at least {wanted}", details={**details, "expected": wanted})
    return None
