"""Shared helpers for the model-side front-end tests: small spec builders and a file RefLoader."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
import yaml

from toolsync.config import RefPolicy
from toolsync.errors import RefError
from toolsync.ir import Operation, Spec
from toolsync.limits import Limits
from toolsync.spec.build import build_spec


class FileLoader:
    """A RefLoader over real files below ``root`` that records every URI it is asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.calls: list[str] = []

    def __call__(self, uri: str) -> tuple[str, Any]:
        self.calls.append(uri)
        parts = urlsplit(uri)
        if parts.scheme != "file":
            raise RefError(f"remote ref {uri} refused")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root):
            raise RefError(f"{uri} is outside {self.root}")
        if not path.is_file():
            raise RefError(f"{uri}: no such file")
        return path.as_uri(), yaml.safe_load(path.read_text())


def write(path: Path, data: Any) -> Path:
    """Write ``data`` as YAML (JSON is valid YAML too) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def build_file(path: Path, **kwargs: Any) -> Spec:
    """Build the spec stored at ``path`` with a FileLoader rooted at its folder."""
    kwargs.setdefault("ref_loader", FileLoader(path.parent))
    return build_spec(yaml.safe_load(path.read_text()), source=str(path), base_uri=path.resolve().as_uri(),
                      **kwargs)


def build(document: dict[str, Any], **kwargs: Any) -> Spec:
    """Build an in-memory spec (local refs only unless a loader is given)."""
    kwargs.setdefault("source", "test.yaml")
    return build_spec(document, **kwargs)


def openapi(paths: dict[str, Any], *, version: str = "3.1.0", **extra: Any) -> dict[str, Any]:
    """A minimal OpenAPI document around ``paths``."""
    return {"openapi": version, "info": {"title": "Test API", "version": "1.0"}, "paths": paths, **extra}


def ok(schema: dict[str, Any] | None = None, media: str = "application/json") -> dict[str, Any]:
    """A responses object with one 200 response (with content when a schema is given)."""
    response: dict[str, Any] = {"description": "ok"}
    if schema is not None:
        response["content"] = {media: {"schema": schema}}
    return {"200": response}


def only(spec: Spec) -> Operation:
    """The single operation of ``spec``."""
    assert len(spec.operations) == 1, [op.key for op in spec.operations]
    return spec.operations[0]


def body_schema(op: Operation, media: str = "application/json") -> Any:
    assert op.request_body is not None
    return next(m.schema for m in op.request_body.content if m.media_type == media)


def response_schema(op: Operation, status: str = "200", media: str = "application/json") -> Any:
    response = next(r for r in op.responses if r.status == status)
    return next(m.schema for m in response.content if m.media_type == media)


def codes(spec: Spec) -> list[str]:
    return [d.code for d in spec.diagnostics]


@pytest.fixture
def skip() -> dict[str, Any]:
    return {"on_unresolved_ref": RefPolicy.SKIP}


SMALL = Limits(max_expanded_nodes=2_000)
