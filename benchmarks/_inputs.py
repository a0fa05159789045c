"""What several benchmark scripts read: GitHub's REST spec from the npm cache, and one-operation edits."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NPM_PREFIX = HERE / ".cache" / "npm"
GITHUB_SPEC = NPM_PREFIX / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"


def github_spec() -> Path:
    """GitHub's spec file, installing the npm package first when it is not there."""
    if not GITHUB_SPEC.exists():
        NPM_PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--prefix", str(NPM_PREFIX), "@octokit/openapi"],
                       check=True)
    return GITHUB_SPEC


def edit(document: dict[str, Any], n: int) -> dict[str, Any]:
    """The document with one operation's description changed (a different operation each time)."""
    changed = copy.copy(document)
    changed["paths"] = dict(document["paths"])
    path = sorted(changed["paths"])[n % len(changed["paths"])]
    item = dict(changed["paths"][path])
    method = next(m for m in ("get", "post", "put", "patch", "delete") if m in item)
    item[method] = {**item[method], "description": f"Edited for run {n}."}
    changed["paths"][path] = item
    return changed
