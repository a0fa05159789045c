"""Property tests: random ref graphs always terminate and resolve to what they describe."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolsync.errors import RefError
from toolsync.ir import Operation

from .conftest import build, ok, openapi, response_schema

Graph = list[list[tuple[int, str]]]
KINDS = ("prop", "array", "allOf")


@st.composite
def graphs(draw: st.DrawFn, max_nodes: int = 7) -> Graph:
    """Random directed graphs (cycles and self-loops allowed); each edge has a wrapping keyword."""
    n = draw(st.integers(1, max_nodes))
    edge = st.tuples(st.integers(0, n - 1), st.sampled_from(KINDS))
    return [draw(st.lists(edge, max_size=3, unique_by=lambda e: e[0])) for _ in range(n)]


def ref(j: int) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/S{j}"}


def schema_for(i: int, edges: list[tuple[int, str]]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    all_of = []
    for j, kind in edges:
        if kind == "prop":
            properties[f"to{j}"] = ref(j)
        elif kind == "array":
            properties[f"to{j}"] = {"type": "array", "items": ref(j)}
        else:
            all_of.append(ref(j))
    schema: dict[str, Any] = {"type": "object", "x-node": i, "properties": properties}
    if all_of:
        schema["allOf"] = all_of
    return schema


def spec_for(graph: Graph, order: list[int]) -> dict[str, Any]:
    schemas = {f"S{i}": schema_for(i, edges) for i, edges in enumerate(graph)}
    paths = {f"/s{i}": {"get": {"responses": ok(ref(i))}} for i in order}
    return openapi(paths, components={"schemas": schemas})


def reachable(graph: Graph, start: int) -> set[int]:
    seen: set[int] = set()
    pending = [start]
    while pending:
        node = pending.pop()
        for j, _ in graph[node]:
            if j not in seen:
                seen.add(j)
                pending.append(j)
    return seen


def cyclic(graph: Graph) -> set[int]:
    return {i for i in range(len(graph)) if i in reachable(graph, i)}


def deref(schema: Any, defs: Any) -> Any:
    for _ in range(len(defs) + 1):
        target = schema.get("$ref", "") if isinstance(schema, dict) else ""
        if not target.startswith("#/$defs/"):
            return schema
        schema = defs[target[len("#/$defs/"):]]
    raise AssertionError("a $defs entry is only a reference to itself")


def check(schema: Any, node: int, graph: Graph, defs: Any, depth: int) -> None:
    """The resolved schema, read through defs, unfolds exactly like the graph does from ``node``."""
    schema = deref(schema, defs)
    assert schema["x-node"] == node
    if depth == 0:
        return
    all_of = schema.get("allOf", [])
    assert len(all_of) == sum(1 for _, kind in graph[node] if kind == "allOf")
    branches = iter(all_of)
    for j, kind in graph[node]:
        if kind == "prop":
            check(schema["properties"][f"to{j}"], j, graph, defs, depth - 1)
        elif kind == "array":
            check(schema["properties"][f"to{j}"]["items"], j, graph, defs, depth - 1)
        else:
            check(next(branches), j, graph, defs, depth - 1)


def ops_by_key(operations: tuple[Operation, ...]) -> dict[str, Operation]:
    return {op.key: op for op in operations}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.randoms(use_true_random=False))
def test_random_ref_graphs_resolve_faithfully(graph: Graph, rnd: Any) -> None:
    """Any ref graph terminates; inlining equals the definitions; exactly the cyclic schemas become $defs."""
    order = list(range(len(graph)))
    spec = build(spec_for(graph, order))
    loops = cyclic(graph)
    for i, op in enumerate(spec.operations):
        top = response_schema(op)
        assert "$ref" not in top
        check(top, i, graph, op.defs, depth=len(graph) + 2)
        expected = {f"S{j}-Output" for j in (reachable(graph, i) | {i}) & loops}
        assert set(op.defs) == expected
        for definition in op.defs.values():
            assert isinstance(definition, dict) and "x-node" in deref(definition, op.defs)
    rnd.shuffle(order)
    shuffled = ops_by_key(build(spec_for(graph, order)).operations)
    assert ops_by_key(spec.operations) == shuffled


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-1, 5), min_size=1, max_size=6))
def test_alias_chains_end_at_their_target_or_are_refused(targets: list[int]) -> None:
    """Chains of pure refs resolve to the schema they end at; a chain that loops is a RefError."""
    n = len(targets)
    # Alias i points at alias targets[i], or at the concrete schema when the target is -1 or out of range.
    schemas: dict[str, Any] = {"Concrete": {"type": "string", "x-node": "end"}}
    for i, t in enumerate(targets):
        schemas[f"A{i}"] = {"$ref": f"#/components/schemas/A{t}" if 0 <= t < n else "#/components/schemas/Concrete"}
    document = openapi({"/a": {"get": {"responses": ok({"$ref": "#/components/schemas/A0"})}}},
                       components={"schemas": schemas})
    seen, node = set(), 0
    while 0 <= node < n and node not in seen:
        seen.add(node)
        node = targets[node]
    if 0 <= node < n:
        with pytest.raises(RefError, match="circular"):
            build(document)
    else:
        [op] = build(document).operations
        assert response_schema(op) == {"type": "string", "x-node": "end"}
