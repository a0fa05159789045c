"""
Change safety: compare two versions of a spec and classify every difference.

* :func:`diff_specs` compares whole specs (operations by key, moves by operationId, tool renames,
  servers, the ``info.version`` bump) and returns a :class:`DiffReport`.
* :func:`diff_operations` compares two versions of one operation.
* :func:`semver_finding` checks a version bump against a verdict.

Each :class:`Finding` has a stable rule id (``request.parameter.added-required``), a
:class:`FindingSeverity` and a sentence. Request schemas are compared for what the API accepts
from the agent (accepting less is breaking), response schemas for what the agent receives.
Schemas are compared structurally at any depth, through ``$defs`` refs, ``allOf``, ``oneOf``/
``anyOf``, ``items`` and ``additionalProperties``, so renaming a component, reordering, or moving an
inline schema behind a ``$ref`` changes nothing.
"""

from __future__ import annotations

from ._finding import Finding, FindingSeverity
from ._operation import diff_operations
from ._report import DiffReport
from ._semver import semver_finding
from ._spec import diff_specs

__all__ = ["DiffReport", "Finding", "FindingSeverity", "diff_operations", "diff_specs", "semver_finding"]
