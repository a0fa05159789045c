"""Reading files and discovering the specs in a folder."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from toolsync.errors import FetchBlockedError, LimitError, SourceError
from toolsync.limits import Limits
from toolsync.spec.sources import (
    discover,
    discover_report,
    fingerprint_aside,
    media_type_for,
    read_file,
    read_file_unhashed,
)

from .conftest import PETSTORE

LIMITS = Limits()


def test_read_file_returns_bytes_and_identity(tmp_path: Path) -> None:
    """read_file gives the bytes, their sha256, size, mtime and a media type from the extension."""
    path = tmp_path / "pets.yaml"
    path.write_bytes(PETSTORE)
    payload = read_file(path, limits=LIMITS)
    assert payload.data == PETSTORE
    assert payload.fingerprint == hashlib.sha256(PETSTORE).hexdigest()
    assert payload.size == len(PETSTORE)
    assert payload.mtime_ns == path.stat().st_mtime_ns
    assert payload.media_type == "application/yaml"
    assert payload.location == str(path)


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is a SourceError naming the path."""
    with pytest.raises(SourceError, match="no such file") as info:
        read_file(tmp_path / "nope.yaml", limits=LIMITS)
    assert info.value.source == str(tmp_path / "nope.yaml")


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    """A file over limits.max_bytes is refused from its size alone."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" * 100)
    with pytest.raises(LimitError, match="500 bytes"):
        read_file(path, limits=Limits(max_bytes=100))


def test_a_file_that_grew_after_its_size_was_taken_is_read_whole(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The read is sized by fstat, but bytes written since are read too, and still count against the cap."""
    path = tmp_path / "pets.yaml"
    path.write_bytes(PETSTORE)
    real_fstat = os.fstat

    def stale_fstat(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 10,
                               int(st.st_atime), int(st.st_mtime), int(st.st_ctime)))

    monkeypatch.setattr(os, "fstat", stale_fstat)
    assert read_file(path, limits=LIMITS).data == PETSTORE
    with pytest.raises(LimitError, match="larger than the limit of 100 bytes"):
        read_file(path, limits=Limits(max_bytes=100))


def test_a_file_that_reports_no_size_is_read_up_to_the_cap() -> None:
    """Files under /proc report a size of 0 but have content: it is read, and the cap still holds."""
    status = Path("/proc/self/status")
    if not status.exists() or status.stat().st_size != 0:
        pytest.skip("no /proc file that reports a size of 0 here")
    assert b"Name:" in read_file(status, limits=LIMITS).data
    with pytest.raises(LimitError, match="larger than the limit of 10 bytes"):
        read_file(status, limits=Limits(max_bytes=10))


@pytest.mark.parametrize("size", [0, 100, 3 * 2**20])
def test_fingerprint_aside_is_the_sha256(size: int) -> None:
    """Hashed on another thread (large data) or on the spot (small), the answer is the sha256 hex."""
    data = os.urandom(size)
    wait = fingerprint_aside(data)
    assert wait() == hashlib.sha256(data).hexdigest()
    assert wait() == hashlib.sha256(data).hexdigest()  # asking again is fine


def test_read_file_unhashed_leaves_the_fingerprint_to_the_caller(tmp_path: Path) -> None:
    """The same payload as read_file, without the fingerprint."""
    path = tmp_path / "pets.yaml"
    path.write_bytes(PETSTORE)
    hashed, unhashed = read_file(path, limits=LIMITS), read_file_unhashed(path, limits=LIMITS)
    assert unhashed.fingerprint == ""
    assert unhashed.data == hashed.data and unhashed.mtime_ns == hashed.mtime_ns and unhashed.size == hashed.size


