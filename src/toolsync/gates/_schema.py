"""Walking JSON Schemas the way the provider rules need: sub-schemas, types, local refs, cycles, depth."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

from .._json import is_mapping

__all__ = [
    "JSON_TYPES",
    "child_pointer",
    "find_recursion",
    "is_mapping",
    "is_object_schema",
    "iter_subschemas",
    "iter_subschemas_with_levels",
    "object_depth",
    "resolve_local_ref",
    "subschema_edges",
    "types_of",
]

JSON_TYPES: Final = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})

# Keywords whose values are schemas, grouped by container shape. Order sets the order issues come out in.
_SUB_MAPS: Final = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SUB_ONE: Final = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
                   "unevaluatedProperties", "unevaluatedItems", "additionalItems", "contentSchema")
_SUB_LISTS: Final = ("anyOf", "oneOf", "allOf", "prefixItems")

# What object_depth follows: nesting a model sees, not every applicator.
_DEPTH_ONE: Final = ("items", "additionalProperties")
_DEPTH_LISTS: Final = ("anyOf", "oneOf", "allOf", "prefixItems")
_DEPTH_MAPS: Final = ("$defs", "definitions")
_DEPTH_KEYS: Final = frozenset(("properties", "additionalProperties", *_DEPTH_LISTS, *_DEPTH_MAPS))

Children = Callable[[Mapping[str, Any], str], Iterable[tuple[str, Any]]]


def child_pointer(pointer: str, key: str | int) -> str:
    """Extend a JSON pointer by one reference token (RFC 6901 escaping)."""
    return f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"


# Position of each subschema keyword in the order above: a node's own keys (a few) are looked up and
# sorted, instead of every keyword being looked up in the node.
_EDGE_ORDER: Final[dict[str, int]] = {key: i for i, key in enumerate((*_SUB_MAPS, *_SUB_ONE, *_SUB_LISTS))}
_MAP_KEYS: Final = frozenset(_SUB_MAPS)
_LIST_KEYS: Final = frozenset(_SUB_LISTS)


def _subschema_keys(node: Mapping[str, Any]) -> list[str]:
    """The subschema keywords ``node`` has, in the order issues come out in."""
    keys = [key for key in node if key in _EDGE_ORDER]
    if len(keys) > 1:
        keys.sort(key=_EDGE_ORDER.__getitem__)
    return keys


def _subschema_children(node: Mapping[str, Any], pointer: str) -> list[tuple[str, Any]]:
    return [(here, child) for here, child, _ in subschema_edges(node, pointer)]


_DEPTH_MAP_KEYS: Final = frozenset(("properties", "$defs", "definitions"))
_DEPTH_ONE_KEYS: Final = frozenset(_DEPTH_ONE)


def subschema_edges(node: Mapping[str, Any], pointer: str) -> list[tuple[str, Any, bool]]:
    """
    (pointer, child, on an object-depth path) for each child of ``node``, in :func:`iter_subschemas`'s order.

    The flag says whether :func:`object_depth` counts through the edge, as
    :func:`iter_subschemas_with_levels` decides it; children that are not mappings are included.
    """
    out: list[tuple[str, Any, bool]] = []
    for key in _subschema_keys(node):
        value = node[key]
        if key in _MAP_KEYS:
            if is_mapping(value):
                base, deep = child_pointer(pointer, key), key in _DEPTH_MAP_KEYS
                out.extend((child_pointer(base, name), sub, deep) for name, sub in value.items())
        elif key in _LIST_KEYS:
            if isinstance(value, list):
                out.extend((p, sub, True) for p, sub in _list_children(pointer, key, value))
        elif is_mapping(value):
            out.append((child_pointer(pointer, key), value, key in _DEPTH_ONE_KEYS))
        elif key == "items" and isinstance(value, list):  # draft-07 tuple form: off the depth path
            out.extend((p, sub, False) for p, sub in _list_children(pointer, key, value))
    return out


def _list_children(pointer: str, key: str, items: list[Any]) -> Iterator[tuple[str, Any]]:
    base = child_pointer(pointer, key)
    for i, sub in enumerate(items):
        yield child_pointer(base, i), sub


def _walk(root: Any, pointer: str, children: Children) -> Iterator[tuple[str, Mapping[str, Any], int]]:
    """Pre-order walk over mapping nodes, yielding (pointer, node, depth).

    Iterative so that deep schemas cannot exhaust the stack; a node that contains itself (only possible
    for Python objects, never for JSON) is not entered twice on one path.
    """
    stack: list[tuple[str, Any, int]] = [(pointer, root, 0)]
    path_ids: list[int] = []
    on_path: set[int] = set()
    while stack:
        here, node, depth = stack.pop()
        if type(node) is not dict and not is_mapping(node):
            continue
        while len(path_ids) > depth:
            on_path.discard(path_ids.pop())
        key = id(node)
        if key in on_path:
            continue
        path_ids.append(key)
        on_path.add(key)
        yield here, node, depth
        kids = [(p, sub, depth + 1) for p, sub in children(node, here)]
        kids.reverse()
        stack.extend(kids)


def iter_subschemas(schema: Any, pointer: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Yield (pointer, sub-schema) for every mapping sub-schema, the root first."""
    for here, node, _ in _walk(schema, pointer, _subschema_children):
        yield here, node


