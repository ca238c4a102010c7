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


# -- Markdown bodies, as Hugo renders them -------------------------------------------------

BLOCK_PIECES = st.sampled_from(
    ["<p>", "</p>", "<div>", "</div>", "<h2>", "</h2>", "<ul><li>", "</li></ul>", "<pre>",
     "</pre>", "<!-- c -->", "\n", "\n\n", "\n  \n", "   ", "word", "*em*", "`code`", "# h",
     "- item", "&amp;", "<b>", "</b>", "[a](b)", "    indented", "\t", "é"]
)  # fmt: skip
HTML_BLOCK_BODIES = st.lists(BLOCK_PIECES, max_size=30).map(lambda pieces: "<p>" + "".join(pieces))


@settings(max_examples=2000, deadline=None)
@given(HTML_BLOCK_BODIES)
def test_a_body_of_html_blocks_reads_as_commonmark_renders_it(body: str) -> None:
    """The shortcut (a body whose every chunk opens with an HTML block tag is read as HTML)
    gives what rendering it as Markdown first gives: CommonMark passes such blocks through."""
    assert text.markdown_to_text(body) == text.visible_text(text._markdown().render(body))


def test_markdown_bodies_keep_their_paragraphs_and_lose_their_markup() -> None:
    body = (
        "# Heading\n\nFirst paragraph with **bold** and [a link](https://example.org).\n\n"
        "* item one\n* item two\n\nTom & Jerry, 2<sup>nd</sup> edition."
    )
    assert text.markdown_to_text(body) == (
        "Heading\n\nFirst paragraph with bold and a link.\n\nitem one\n\nitem two\n\n"
        "Tom & Jerry, 2nd edition.",
        None,
    )


def test_html_in_a_code_span_is_text_and_an_unclosed_script_is_told() -> None:
    assert text.markdown_to_text("Embed it with a `<script>` tag.\n\nThen this.") == (
        "Embed it with a <script> tag.\n\nThen this.",
        None,
    )
    # In prose it is HTML, as the site renders it: the rest is hidden, and said to be.
    assert text.markdown_to_text("Use a <script> tag.\n\nThen this.") == ("Use a", "script")
    assert text.markdown_to_text("a <style>x</style> b") == ("a b", None)


def test_shortcodes_are_the_sites_templates_not_text() -> None:
    body = '{{< figure src="a.jpeg" caption="A &amp; B" >}}\n\nSee {{% note %}}this{{% /note %}}.'
    assert text.markdown_to_text(body) == ("See this.", None)
