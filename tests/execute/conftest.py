"""Fixtures for execution tests: the upstream API, its spec and hand-built tools."""

from __future__ import annotations

import pytest

from tests.upstream.app import OPENAPI
from tests.upstream.fixtures import UpstreamServer, upstream, upstream_url
from toolsync.execute import ExecutionConfig
from toolsync.ir import Spec
from toolsync.tool import Tool

from .helpers import spec_from_document, tools_by_operation_id

__all__ = ["upstream", "upstream_url"]


@pytest.fixture(scope="session")
def upstream_spec() -> Spec:
    """The upstream API's own OpenAPI document as a Spec."""
    return spec_from_document(OPENAPI)


@pytest.fixture(scope="session")
def upstream_tools(upstream_spec: Spec) -> dict[str, Tool]:
    """One hand-built tool per upstream operation, by operationId."""
    return tools_by_operation_id(upstream_spec)


@pytest.fixture
def upstream_config(upstream: UpstreamServer, upstream_spec: Spec) -> ExecutionConfig:
    """Execution settings for the upstream: its port as the server variable, loopback allowed."""
    return ExecutionConfig.for_spec(upstream_spec, server_variables={"port": str(upstream.port)},
                                    allow_private=True, timeout=5.0)
