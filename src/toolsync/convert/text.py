"""
Descriptions as a model reads them: clean, deduplicated, within budget.

Text from a spec reaches the model's context verbatim, so characters a reader cannot see are
removed: C0 and C1 controls (except newline and tab), format characters (zero-width space and
joiners, bidi embeddings, overrides and isolates, BOM, soft hyphen, the invisible tag block that
can smuggle ASCII), lone surrogates and the supplementary variation selectors. Markdown is kept.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["clean_text", "combine", "cut", "one_line"]

ELLIPSIS: Final = "…"

# Unicode categories Cc and Cf (Unicode 15), surrogates, line/paragraph separators and the
# variation selectors supplement; tests compare this list with unicodedata. The surrogates are written
# as escapes for the regex engine (a raw string): a lone surrogate cannot sit in a compiled module's literal.
_INVISIBLE: Final = re.compile(
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    r"\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
    "]+"
)
_BLANK_RUN: Final = re.compile(r"\n{3,}")
_TRAILING_SPACE: Final = re.compile(r"[ \t]+\n")
_SUPPLEMENT_VS: Final = "\U000e0100"


def _maybe_invisible(text: str) -> bool:
    # C-speed screening: printable text below the variation selectors supplement has nothing to remove.
    flat = text.replace("\n", "").replace("\t", "") if "\n" in text or "\t" in text else text
    return not flat.isprintable() or (not flat.isascii() and max(flat, default=" ") >= _SUPPLEMENT_VS)


def clean_text(text: str) -> str:
    """``text`` without invisible characters, with ``\\n`` line ends and at most one blank line."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _maybe_invisible(text):
        text = _INVISIBLE.sub("", text)
    if " \n" in text or "\t\n" in text:
        text = _TRAILING_SPACE.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()


def one_line(text: str) -> str:
    """Whitespace runs collapsed to one space, for titles."""
    return " ".join(text.split())


def _key(text: str) -> str:
    return one_line(text).rstrip(".").casefold()


def combine(summary: str, description: str) -> str:
    """Summary and description as one text; one is left out when the other already contains it."""
    summary, description = clean_text(summary), clean_text(description)
    if not summary:
        return description
    short = _key(summary)
    folded = description.casefold()
    # ``short`` has single spaces and no dots at its end: an occurrence as written survives the
    # normalization of the description, which costs more than the rest.
    if short in folded:
        return description
    # Normalizing a long description costs more than the rest; skip it when neither can contain the other.
    long = _key(description) if _may_contain(short, description, folded) else None
    if long is not None and short in long:
        return description
    if not description or (long is not None and long in short):
        return summary
    return f"{summary}\n\n{description}"


def _may_contain(short: str, text: str, folded: str) -> bool:
    """
    False only when ``short`` is not in ``_key(text)`` and ``_key(text)`` is not in ``short``.

    ``folded`` is ``text.casefold()``. Each word of ``short`` inside ``_key(text)`` lies inside one word of it (case folding
    neither makes nor removes whitespace). ``_key(text)`` is at least as long as ``text``'s non-blank
    characters less its trailing dots; that count is only taken for ASCII text, whose blanks after
    :func:`clean_text` are spaces, tabs and newlines.
    """
    if all(word in folded for word in short.split()):
        return True
    if not text.isascii():
        return True
    floor = len(text.rstrip(".")) - text.count(" ") - text.count("\t") - text.count("\n")
    return floor <= len(short)


def cut(text: str, budget: int) -> str:
    """``text`` in at most ``budget`` characters; a cut ends with ``…``, at a word end when near."""
    if len(text) <= budget:
        return text
    head = text[: budget - len(ELLIPSIS)]
    space = max(head.rfind(" "), head.rfind("\n"))
    # Cut at a word end unless that throws away more than a fifth of the budget.
    if space > budget * 4 // 5:
        head = head[:space]
    return head.rstrip() + ELLIPSIS
