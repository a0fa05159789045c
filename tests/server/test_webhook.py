"""The signed reload webhook: verification rules, and what a delivery does to a running server."""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from toolsync.errors import AuthError
from toolsync.server import webhook as webhook_module
from toolsync.server.webhook import WebhookVerifier, sign, signature
from toolsync.settings import Secret

from .conftest import WEBHOOK, admin_settings, spec_doc, wait_for

SECRET = Secret("shared-secret-for-tests")
NOW = 1_700_000_000


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _verifier(clock: Clock | None = None, **options) -> WebhookVerifier:
    return WebhookVerifier(SECRET, 300, clock=clock or Clock(), **options)


def test_a_signed_delivery_is_accepted_once() -> None:
    """A correct signature within the tolerance passes; the same delivery again is a replay."""
    verifier = _verifier()
    body = b'{"spec": "pets"}'
    headers = sign(SECRET.reveal(), body, NOW - 10)
    verifier.verify(headers, body)
    with pytest.raises(AuthError, match="already received"):
        verifier.verify(headers, body)


@pytest.mark.parametrize(("headers", "needle"), [
    ({}, "X-Toolsync-Timestamp header must hold the unix time"),
    ({"X-Toolsync-Timestamp": "soon", "X-Toolsync-Signature": "sha256=" + "0" * 64}, "unix time"),
    ({"X-Toolsync-Timestamp": str(NOW)}, "must be 'sha256=' and 64 hex digits"),
    ({"X-Toolsync-Timestamp": str(NOW), "X-Toolsync-Signature": "md5=abc"}, "64 hex digits"),
    ({"X-Toolsync-Timestamp": str(NOW), "X-Toolsync-Signature": "sha256=" + "0" * 64}, "does not match"),
    ({"X-Toolsync-Timestamp": str(NOW - 301), "X-Toolsync-Signature": "sha256=" + "0" * 64}, "301 s away"),
    ({"X-Toolsync-Timestamp": str(NOW + 400), "X-Toolsync-Signature": "sha256=" + "0" * 64}, "400 s away"),
])
def test_bad_deliveries_are_refused(headers: dict[str, str], needle: str) -> None:
    """Missing, malformed, stale, future and wrongly signed deliveries raise AuthError saying why."""
    with pytest.raises(AuthError, match=re.escape(needle)):
        _verifier().verify(headers, b"{}")


def test_signature_covers_timestamp_and_body() -> None:
    """Changing the body or the timestamp after signing breaks the signature."""
    verifier = _verifier()
    headers = sign(SECRET.reveal(), b'{"spec": "a"}', NOW)
    with pytest.raises(AuthError, match="does not match"):
        verifier.verify(headers, b'{"spec": "b"}')
    moved = {**headers, "X-Toolsync-Timestamp": str(NOW + 1)}
    with pytest.raises(AuthError, match="does not match"):
        verifier.verify(moved, b'{"spec": "a"}')
    assert headers["X-Toolsync-Signature"] == "sha256=" + signature(SECRET.reveal(), NOW, b'{"spec": "a"}')


def test_without_a_secret_the_webhook_is_disabled() -> None:
    """No secret configured: every delivery is refused."""
    with pytest.raises(AuthError, match="disabled"):
        WebhookVerifier(None).verify(sign("x", b"{}"), b"{}")


def test_replay_memory_is_bounded_and_stays_safe() -> None:
    """Past capacity the oldest signatures are forgotten, and deliveries that old are refused outright."""
    clock = Clock()
    verifier = _verifier(clock, capacity=3)
    sent = []
    for i in range(5):
        body = f'{{"n": {i}}}'.encode()
        headers = sign(SECRET.reveal(), body, NOW - 100 + i)
        verifier.verify(headers, body)
        sent.append((headers, body))
    assert len(verifier._seen) == 3
    for headers, body in sent:
        with pytest.raises(AuthError, match="already received"):
            verifier.verify(headers, body)
    clock.now += 1000  # every remembered delivery is now outside the window: memory empties
    fresh = sign(SECRET.reveal(), b"{}", int(clock.now))
    verifier.verify(fresh, b"{}")
    assert len(verifier._seen) == 1


