"""A restart on the same SQLite store serves the same state and commits nothing for unchanged specs."""

from __future__ import annotations

from pathlib import Path

from .conftest import ADMIN_HEADERS, admin_settings, spec_doc, write_spec


def test_restart_restores_the_last_committed_state(serve, sqlite_registry, spec_dir: Path) -> None:
    """Configured and API-added specs survive a restart; unchanged specs make no new version."""
    configured, added = spec_dir / "items.json", spec_dir / "extra.json"
    write_spec(configured, spec_doc(["listItems"], title="Items"))
    write_spec(added, spec_doc(["extraOp"], title="Extra"))
    first_registry = sqlite_registry()
    first = serve(admin_settings(str(configured)), registry=first_registry, roots=(str(spec_dir),))
    assert first.client.post("/specs", json={"source": str(added)}, headers=ADMIN_HEADERS).status_code == 201
    before = first.client.get("/tools").json()
    history = first.client.get("/history").json()["history"]
    first.stop()
    first_registry.close()

    second_registry = sqlite_registry()
    assert second_registry.version == 2 and set(second_registry.snapshot.tools) == {"listItems", "extraOp"}
    second = serve(admin_settings(str(configured)), registry=second_registry, roots=(str(spec_dir),))
    assert second.client.get("/tools").json() == before
    assert second.client.get("/history").json()["history"] == history
    specs = {s["name"]: s for s in second.client.get("/specs").json()["specs"]}
    assert specs["extra"]["watched"] and specs["items"]["watched"]
    write_spec(added, spec_doc(["extraOp", "extraTwo"], title="Extra"))
    second.wait_version(3)
    assert "extraTwo" in second.registry.snapshot.tools

