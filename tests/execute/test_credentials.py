"""Credentials of each kind reach the upstream, and never the result or the logs."""

from __future__ import annotations

import logging
from dataclasses import replace

import httpx
import orjson
import pytest

from tests.upstream import app as up
from tests.upstream.fixtures import UpstreamServer
from toolsync.errors import ConfigError
from toolsync.execute import ExecutionConfig, Executor, OAuth2TokenCache, ResolvedCredentials
from toolsync.execute.credentials import CredentialVars, credential_vars
from toolsync.tool import Tool

from .helpers import make_tool, operation

SECRETS = (up.API_KEY, up.BEARER_TOKEN, up.BASIC_PASSWORD, up.CLIENT_SECRET)
ENV = {"UP_KEY": up.API_KEY, "UP_TOKEN": up.BEARER_TOKEN, "UP_USER": up.BASIC_USER,
       "UP_PASS": up.BASIC_PASSWORD, "UP_CLIENT": up.CLIENT_ID, "UP_SECRET": up.CLIENT_SECRET,
       "UP_PAIR": f"{up.BASIC_USER}:{up.BASIC_PASSWORD}"}

CASES = [
    ("authHeader", {"apiKeyHeader": "UP_KEY"}),
    ("authQuery", {"apiKeyQuery": "UP_KEY"}),
    ("authCookie", {"apiKeyCookie": "UP_KEY"}),
    ("authBearer", {"bearer": "UP_TOKEN"}),
    ("authBasic", {"basic": "UP_USER:UP_PASS"}),
    ("authBasic", {"basic.username": "UP_USER", "basic.password": "UP_PASS"}),
    ("authBasic", {"basic": "UP_PAIR"}),
    ("authOAuth", {"oauth": "UP_CLIENT:UP_SECRET"}),
]


def _assert_no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize(("op_id", "credentials"), CASES)
async def test_credentials_arrive_and_stay_secret(
    upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool], caplog: pytest.LogCaptureFixture,
    op_id: str, credentials: dict[str, str],
) -> None:
    """Each credential kind authenticates at the upstream; no secret is in the result or any log record."""
    caplog.set_level(logging.DEBUG)
    config = replace(upstream_config, credentials=credentials)
    async with Executor(config, env=ENV) as executor:
        result = await executor.call(upstream_tools[op_id], {})
    assert result.ok, result.error
    assert result.body["authenticated"] is True
    _assert_no_secrets(repr(result) + orjson.dumps(result.to_dict()).decode() + result.to_model_text())
    assert caplog.records, "the call should have logged"
    for record in caplog.records:
        _assert_no_secrets(record.getMessage())


async def test_without_credentials_the_api_decides(
    upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]
) -> None:
    """With no credentials configured the request goes out bare and the API's 401 comes back."""
    async with Executor(upstream_config, env=ENV) as executor:
        result = await executor.call(upstream_tools["authHeader"], {})
    assert result.status == 401 and result.error is not None and result.error["type"] == "http_error"


async def test_unset_variable_is_a_configuration_error(
    upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]
) -> None:
    """A configured but unset variable is named in a configuration error; nothing is sent."""
    config = replace(upstream_config, credentials={"apiKeyHeader": "UP_MISSING"})
    async with Executor(config, env=ENV) as executor:
        result = await executor.call(upstream_tools["authHeader"], {})
    assert result.error is not None and result.error["type"] == "configuration"
    assert "UP_MISSING" in result.error["message"]


async def test_wrong_secret_is_http_error_without_leaking(
    upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]
) -> None:
    """A wrong key gives the API's 401 and the key itself appears nowhere in the result."""
    env = {"UP_KEY": "wrong-key-value-123"}
    config = replace(upstream_config, credentials={"apiKeyQuery": "UP_KEY"})
    async with Executor(config, env=env) as executor:
        result = await executor.call(upstream_tools["authQuery"], {})
    assert result.status == 401
    assert "wrong-key-value-123" not in orjson.dumps(result.to_dict()).decode()


async def test_echoed_secret_is_redacted(upstream: UpstreamServer, upstream_config: ExecutionConfig) -> None:
    """An API that echoes the credential back does not hand it to the model."""
    op = operation("get", "/echo-anything", security=[{"apiKeyQuery": ()}])
    config = replace(upstream_config, server_url=upstream.url, credentials={"apiKeyQuery": "UP_KEY"})
    async with Executor(config, env=ENV) as executor:
        result = await executor.call(make_tool(op), {})
    assert result.ok and result.body["query"] == "api_key=***"
    _assert_no_secrets(result.text)


