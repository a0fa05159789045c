"""The configuration file, its defaults, its errors and the environment overrides."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from toolsync.config import BreakingPolicy
from toolsync.errors import ConfigError
from toolsync.settings import (
    Secret,
    Settings,
    find_config_file,
    is_config_file,
    load_settings,
    settings_from_mapping,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "toolsync.example.yaml"


def test_no_file_gives_defaults(tmp_path: Path) -> None:
    """With no file and no environment, every field has its default."""
    settings = load_settings(cwd=tmp_path, env={})
    assert settings == Settings()
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 8765)
    assert settings.server.admin_token is None and settings.server.cors_origins == ()
    assert settings.store.url == "sqlite://.toolsync/registry.db"


def test_yaml_file_found_in_working_folder(tmp_path: Path) -> None:
    """A toolsync.yaml in the folder is read; relative spec paths are taken from the file's folder."""
    (tmp_path / "toolsync.yaml").write_text(
        "specs:\n"
        "  - source: specs/pets.yaml\n"
        "    name: pets\n"
        "    namespace: pets\n"
        "    include: {tags: [pets], methods: [get]}\n"
        "    exclude: {operations: [deletePet]}\n"
        "    policy: block\n"
        "    credentials: {api_key: PETS_KEY}\n"
        "    allow_private: true\n"
        "    limits: {max_bytes: 2048}\n"
        "  - https://api.example.com/openapi.json\n"
        "server: {port: 9000, allowed_roots: [specs]}\n"
        "tools: {strict: false}\n"
        "log_level: DEBUG\n")
    settings = load_settings(cwd=tmp_path, env={})
    pets, remote = settings.specs
    assert pets.source == str(tmp_path / "specs" / "pets.yaml")
    assert (pets.name, pets.namespace, pets.policy) == ("pets", "pets", BreakingPolicy.BLOCK)
    assert pets.include_tags == ("pets",) and pets.include_methods == ("get",)
    assert pets.exclude_operations == ("deletePet",)
    assert pets.credentials == {"api_key": "PETS_KEY"}
    assert pets.fetch.allow_private and pets.limits.max_bytes == 2048
    assert remote.source == "https://api.example.com/openapi.json" and not remote.fetch.allow_private
    assert settings.server.port == 9000 and settings.server.allowed_roots == (str(tmp_path / "specs"),)
    assert settings.tools.strict is False and settings.log_level == "debug"
    assert settings.path == str(tmp_path / "toolsync.yaml")


def test_toml_file(tmp_path: Path) -> None:
    """TOML has the same sections and keys as YAML."""
    path = tmp_path / "toolsync.toml"
    path.write_text('log_level = "warning"\n[server]\nport = 8000\n[[specs]]\nurl = "https://x.example/spec.json"\n'
                    'poll_interval = 5\n[store]\nurl = "memory://"\n')
    settings = load_settings(path, env={})
    assert settings.server.port == 8000 and settings.store.url == "memory://"
    assert settings.specs[0].poll_interval == 5.0 and settings.log_level == "warning"


def test_example_file_loads() -> None:
    """The example configuration at the repository root is valid."""
    settings = load_settings(EXAMPLE, env={"TOOLSYNC_EXAMPLE_ADMIN": "x" * 24, "TOOLSYNC_EXAMPLE_WEBHOOK": "y" * 24})
    assert settings.specs and settings.server.admin_token is not None


@pytest.mark.parametrize(("text", "needle"), [
    ("servr: {}\n", "unknown section 'servr'"),
    ("server: {prot: 1}\n", "server.prot: unknown key"),
    ("specs: [{source: a.yaml, nmae: x}]\n", "specs[0].nmae: unknown key"),
    ("specs: [{source: a.yaml, include: {tag: [x]}}]\n", "specs[0].include.tag: unknown key"),
    ("fetch: {allow_privat: true}\n", "fetch.allow_privat: unknown key"),
])
def test_unknown_keys_are_named_with_the_file(tmp_path: Path, text: str, needle: str) -> None:
    """An unknown key is an error naming the key and the file."""
    path = tmp_path / "toolsync.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert needle in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize(("data", "needle"), [
    ({"server": {"port": "80"}}, "server.port: expected an integer, got a string"),
    ({"server": {"port": True}}, "server.port: expected an integer, got a boolean"),
    ({"server": {"port": 70000}}, "port must be between 0 and 65535"),
    ({"fetch": {"allow_private": "yes"}}, "fetch.allow_private: expected true or false"),
    ({"specs": [{"source": "a.yaml", "policy": "sometimes"}]}, "specs[0].policy: must be one of allow, warn, block"),
    ({"specs": [{"source": "a.yaml", "include_tags": "x"}]}, "specs[0].include_tags: expected a list"),
    ({"specs": [{"name": "x"}]}, "specs[0]: the spec entry needs a source"),
    ({"specs": [{"path": "a", "url": "https://b"}]}, "give exactly one of source, path or url"),
    ({"specs": "a.yaml"}, "specs must be a list"),
    ({"server": []}, "server: expected a mapping"),
    ({"server": {"tool_calls": "everyone"}}, "server.tool_calls: must be one of 'off', 'read', 'admin'"),
    ({"tools": {"description_budget": 3}}, "description_budget 3 is too small"),
    ({"log_level": "loud"}, "log_level must be one of"),
    ({"server": {"admin_token": ""}}, "server.admin_token: must not be empty"),
])
def test_wrong_types_name_the_field(data: dict, needle: str) -> None:
    """A value of the wrong type or out of range is an error naming the field."""
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(data, source="cfg.yaml", env={})
    assert needle in str(info.value) and "cfg.yaml" in str(info.value)