def test_folder_fifo_and_device_are_refused(tmp_path: Path) -> None:
    """Only regular files are read: a folder, a FIFO (without blocking) and a device are refused."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="FIFO"):
        read_file(fifo, limits=LIMITS)
    with pytest.raises(SourceError, match="folder"):
        read_file(tmp_path, limits=LIMITS)
    with pytest.raises(SourceError, match="not a regular file"):
        read_file("/dev/zero", limits=LIMITS)


def test_root_confines_reads_after_following_links(tmp_path: Path) -> None:
    """With a root, a path that leaves it (directly, by .. or by a symbolic link) is refused."""
    root = tmp_path / "specs"
    root.mkdir()
    (tmp_path / "secret.yaml").write_text("a: 1\n")
    (root / "ok.yaml").write_text("a: 1\n")
    (root / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    assert read_file(root / "ok.yaml", limits=LIMITS, root=root).data == b"a: 1\n"
    for path in (tmp_path / "secret.yaml", root / ".." / "secret.yaml", root / "link.yaml"):
        with pytest.raises(FetchBlockedError, match="outside"):
            read_file(path, limits=LIMITS, root=root)


def test_symlink_loop_is_a_source_error(tmp_path: Path) -> None:
    """A symbolic link loop is reported, not followed forever."""
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    with pytest.raises(SourceError):
        read_file(tmp_path / "a.yaml", limits=LIMITS)


@pytest.mark.parametrize(("location", "media_type"), [
    ("a.json", "application/json"),
    ("/x/A.YML", "application/yaml"),
    ("https://x.test/spec.yaml?v=2", "application/yaml"),
    ("https://x.test/spec", None),
])
def test_media_type_for(location: str, media_type: str | None) -> None:
    """The media type follows the extension, ignoring the query string."""
    assert media_type_for(location) == media_type


def make_folder(tmp_path: Path) -> Path:
    root = tmp_path / "specs"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "pets.yaml").write_bytes(PETSTORE)
    (root / "api.json").write_text('{"info": {"title": "x"}, "paths": {}, "swagger": "2.0"}')
    (root / "nested.json").write_text('{"info": {"openapi": "3.0.0"}}')
    (root / "sub" / "deeper" / "v3.yml").write_text('"openapi": "3.1.0"\ninfo: {title: x, version: "1"}\n')
    (root / "notes.yaml").write_text("just: some settings\n")
    (root / "list.json").write_text("[1, 2]")
    (root / "README.md").write_text("# hi\n")
    (root / ".hidden" / "spec.yaml").write_bytes(PETSTORE)
    for junk in (".#pets.yaml", "pets.yaml~", ".pets.yaml.swp", "#pets.yaml#", ".dotted.yaml"):
        (root / junk).write_bytes(PETSTORE)
    (root / "dangling.yaml").symlink_to(root / "missing.yaml")
    (tmp_path / "outside.yaml").write_bytes(PETSTORE)
    (root / "escape.yaml").symlink_to(tmp_path / "outside.yaml")
    (root / "alias.yaml").symlink_to(root / "pets.yaml")
    (root / "swagger1.json").write_text('{"swaggerVersion": "1.2", "apis": []}')
    # The openapi key far beyond the sniffed head: discovery must parse to be sure.
    (root / "late.yaml").write_text("info:\n  description: |\n" + "    filler\n" * 20_000 + "openapi: 3.0.0\n")
    (root / "broken.json").write_text('{"openapi": ')
    (root / "unreadable.json").write_text('{"info": {"openapi": ')
    return root


def test_discover_finds_specs_recursively_and_sorted(tmp_path: Path) -> None:
    """Every OpenAPI/Swagger document in the tree is found, in sorted order, and nothing else."""
    root = make_folder(tmp_path)
    found = discover(root, limits=LIMITS)
    # broken.json opens like a spec: it is listed, so that loading it reports the syntax error.
    assert [p.relative_to(root).as_posix() for p in found] == [
        "alias.yaml", "api.json", "broken.json", "late.yaml", "pets.yaml", "sub/deeper/v3.yml"]


def test_discover_report_says_why_files_were_passed_over(tmp_path: Path) -> None:
    """Non-spec JSON/YAML, dangling links, links out of the folder and Swagger 1.x are reported."""
    root = make_folder(tmp_path)
    report = discover_report(root, limits=LIMITS)
    reasons = {p.relative_to(root).as_posix(): why for p, why in report.ignored}
    assert set(reasons) == {"notes.yaml", "list.json", "dangling.yaml", "escape.yaml", "swagger1.json",
                            "nested.json", "unreadable.json"}
    assert "outside the folder" in reasons["escape.yaml"]
    assert "dangling" in reasons["dangling.yaml"]
    assert "Swagger 1" in reasons["swagger1.json"]
    assert "not an OpenAPI" in reasons["notes.yaml"]
    assert "not readable" in reasons["unreadable.json"]


def test_discover_skips_files_over_the_size_limit(tmp_path: Path) -> None:
    """A file too large to read is reported, not read."""
    (tmp_path / "big.yaml").write_bytes(PETSTORE * 10)
    report = discover_report(tmp_path, limits=Limits(max_bytes=len(PETSTORE)))
    assert report.specs == ()
    assert "larger" in report.ignored[0][1]


def test_discover_needs_a_folder(tmp_path: Path) -> None:
    """A missing folder or a file is a SourceError."""
    with pytest.raises(SourceError):
        discover(tmp_path / "missing", limits=LIMITS)
    (tmp_path / "f.yaml").write_bytes(PETSTORE)
    with pytest.raises(SourceError, match="not a folder"):
        discover(tmp_path / "f.yaml", limits=LIMITS)


def test_nul_in_a_path_is_a_source_error(tmp_path: Path) -> None:
    """A path with a NUL character is refused as a SourceError, not a ValueError."""
    with pytest.raises(SourceError, match="null byte"):
        read_file(f"{tmp_path}/a\x00b.yaml", limits=LIMITS)
    with pytest.raises(SourceError):
        discover(f"{tmp_path}/a\x00b", limits=LIMITS)
