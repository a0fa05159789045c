"""Descriptions: invisible characters removed, summary and description merged, budget kept."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolsync.convert.text import clean_text, combine, cut, one_line


def test_every_control_and_format_character_is_removed() -> None:
    """Each Cc and Cf code point (per unicodedata), lone surrogates and tag characters disappear."""
    doomed = [chr(c) for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs") and chr(c) not in "\n\t\r"]
    assert len(doomed) > 2000
    assert clean_text("a" + "".join(doomed) + "b") == "ab"


@pytest.mark.parametrize(("text", "expected"), [
    ("pay\u200bload", "payload"),
    ("admin\u202eslo\u202c", "adminslo"),
    ("\ufeffBOM first", "BOM first"),
    ("tag\U000e0041\U000e0042 smuggle", "tag smuggle"),
    ("variation\U000e0100 selector", "variation selector"),
    ("line\u2028separator", "lineseparator"),
    ("caf\u00e9 \u2014 na\u00efve \U0001f600", "caf\u00e9 \u2014 na\u00efve \U0001f600"),
])
def test_invisible_characters(text: str, expected: str) -> None:
    """Hidden characters go; visible non-ASCII text stays."""
    assert clean_text(text) == expected


def test_markdown_and_line_structure_are_kept() -> None:
    """Lists, code and single blank lines survive; CRLF and blank-line runs are normalized."""
    text = "# Title\r\n\r\n\r\n\r\n- item `code`\n  \n\n* other\t\n"
    assert clean_text(text) == "# Title\n\n- item `code`\n\n* other"


@pytest.mark.parametrize(("summary", "description", "expected"), [
    ("List pets", "", "List pets"),
    ("", "Lists all pets.", "Lists all pets."),
    ("List pets", "List pets.", "List pets."),
    ("List pets.", "List  pets\n\nwith paging.", "List  pets\n\nwith paging."),
    ("Get a pet by its id and return it", "get a pet", "Get a pet by its id and return it"),
    ("List pets", "Returns every pet.", "List pets\n\nReturns every pet."),
])
def test_combine_avoids_repeating_itself(summary: str, description: str, expected: str) -> None:
    """The summary is left out when the description already says it, and vice versa."""
    assert combine(summary, description) == expected


def _combine_in_full(summary: str, description: str) -> str:
    """combine() as first written: both texts normalized every time."""
    summary, description = clean_text(summary), clean_text(description)
    if not summary:
        return description
    short = one_line(summary).rstrip(".").casefold()
    long = one_line(description).rstrip(".").casefold()
    if short in long:
        return description
    if not description or long in short:
        return summary
    return f"{summary}\n\n{description}"


_WORDISH = st.text(alphabet="aAbB. \t\n\u00df\u00e9\u00a0\u2003\u0130", max_size=24)


@given(_WORDISH, _WORDISH)
def test_combine_skips_normalizing_only_when_it_cannot_matter(summary: str, description: str) -> None:
    """The shortcut that spares normalizing a long description never changes the answer."""
    assert combine(summary, description) == _combine_in_full(summary, description)
    assert combine(summary, description + " " + summary) == _combine_in_full(summary, description + " " + summary)


@given(_WORDISH, _WORDISH, st.lists(st.sampled_from([" ", "  ", "\n", "\t ", " \u2003 ", "\n\n"]), min_size=1),
       st.sampled_from(["", ".", "...", " x", "x"]))
def test_combine_finds_the_summary_across_blank_runs(summary: str, before: str, blanks: list[str], after: str) -> None:
    """A summary written in the description with other blanks between its words is found as the full form finds it."""
    words = summary.split()
    spread = "".join(word + blanks[i % len(blanks)] for i, word in enumerate(words)).rstrip()
    description = f"{before} {spread}{after}"
    assert combine(summary, description) == _combine_in_full(summary, description)


def test_cut_keeps_the_budget_and_shows_the_cut() -> None:
    """A cut text ends with '…' at a word end and never exceeds the budget."""
    text = "word " * 100
    short = cut(text, 50)
    assert len(short) <= 50 and short.endswith("word…")
    assert cut("short", 50) == "short"
    assert cut("x" * 100, 20) == "x" * 19 + "…"
