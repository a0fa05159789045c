"""Shared output of the benchmark scripts: one JSON file under results/ and a readable listing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_results(results: dict[str, Any], path: Path, *, as_json: bool) -> None:
    """Save ``results`` to ``path`` and print them, as JSON or as aligned ``key  value`` lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    if as_json:
        print(json.dumps(results, indent=2))
        return
    width = max((len(k) for k in results), default=0)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
