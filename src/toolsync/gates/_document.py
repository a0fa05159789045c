"""Looking at a parsed spec document before any validator does: its shape, its refs, its version."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

__all__ = ["Shape", "declared_version", "iter_refs", "measure", "pointer_of", "resolve_pointer", "without_external_refs"]

# Values under these keys are data, not spec objects: a "$ref" inside them is never followed...
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})
# ...unless the key is a name in a map of schemas (a property called "default").
_NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "schemas"})
Path = tuple[str | int, ...]


def pointer_of(path: Path) -> str:
    """The JSON pointer of a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


@dataclass(frozen=True, slots=True)
class Shape:
    """How big and how deep a document is, measured without recursion."""

    depth: int
    nodes: int
    #: A container nested in itself (a recursive YAML alias); such a document is not JSON.
    cyclic: bool
    #: The walk stopped at the node limit; ``depth`` and ``nodes`` are lower bounds.
    truncated: bool


def _children(node: Any) -> list[Any]:
    if isinstance(node, Mapping):
        return list(node.values())
    if isinstance(node, list):
        return node
    return []


def measure(document: Any, *, max_nodes: int) -> Shape:
    """Depth (the root is 1), node count and cycles, stopping after ``max_nodes`` nodes."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    path_ids: list[int] = []
    on_path: set[int] = set()
    depth = nodes = 0
    while stack:
        node, level = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            return Shape(depth, nodes, cyclic=False, truncated=True)
        depth = max(depth, level)
        kids = _children(node)
        if not kids:
            continue
        while len(path_ids) >= level:
            on_path.discard(path_ids.pop())
        if id(node) in on_path:
            return Shape(depth, nodes, cyclic=True, truncated=False)
        path_ids.append(id(node))
        on_path.add(id(node))
        stack.extend((kid, level + 1) for kid in kids)
    return Shape(depth, nodes, cyclic=False, truncated=False)


def declared_version(document: Mapping[str, Any]) -> str | None:
    """"2.0", "3.0" or "3.1" from the ``swagger``/``openapi`` field, else None."""
    swagger = document.get("swagger")
    if swagger is not None and str(swagger) == "2.0":
        return "2.0"
    openapi = document.get("openapi")
    if isinstance(openapi, str):
        for family in ("3.0", "3.1"):
            if openapi == family or openapi.startswith(family + "."):
                return family
    return None


def resolve_pointer(document: Any, ref: str) -> tuple[bool, Any]:
    """(found, value) for a local ``#/...`` ref; JSON pointer escapes and %-escapes undone."""
    node = document
    if ref in ("#", "#/"):
        return True, node
    for raw in ref[2:].split("/"):
        part = unquote(raw) if "%" in raw else raw  # the spec gate follows thousands of refs: skip no-op work
        if "~" in part:
            part = part.replace("~1", "/").replace("~0", "~")
        if (type(node) is dict or isinstance(node, Mapping)) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


@dataclass(slots=True)
class _Rewrite:
    """External refs found in a document, and the stand-ins that replace them."""

    found: list[tuple[Path, str]] = field(default_factory=list)
    standins: list[tuple[Path, Any]] = field(default_factory=list)


def _standin(path: Path, ref: str, serial: int) -> dict[str, Any]:
    # A parameter needs a name and a location for the validator to read; the name is unique so that
    # two stand-ins never look like a duplicate parameter.
    if len(path) >= 2 and path[-2] == "parameters" and isinstance(path[-1], int):
        return {"name": f"external {ref} #{serial}", "in": "x-external"}
    return {}


def iter_refs(document: Any, *, external_only: bool = False) -> Iterator[tuple[Path, str]]:
    """(path, ref) for every ``$ref`` string outside example and default values, in document order.

    With ``external_only``, only non-local refs, and nothing inside an object holding one (it is
    replaced whole).
    """
    # Paths are kept as linked (key, parent) pairs and spelled out only for a ref, so a deep
    # document costs time in proportion to its size, not its size times its depth.
    stack: list[tuple[Any, _Link]] = [(document, None)]
    while stack:
        node, link = stack.pop()
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str):
                external = not ref.startswith("#")
                if external or not external_only:
                    yield _spell(link), ref
                if external and external_only:
                    continue
            named = link is not None and link[0] in _NAME_MAPS
            kids = [(v, (k, link)) for k, v in node.items() if named or k not in _DATA_KEYS]
        elif isinstance(node, list):
            kids = [(v, (i, link)) for i, v in enumerate(node)]
        else:
            continue
        stack.extend(reversed(kids))


_Link = tuple[Any, Any] | None


def _spell(link: _Link) -> Path:
    parts: list[str | int] = []
    while link is not None:
        parts.append(link[0])
        link = link[1]
    return tuple(reversed(parts))


def _scan(document: Any) -> _Rewrite:
    rewrite = _Rewrite()
    for path, ref in iter_refs(document, external_only=True):
        rewrite.found.append((path, ref))
        rewrite.standins.append((path, _standin(path, ref, len(rewrite.found))))
    return rewrite


def _copy(node: Any) -> Any:
    return dict(node) if isinstance(node, Mapping) else list(node)


def _apply(document: Any, standins: list[tuple[Path, Any]]) -> Any:
    """A copy of ``document`` with the stand-ins put in place; untouched branches are shared, not copied."""
    copies: dict[Path, Any] = {(): _copy(document)}
    for path, value in standins:
        parent = copies[()]
        for i, key in enumerate(path[:-1]):
            prefix = path[: i + 1]
            if prefix not in copies:
                copies[prefix] = _copy(parent[key])
                parent[key] = copies[prefix]
            parent = copies[prefix]
        parent[path[-1]] = value
    return copies[()]


def without_external_refs(document: Any) -> tuple[Any, list[tuple[str, str]]]:
    """The document with every non-local ``$ref`` object replaced by a stand-in, and (pointer, ref) pairs.

    A validator given the result has nothing outside the document to follow, so it cannot open a file
    or a URL that the spec names.
    """
    rewrite = _scan(document)
    found = [(pointer_of(path), ref) for path, ref in rewrite.found]
    if not rewrite.standins:
        return document, found
    if any(not path for path, _ in rewrite.standins):
        return {}, found  # the whole document is one external ref
    return _apply(document, rewrite.standins), found