def test_broken_files_are_config_errors(tmp_path: Path) -> None:
    """Bad YAML, bad TOML, a list at the top and a missing file are ConfigErrors, never bare exceptions."""
    cases = {"a.yaml": "server: {port: [\n", "b.toml": "[server\n", "c.yaml": "- 1\n- 2\n"}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ConfigError, match=name):
            load_settings(tmp_path / name, env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.yaml", env={})


def test_secret_from_environment_variable_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    """``env:VAR`` reads the variable; repr, str and logging never show the value."""
    settings = settings_from_mapping({"server": {"admin_token": "env:MY_ADMIN", "read_token": "inline-read-tok"}},
                                     env={"MY_ADMIN": "s3cret-admin-value"})
    token = settings.server.admin_token
    assert token is not None and token.reveal() == "s3cret-admin-value" and token.origin == "env:MY_ADMIN"
    with caplog.at_level(logging.INFO):
        logging.getLogger("toolsync.test").info("settings: %r %s", settings, token)
    for text in (repr(settings), str(token), caplog.text):
        assert "s3cret-admin-value" not in text and "inline-read-tok" not in text
    assert token.matches("s3cret-admin-value") and not token.matches("s3cret-admin-valuE")


def test_secret_naming_an_unset_variable_fails() -> None:
    """``env:VAR`` with VAR unset is an error naming the field and the variable."""
    with pytest.raises(ConfigError, match=r"server.webhook_secret: refers to the environment variable NOPE"):
        settings_from_mapping({"server": {"webhook_secret": "env:NOPE"}}, env={})


def test_environment_overrides_win_over_the_file(tmp_path: Path) -> None:
    """TOOLSYNC_* variables override the file; TOOLSYNC_CONFIG names the file."""
    path = tmp_path / "conf.yaml"
    path.write_text("server: {host: 0.0.0.0, port: 1}\nspecs: [a.yaml]\n")
    env = {"TOOLSYNC_CONFIG": str(path), "TOOLSYNC_HOST": "127.0.0.2", "TOOLSYNC_PORT": "9999",
           "TOOLSYNC_ADMIN_TOKEN": "adm-from-env", "TOOLSYNC_READ_TOKEN": "read-from-env",
           "TOOLSYNC_WEBHOOK_SECRET": "hook-from-env", "TOOLSYNC_STORE": "memory://", "TOOLSYNC_LOG_LEVEL": "ERROR",
           "TOOLSYNC_ALLOW_PRIVATE": "true", "TOOLSYNC_TOOL_CALLS": "read"}
    settings = load_settings(env=env, cwd=tmp_path)
    server = settings.server
    assert (server.host, server.port, server.tool_calls) == ("127.0.0.2", 9999, "read")
    assert isinstance(server.admin_token, Secret) and server.admin_token.reveal() == "adm-from-env"
    assert server.read_token is not None and server.webhook_secret is not None
    assert settings.store.url == "memory://" and settings.log_level == "error"
    assert settings.fetch.allow_private and settings.execution.allow_private
    assert all(spec.fetch.allow_private for spec in settings.specs)
    assert set(settings.secrets()) == {"adm-from-env", "read-from-env", "hook-from-env"}


@pytest.mark.parametrize(("name", "value"), [("TOOLSYNC_PORT", "http"), ("TOOLSYNC_PORT", "-1"),
                                             ("TOOLSYNC_ALLOW_PRIVATE", "maybe"), ("TOOLSYNC_LOG_LEVEL", "x"),
                                             ("TOOLSYNC_TOOL_CALLS", "all")])
def test_bad_environment_values_name_the_variable(tmp_path: Path, name: str, value: str) -> None:
    """A bad environment value is an error naming the variable."""
    with pytest.raises(ConfigError, match=name):
        load_settings(cwd=tmp_path, env={name: value})


def test_two_config_files_are_refused(tmp_path: Path) -> None:
    """Both toolsync.yaml and toolsync.toml present: refuse to guess."""
    (tmp_path / "toolsync.yaml").write_text("{}\n")
    (tmp_path / "toolsync.toml").write_text("")
    with pytest.raises(ConfigError, match="keep one"):
        find_config_file(tmp_path)


def test_store_paths_in_the_file_are_relative_to_it(tmp_path: Path) -> None:
    """A relative SQLite store in the file is resolved from the file's folder."""
    settings = settings_from_mapping({"store": {"url": "sqlite://data/reg.db"}}, base=tmp_path, env={})
    assert settings.store.url == "sqlite:///" + str(tmp_path / "data" / "reg.db").lstrip("/")
    plain = settings_from_mapping({"store": {"url": "db/reg.db"}}, base=tmp_path, env={})
    assert plain.store.url == str(tmp_path / "db" / "reg.db")


def test_config_files_are_told_apart_from_specs(tmp_path: Path) -> None:
    """``is_config_file`` recognises settings files by name or keys, never a spec."""
    spec = tmp_path / "api.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\n")
    settings = tmp_path / "serve.yaml"
    settings.write_text("server: {port: 1}\nspecs: [api.yaml]\n")
    named = tmp_path / "toolsync.yml"
    named.write_text("{}\n")
    assert is_config_file(settings) and is_config_file(named)
    assert not is_config_file(spec) and not is_config_file(tmp_path / "missing.yaml")
