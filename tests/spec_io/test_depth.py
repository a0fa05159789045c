"""The raw-text depth measure: never fewer levels than the parser will see, and not many more."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from toolsync.errors import LimitError
from toolsync.spec._depth import check_json_depth, check_yaml_depth

_TEXT = st.text(alphabet=st.sampled_from(list("ab[]{}'\"#:,- |>&*!?\n\\é")), max_size=12)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), _TEXT)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_TEXT, inner, max_size=3)),
    max_leaves=25,
)


def nesting(value: Any) -> int:
    """How many lists and dicts sit inside each other at the deepest point."""
    if isinstance(value, dict):
        return 1 + max((nesting(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    return 0


def passes(check: Any, text: str | bytes, limit: int) -> bool:
    try:
        check(text, limit, "x")
    except LimitError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(_VALUES, st.sampled_from([False, None, True]))
def test_yaml_measure_never_undercounts(value: Any, flow_style: bool | None) -> None:
    """For any document PyYAML writes, the measure is at least the real depth and at most one more."""
    text = yaml.safe_dump(value, default_flow_style=flow_style, width=30)
    depth = nesting(value)
    if depth > 0:
        assert not passes(check_yaml_depth, text, depth - 1)
    assert passes(check_yaml_depth, text, depth + 1)


@settings(max_examples=100, deadline=None)
@given(_VALUES, st.sampled_from([None, 1]))
def test_json_measure_is_exact(value: Any, indent: int | None) -> None:
    """For JSON the measure is exactly the nesting depth, whatever the strings contain."""
    data = json.dumps(value, indent=indent, ensure_ascii=False).encode()
    depth = nesting(value)
    assert passes(check_json_depth, data, depth)
    if depth > 0:
        assert not passes(check_json_depth, data, depth - 1)


@settings(max_examples=100, deadline=None)
@given(_VALUES)
def test_json_text_read_as_yaml_is_measured(value: Any) -> None:
    """JSON is YAML too: measured as YAML it never counts fewer levels."""
    text = json.dumps(value, indent=2)
    depth = nesting(value)
    if depth > 0:
        assert not passes(check_yaml_depth, text, depth - 1)


@pytest.mark.parametrize("text", [
    "a:\n  - [\n    [\n      [1]]]\n",
    "a: [\n[\n[\n1]]]\n",
    "- - - [[1]]\n",
    "? - - [1]\n: x\n",
    "a: &x !!seq [[[1]]]\n",
    "--- [[[[1]]]]\n",
    "a: 'it''s' \nb: [x, 'y', [[z]]]\n",
    "a: [b'c, [[[d]]]]\n",
    "a: [\"q\\\"\", [[[d]]]]\n",
    "a: |2\n  text\n [[[[1]]]]\n",
    "a: x\n  # comment\n[[[[1]]]]\n",
    "a:\t[[[[1]]]]\n",
    "\t[[[[1]]]]\n",
])
def test_tricky_flow_positions_are_counted(text: str) -> None:
    """Brackets that YAML reads as flow collections count, however they are introduced."""
    assert not passes(check_yaml_depth, text, 3)


@pytest.mark.parametrize("text", [
    "a: |\n  [[[[[[\n  ]\nb: 1\n",
    "a: >-\n    {{{{{{{{\nb: 1\n",
    "a: \"[[[[[[[[\"\nb: '{{{{{{{{'\n",
    "a: plain [[[[[[[[ text\n  and more [[[[[[[\n",
    "a: [x] # [[[[[[[[\n",
    "a: \"multi\n  line [[[[[[[\n  text\"\nb: 1\n",
    "- x[[[[[[[[\n",
])
def test_brackets_in_text_are_not_counted(text: str) -> None:
    """Brackets inside block, quoted and plain scalars and comments are not nesting."""
    assert passes(check_yaml_depth, text, 3)
