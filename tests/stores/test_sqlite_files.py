"""SQLiteStore and the files it meets: its own, damaged ones, foreign databases, and resets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from toolsync.errors import StoreCorruptError, StoreError
from toolsync.registry import Registry
from toolsync.stores import SQLiteStore

from ..registry.builders import spec_of


def make_registry_file(path: Path) -> None:
    with Registry(SQLiteStore(path)) as registry:
        registry.apply(spec_of("pets", ["a", "b"]))


def test_creates_folder_schema_and_wal(tmp_path: Path) -> None:
    """A new store makes its folder, its schema (with a version) and runs in WAL with full sync."""
    path = tmp_path / "deep" / "registry.db"
    with SQLiteStore(path) as store:
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        meta = dict(conn.execute("SELECT key, value FROM toolsync_meta"))
    assert meta == {"application": "toolsync-registry", "schema_version": "1"}


def test_garbage_file_is_not_a_toolsync_store(tmp_path: Path) -> None:
    """A file that is not SQLite raises StoreCorruptError telling how to start over."""
    path = tmp_path / "registry.db"
    path.write_bytes(b"this is a text file, not a database\n" * 20)
    with pytest.raises(StoreCorruptError, match=r"is not a toolsync store.*--reset-store"):
        SQLiteStore(path)


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    """An SQLite database of another application is refused, and left untouched."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreCorruptError, match="not a toolsync store"):
        SQLiteStore(path)
    assert path.read_bytes() == before


def test_damaged_pages_are_reported(tmp_path: Path) -> None:
    """A store whose pages were overwritten is reported as damaged, not as a crash."""
    path = tmp_path / "registry.db"
    make_registry_file(path)
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 97):
        data[offset] = 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError, match=r"damaged|not a toolsync store"), Registry(SQLiteStore(path)):
        pass


def test_truncated_header_is_reported(tmp_path: Path) -> None:
    """A store cut short in its first page is reported as not a toolsync store."""
    path = tmp_path / "registry.db"
    make_registry_file(path)
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(StoreCorruptError):
        SQLiteStore(path)


def test_reset_moves_the_old_file_aside(tmp_path: Path) -> None:
    """reset=True renames the old file to a .bak next to it and starts empty; nothing is deleted."""
    path = tmp_path / "registry.db"
    path.write_bytes(b"garbage" * 100)
    with SQLiteStore(path, reset=True) as store:
        assert store.load_latest() is None
        moved = store.moved_to
    assert moved is not None and moved.exists() and moved.read_bytes() == b"garbage" * 100
    assert moved.name.startswith("registry.db.") and moved.name.endswith(".bak")


def test_reset_keeps_every_earlier_backup(tmp_path: Path) -> None:
    """Resetting twice in a row keeps both backups."""
    path = tmp_path / "registry.db"
    make_registry_file(path)
    SQLiteStore(path, reset=True).close()
    SQLiteStore(path, reset=True).close()
    assert len(list(tmp_path.glob("registry.db.*.bak"))) == 2


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """A store written by a newer toolsync asks for an upgrade instead of guessing."""
    path = tmp_path / "registry.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE toolsync_meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(StoreError, match="newer toolsync"):
        SQLiteStore(path)


def test_damaged_record_is_reported(tmp_path: Path) -> None:
    """A manifest that is not JSON is a StoreCorruptError when read."""
    path = tmp_path / "registry.db"
    make_registry_file(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE versions SET manifest = x'7b7b'")
    conn.close()
    with pytest.raises(StoreCorruptError, match="not valid JSON"):
        Registry(SQLiteStore(path))


def test_missing_payload_is_reported(tmp_path: Path) -> None:
    """A manifest naming a payload that is gone is reported as damage."""
    path = tmp_path / "registry.db"
    make_registry_file(path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM payloads")
    conn.close()
    with pytest.raises(StoreCorruptError, match="payload is missing"):
        Registry(SQLiteStore(path))


def test_a_folder_is_not_a_store_path(tmp_path: Path) -> None:
    """Giving a folder as the store path says to give a file."""
    with pytest.raises(StoreError, match="is a folder"):
        SQLiteStore(tmp_path)
