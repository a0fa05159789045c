"""RedisStore's URL handling and option checks, which need no Redis server."""

from __future__ import annotations

import pytest

from toolsync.errors import ConfigError, StoreError
from toolsync.stores.redis import RedisStore, masked_url

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(("url", "shown"), [
    ("redis://user:s3cret@127.0.0.1:1/0", "redis://user:***@127.0.0.1:1/0"),
    ("redis://:s3cret@127.0.0.1:1", "redis://:***@127.0.0.1:1"),
    ("rediss://127.0.0.1:1/0?password=s3cret&db=0", "rediss://127.0.0.1:1/0?password=***&db=0"),
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
])
def test_passwords_are_masked(url: str, shown: str) -> None:
    """URLs in messages never show the password."""
    assert masked_url(url) == shown


def test_unreachable_redis_is_a_store_error_naming_the_url() -> None:
    """A server that does not answer gives StoreError with the masked URL and the cause, quickly."""
    with pytest.raises(StoreError, match="cannot reach Redis") as caught:
        RedisStore("redis://user:s3cret@127.0.0.1:1/0", connect_timeout=0.5)
    assert caught.value.source == "redis://user:***@127.0.0.1:1/0"
    assert "s3cret" not in str(caught.value) and "Connection refused" in str(caught.value)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0?db=notanumber", "http://127.0.0.1:6379"])
def test_bad_urls_are_config_errors(url: str) -> None:
    """A URL redis-py cannot use, or another scheme, is a ConfigError."""
    with pytest.raises(ConfigError, match="URL"):
        RedisStore(url)


@pytest.mark.parametrize(("options", "message"), [
    ({"prefix": ""}, "prefix"),
    ({"prefix": "a b"}, "prefix"),
    ({"max_events": 0}, "at least 1"),
])
def test_bad_options_are_config_errors(options: dict[str, object], message: str) -> None:
    """An empty prefix or a zero cap is refused before connecting."""
    with pytest.raises(ConfigError, match=message):
        RedisStore(REDIS_URL, **options)  # type: ignore[arg-type]