@pytest.fixture
def remote(serve, spec_host):
    """A server watching a URL spec (polled only hourly), so that only the webhook reloads it."""
    entry = {"url": spec_host.url, "poll_interval": 3600, "allow_private": True}
    running = serve(admin_settings(entry))
    assert running.registry.version == 1 and "remoteOne" in running.registry.snapshot.tools
    spec_host.serve(spec_doc(["remoteOne", "remoteTwo"], title="Remote API"))
    return running


def _post(running, body: bytes, headers: dict[str, str]):
    return running.client.post("/webhooks/reload", content=body, headers={"Content-Type": "application/json",
                                                                           **headers})


def test_refused_deliveries_reload_nothing(remote) -> None:
    """Wrong signature, old timestamp, missing headers: 401 and the version stays the same."""
    body = b'{"spec": "remote-api"}'
    cases = [sign("not-the-secret", body), sign(WEBHOOK, body, int(time.time()) - 3600), {}]
    for headers in cases:
        answer = _post(remote, body, headers)
        assert answer.status_code == 401 and answer.json()["error"] == "AuthError"
    time.sleep(0.3)
    assert remote.registry.version == 1 and "remoteTwo" not in remote.registry.snapshot.tools


def test_a_signed_delivery_reloads_and_its_replay_is_refused(remote, spec_host) -> None:
    """A correct delivery is 202 and reloads the spec (trigger webhook); replaying it is 401 and reloads nothing."""
    body = b'{"spec": "remote-api"}'
    headers = sign(WEBHOOK, body)
    accepted = _post(remote, body, headers)
    assert accepted.status_code == 202 and accepted.json()["queued"] == [spec_host.url]
    remote.wait_version(2)
    assert "remoteTwo" in remote.registry.snapshot.tools
    assert remote.registry.history(limit=1)[0].trigger == "webhook"
    spec_host.serve(spec_doc(["remoteOne", "remoteTwo", "remoteThree"], title="Remote API"))
    replayed = _post(remote, body, headers)
    assert replayed.status_code == 401 and "already received" in replayed.json()["message"]
    time.sleep(0.3)
    assert remote.registry.version == 2


def test_delivery_without_a_spec_reloads_everything(remote) -> None:
    """An empty body reloads every watched source."""
    answer = _post(remote, b"", sign(WEBHOOK, b""))
    assert answer.status_code == 202 and len(answer.json()["queued"]) == 1
    remote.wait_version(2)


def test_signed_but_wrong_requests(remote) -> None:
    """After a valid signature, an unknown spec is 404 and a bad body 422; nothing reloads."""
    for body, status in ((b'{"spec": "nope"}', 404), (b'{"spec": 1}', 422), (b'{"spec": "a", "source": "b"}', 422),
                         (b'{"what": 1}', 422), (b"[", 400)):
        assert _post(remote, body, sign(WEBHOOK, body)).status_code == status
    assert remote.registry.version == 1


def test_the_documented_shell_command_works(remote) -> None:
    """The curl + openssl lines of the webhook module's docstring sign a delivery the server accepts."""
    doc = webhook_module.__doc__ or ""
    lines = [line.strip() for line in doc.split("Signing from a shell (curl + openssl)::")[1].split("From Python")[0]
             .strip().splitlines()]
    script = "\n".join(lines).replace("\\\n", " ").replace("http://127.0.0.1:8765", remote.url)
    script = script.replace('"spec":"petstore"', '"spec":"remote-api"')
    done = subprocess.run(["bash", "-c", script], env={"TOOLSYNC_WEBHOOK_SECRET": WEBHOOK, "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert '"queued"' in done.stdout
    wait_for(lambda: remote.registry.version == 2, what="the reload the shell delivery asked for")