async def test_oauth_token_cached_and_refreshed_on_401(
    upstream: UpstreamServer, upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]
) -> None:
    """The OAuth2 token is fetched once, reused, and fetched again once after the API refuses it."""
    config = replace(upstream_config, credentials={"oauth": "UP_CLIENT:UP_SECRET"})
    tokens = OAuth2TokenCache()
    async with Executor(config, env=ENV, tokens=tokens) as executor, httpx.AsyncClient() as probe:
        first = await executor.call(upstream_tools["authOAuth"], {})
        second = await executor.call(upstream_tools["authOAuth"], {})
        assert first.ok and second.ok
        assert len(tokens._tokens) == 1
        (key,) = tokens._tokens
        token_before = tokens._tokens[key][0]
        await probe.post(f"{upstream.url}/oauth/revoke")
        third = await executor.call(upstream_tools["authOAuth"], {})
    assert third.ok, third.error
    assert tokens._tokens[key][0] != token_before


async def test_oauth_bad_client_secret(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """A token endpoint refusing the client gives an upstream_error naming the reason."""
    config = replace(upstream_config, credentials={"oauth": "UP_CLIENT:UP_WRONG"})
    async with Executor(config, env={**ENV, "UP_WRONG": "not-the-secret"}) as executor:
        result = await executor.call(upstream_tools["authOAuth"], {})
    assert result.error is not None and result.error["type"] == "upstream_error"
    assert "invalid_client" in result.error["message"]
    assert "not-the-secret" not in result.to_model_text()


async def test_first_configured_alternative_wins(
    upstream: UpstreamServer, upstream_config: ExecutionConfig
) -> None:
    """With alternatives, the first one whose credentials are all set is used."""
    op = operation("get", "/auth/basic", security=[{"apiKeyHeader": (), "bearer": ()}, {"basic": ()}])
    config = replace(upstream_config, server_url=upstream.url,
                     credentials={"apiKeyHeader": "UP_KEY", "bearer": "UP_NOPE", "basic": "UP_USER:UP_PASS"})
    async with Executor(config, env=ENV) as executor:
        result = await executor.call(make_tool(op), {})
    assert result.ok and result.body["scheme"] == "basic"


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({"k": "KEY"}, {"k": CredentialVars("KEY")}),
        ({"b": "USER:PASS"}, {"b": CredentialVars("USER", "PASS")}),
        ({"b.username": "U", "b.password": "P"}, {"b": CredentialVars("U", "P")}),
        ({"o.client_id": "I", "o.client_secret": "S"}, {"o": CredentialVars("I", "S")}),
        ({"my.scheme": "V"}, {"my.scheme": CredentialVars("V")}),
    ],
)
def test_credential_forms(mapping: dict[str, str], expected: dict[str, CredentialVars]) -> None:
    """Every documented configuration form parses to variable names."""
    assert credential_vars(mapping) == expected


@pytest.mark.parametrize("mapping", [{"k": "not a name"}, {"k": "A:B:C"}, {"b.password": "P"}])
def test_bad_credential_forms(mapping: dict[str, str]) -> None:
    """Malformed credential settings raise ConfigError explaining the forms."""
    with pytest.raises(ConfigError):
        credential_vars(mapping)


def test_resolved_credentials_repr_is_masked() -> None:
    """repr and str of resolved credentials show names, never values."""
    creds = ResolvedCredentials(schemes=("s",), headers={"X-Key": "sekrit-value"}, query={"k": "sekrit-q"},
                                secrets=("sekrit-value", "sekrit-q"))
    text = repr(creds) + str(creds)
    assert "sekrit" not in text
    assert "X-Key" in text and "query:k" in text


async def test_credentials_without_scheme_definitions(
    upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]
) -> None:
    """Credentials for a scheme the settings do not define are a configuration error pointing to for_spec."""
    config = replace(upstream_config, security_schemes={}, credentials={"apiKeyHeader": "UP_KEY"})
    async with Executor(config, env=ENV) as executor:
        result = await executor.call(upstream_tools["authHeader"], {})
    assert result.error is not None and result.error["type"] == "configuration"
    assert "ExecutionConfig.for_spec" in result.error["message"]
