"""
What a file looked like at one moment: size, times, inode and content hash.

Two equal :class:`FileState` values taken before and after a load prove that the loader read
one settled version of the file. The *change time* is the later of mtime and ctime on POSIX:
a writer can set mtime to anything (``cp -p``, ``touch -d``), but not ctime, which moves on
every write, truncate and rename.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import time
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import LimitError, SourceError

__all__ = ["FileState", "observe", "quick_state", "read"]


@dataclass(frozen=True, slots=True)
class FileState:
    """One observation of one regular file."""

    path: str
    size: int
    mtime_ns: int
    changed_ns: int  # the last moment the file's content or name changed (see module docstring)
    inode: int
    digest: str  # sha256 hex of the content
    ends_with_newline: bool

    def age(self, now_ns: int | None = None) -> float:
        """Seconds since the file last changed (never negative)."""
        now = time.time_ns() if now_ns is None else now_ns
        return max(0.0, (now - self.changed_ns) / 1e9)

    def same_content(self, other: FileState | None) -> bool:
        return other is not None and self.digest == other.digest

    def same_version(self, other: FileState | None) -> bool:
        """True when nothing about the file moved between the two observations."""
        return other is not None and (self.size, self.mtime_ns, self.changed_ns, self.inode, self.digest) == (
            other.size, other.mtime_ns, other.changed_ns, other.inode, other.digest)


def _changed_ns(st: os.stat_result) -> int:
    if sys.platform == "win32":
        # On Windows st_ctime is the creation time; mtime is the best there is.
        return st.st_mtime_ns
    return max(st.st_mtime_ns, st.st_ctime_ns)


def quick_state(path: str) -> tuple[int, int, int, int] | None:
    """``(size, mtime_ns, changed_ns, inode)`` without reading the file; None if it is missing."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise SourceError(f"cannot stat the file: {exc.strerror or exc}", source=path) from exc
    return st.st_size, st.st_mtime_ns, _changed_ns(st), st.st_ino


def observe(path: str, *, max_bytes: int = 64 * 1024 * 1024) -> FileState | None:
    """
    Stat and hash ``path`` (following symlinks); None when it does not exist.

    Raises:
        SourceError: the path is not a regular file or cannot be read.
        LimitError: the file is larger than ``max_bytes``.
    """
    found = read(path, max_bytes=max_bytes)
    return found[0] if found is not None else None


def read(path: str, *, max_bytes: int = 64 * 1024 * 1024) -> tuple[FileState, bytes] | None:
    """:func:`observe`, also returning the bytes that were hashed."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise SourceError(f"cannot open the file: {exc.strerror or exc}", source=path) from exc
    with os.fdopen(fd, "rb") as f:
        # Stat the open descriptor: it is the very file we read, even if the name is replaced meanwhile.
        before = os.fstat(f.fileno())
        if not stat.S_ISREG(before.st_mode):
            raise SourceError("not a regular file (a FIFO, device or folder cannot be a spec)", source=path)
        if before.st_size > max_bytes:
            raise LimitError(f"the file has {before.st_size} bytes, more than the limit of {max_bytes}",
                             source=path)
        data = _read_capped(f, before.st_size, max_bytes, path)
        after = os.fstat(f.fileno())
    changed = _changed_ns(after)
    if _moved(before, after) or len(data) != after.st_size:
        # Written to while we read it: what we hold may be torn, so it counts as changing right now.
        changed = max(changed, time.time_ns())
    digest = hashlib.sha256(data).hexdigest()
    state = FileState(path, len(data), after.st_mtime_ns, changed, after.st_ino, digest, data[-1:] == b"\n")
    return state, data


def _moved(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_size, a.st_mtime_ns, a.st_ctime_ns) != (b.st_size, b.st_mtime_ns, b.st_ctime_ns)


def _read_capped(f: BinaryIO, size: int, max_bytes: int, path: str) -> bytes:
    data = f.read(size + 1)
    if len(data) > size:
        # It grew while we read: take the rest, up to the limit.
        data += f.read(max_bytes + 1 - len(data))
    if len(data) > max_bytes:
        raise LimitError(f"the file grew past the limit of {max_bytes} bytes while being read", source=path)
    return data
