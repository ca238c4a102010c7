"""Body text: the fast paths of ``html_to_text`` give what the HTML parser path gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from medigraph import text

PIECES = st.sampled_from(
    ["<p>", "</p>", " ", "  ", "\t", "\n", "\r\n", "\f", "\v", "\xa0", "\u2028", "&amp;",
     "&#39;", "&lt;", "&nbsp;", "&", "word", "é", "Ngô", ".", ";"]
)  # fmt: skip
BODIES = st.lists(PIECES, max_size=40).map("".join)
PARAGRAPHS = BODIES.map(lambda body: "<p>" + body)
"""Bodies made of <p> tags only (text without any tag or entity is kept as typed instead)."""


def parsed(html: str) -> str:
    collector = text._TextCollector()
    collector.feed(html)
    collector.close()
    return text._tidy("".join(collector.parts))


@settings(max_examples=3000, deadline=None)
@given(PARAGRAPHS)
def test_paragraph_bodies_match_the_parser(html: str) -> None:
    assert text.html_to_text(html) == parsed(html)


@settings(max_examples=3000, deadline=None)
@given(BODIES)
def test_collapse_is_the_regex(value: str) -> None:
    assert text._collapse(value) == text._SPACE.sub(" ", value)


def test_table_cells_are_kept_apart() -> None:
    """A row's cells are separated by a tab, rows by a blank line: "Code Fee", not "CodeFee"."""
    html = "<table><tr><th>Code</th><th>Fee</th></tr><tr><td>99490</td><td>$42</td></tr></table>"
    assert text.html_to_text(html) == "Code\tFee\n\n99490\t$42"