def _object_edge(parent: str, child: str) -> bool:
    """Whether the keyword between two pointers is one :func:`object_depth` follows."""
    keyword, _, rest = child[len(parent) + 1:].partition("/")
    return (not rest) if keyword == "items" else keyword in _DEPTH_KEYS


def iter_subschemas_with_levels(schema: Any, pointer: str = "") -> Iterator[tuple[str, Mapping[str, Any], int]]:
    """:func:`iter_subschemas` plus each node's object level as :func:`object_depth` counts it (0 off its paths).

    The largest level is ``object_depth(schema)``: one walk serves both.
    """
    above: list[tuple[str, int | None]] = []  # (pointer, level or None) of the ancestors, by depth
    for here, node, depth in _walk(schema, pointer, _subschema_children):
        del above[depth:]
        level: int | None = 0
        if above:
            parent, parent_level = above[-1]
            level = parent_level if parent_level is not None and _object_edge(parent, here) else None
        if level is not None and is_object_schema(node):
            level += 1
        above.append((here, level))
        yield here, node, level or 0


def types_of(schema: Mapping[str, Any]) -> list[str]:
    """The type names a schema declares (``type`` as a string or a list)."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    return []


def is_object_schema(schema: Mapping[str, Any]) -> bool:
    """True for ``type: object`` (alone or in a list), or no type but a ``properties`` map."""
    types = types_of(schema)
    if "object" in types:
        return True
    return not types and is_mapping(schema.get("properties"))


def resolve_local_ref(root: Any, ref: str) -> Any | None:
    """Follow a ``#``-relative JSON pointer inside ``root``; None when it does not resolve."""
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return None
    node = root
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if is_mapping(node) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _ref_targets(schema: Any) -> list[str]:
    return [ref for _, sub in iter_subschemas(schema)
            if isinstance(ref := sub.get("$ref"), str) and (ref == "#" or ref.startswith("#/"))]


def _ref_node(ref: str) -> str:
    """A ref into a definition (or below it) counts as a ref to that definition; anything else is the root."""
    parts = ref.split("/")
    if len(parts) >= 3 and parts[1] in ("$defs", "definitions"):
        return "/".join(parts[:3])
    return "#"


def _ref_graph(root: Mapping[str, Any]) -> dict[str, list[str]]:
    body = {k: v for k, v in root.items() if k not in ("$defs", "definitions")}
    graph = {"#": [_ref_node(r) for r in _ref_targets(body)]}
    for key in ("$defs", "definitions"):
        defs = root.get(key)
        if is_mapping(defs):
            for name, sub in defs.items():
                graph[f"#/{key}/{name}"] = [_ref_node(r) for r in _ref_targets(sub)]
    return graph


def find_recursion(root: Mapping[str, Any]) -> str | None:
    """Describe one ``$ref`` cycle among the root and its definitions (``"#/$defs/A -> #/$defs/A"``)."""
    graph = _ref_graph(root)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in graph:
        if start in state:
            continue
        found = _cycle_from(start, graph, state)
        if found:
            return found
    return None


def _cycle_from(start: str, graph: dict[str, list[str]], state: dict[str, int]) -> str | None:
    path = [start]
    state[start] = 1
    pending = [iter(graph[start])]
    while pending:
        nxt = next(pending[-1], None)
        if nxt is None:
            state[path.pop()] = 2
            pending.pop()
        elif state.get(nxt) == 1:
            return " -> ".join([*path, nxt])
        elif nxt not in state and nxt in graph:
            state[nxt] = 1
            path.append(nxt)
            pending.append(iter(graph[nxt]))
    return None


def _depth_children(node: Mapping[str, Any], pointer: str) -> Iterator[tuple[str, Any]]:
    props = node.get("properties")
    if is_mapping(props):
        yield from ((pointer, sub) for sub in props.values())
    for key in _DEPTH_ONE:
        if is_mapping(node.get(key)):
            yield pointer, node[key]
    for key in _DEPTH_LISTS:
        if isinstance(node.get(key), list):
            yield from ((pointer, sub) for sub in node[key])
    for key in _DEPTH_MAPS:
        if is_mapping(node.get(key)):
            yield from ((pointer, sub) for sub in node[key].values())


def object_depth(schema: Any) -> int:
    """The longest chain of nested object schemas (the root object counts as 1); ``$ref`` not followed."""
    best = 0
    levels: list[int] = []  # object levels of the ancestors on the current path, by depth
    for _, node, depth in _walk(schema, "", _depth_children):
        del levels[depth:]
        above = levels[-1] if levels else 0
        here = above + (1 if is_object_schema(node) else 0)
        levels.append(here)
        best = max(best, here)
    return best
