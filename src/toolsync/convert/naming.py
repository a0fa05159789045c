"""
Tool names: deterministic, order-independent, unique within a spec and valid for every provider.

The algorithm, for one operation (``ns_`` is the optional namespace plus ``_``):

1. **Candidate.** ``ns_`` + operationId when that matches ``^[A-Za-z_][A-Za-z0-9_-]{0,63}$``
   (a *verbatim* name); else the operationId sanitized (every character outside
   ``[A-Za-z0-9_-]`` becomes ``_``, runs of ``_`` collapse, ``_``/``-`` trimmed at the ends);
   else, when there is no usable operationId, ``method_path`` built the same way from the
   method and the path with braces removed (``GET /pets/{petId}`` → ``get_pets_petId``). A
   candidate that would start with a digit or ``-`` gets ``op_`` in front.
2. **Length.** A candidate longer than 64 characters keeps its first 55 and ends with ``_`` +
   the first 8 hex digits of the SHA-256 of the operation key (``"GET /pets/{petId}"``).
3. **Clashes.** Operations whose candidates are equal form a group. When the group holds
   exactly one verbatim name, that operation keeps it; every other member (and every member of
   a group with no single verbatim owner) gets the same ``_`` + 8-hex key-hash suffix, its
   candidate cut so the result fits in 64.
4. **Leftovers.** If a suffixed name still equals another name, its hash grows to 12, 16…
   hex digits.

Every step depends only on the operation itself and on which other operations share its
candidate, never on their order: adding or removing an operation renames nothing else, except
the members of a clash it joins or leaves. Verbatim operationIds (unique in any valid spec) are
never renamed by a derived name that happens to match them.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Final

from ..ir import Operation

__all__ = ["NAME_PATTERN", "assign_names", "assign_names_and_clashes", "candidate_name", "key_hash"]

NAME_PATTERN: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
MAX_LENGTH: Final = 64
_HASH_LENGTH: Final = 8
_BAD: Final = re.compile(r"[^A-Za-z0-9_-]+")
_UNDERSCORES: Final = re.compile(r"__+")


def key_hash(key: str, length: int = _HASH_LENGTH) -> str:
    """The first ``length`` hex digits of the SHA-256 of an operation key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def _sanitize(text: str) -> str:
    return _UNDERSCORES.sub("_", _BAD.sub("_", text)).strip("_-")


def candidate_name(operation: Operation, prefix: str = "") -> tuple[str, bool]:
    """The name ``operation`` asks for before clashes are settled, and whether it is verbatim."""
    op_id = operation.operation_id or ""
    if op_id and NAME_PATTERN.match(prefix + op_id):
        return prefix + op_id, True
    base = _sanitize(op_id) or _sanitize(f"{operation.method}_{operation.path.replace('{', '').replace('}', '')}")
    if not base[:1].isalpha() and base[:1] != "_" and not prefix:
        base = "op_" + base
    name = prefix + base
    if len(name) > MAX_LENGTH:
        name = _suffixed(name, operation.key, _HASH_LENGTH)
    return name, False


def _suffixed(name: str, key: str, length: int) -> str:
    return f"{name[: MAX_LENGTH - length - 1].rstrip('_-')}_{key_hash(key, length)}"


def assign_names(operations: Iterable[Operation], *, namespace: str | None) -> dict[str, str]:
    """
    Operation key → tool name for every operation (see the module docstring for the rules).

    Example:
        >>> assign_names([Operation("get", "/pets/{petId}")], namespace="shop")
        {'GET /pets/{petId}': 'shop_get_pets_petId'}
    """
    return assign_names_and_clashes(operations, namespace=namespace)[0]


def assign_names_and_clashes(
    operations: Iterable[Operation], *, namespace: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """:func:`assign_names`, plus operation key → wanted name for each operation a clash renamed."""
    prefix = f"{namespace}_" if namespace else ""
    groups: defaultdict[str, list[tuple[Operation, bool]]] = defaultdict(list)
    for op in operations:
        name, verbatim = candidate_name(op, prefix)
        groups[name].append((op, verbatim))
    names: dict[str, str] = {}
    suffixed: dict[str, str] = {}  # operation key -> candidate, for names that carry a hash
    for name, members in groups.items():
        owners = [op for op, verbatim in members if verbatim]
        keeper = owners[0] if len(owners) == 1 else (members[0][0] if len(members) == 1 else None)
        for op, _ in members:
            if op is keeper:
                names[op.key] = name
            else:
                names[op.key] = _suffixed(name, op.key, _HASH_LENGTH)
                suffixed[op.key] = name
    _settle_leftovers(names, suffixed)
    return names, suffixed


def _settle_leftovers(names: dict[str, str], suffixed: dict[str, str]) -> None:
    """Lengthen the hash of a suffixed name that still collides (adversarial or 32-bit bad luck)."""
    length = _HASH_LENGTH
    while length < MAX_LENGTH // 2:
        counts = Counter(names.values())
        clashing = [key for key in suffixed if counts[names[key]] > 1]
        if not clashing:
            return
        length += 4
        for key in clashing:
            names[key] = _suffixed(suffixed[key], key, length)
