"""Body text: the fast paths of ``html_to_text`` give what the HTML parser path gives."""

from __future__ import annotations

import pytest
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
    assert text.markdown_to_text("Use a <script> tag.\n\nThen this.") == ("Use a", ("script", 0))
    assert text.markdown_to_text("a <style>x</style> b") == ("a b", None)


def test_shortcodes_are_the_sites_templates_not_text() -> None:
    body = '{{< figure src="a.jpeg" caption="A &amp; B" >}}\n\nSee {{% note %}}this{{% /note %}}.'
    assert text.markdown_to_text(body) == ("See this.", None)


def test_escaped_shortcodes_are_shown_as_hugo_shows_them() -> None:
    """``{{</* x */>}}`` is Hugo's way to show a shortcode tag: it writes the tag without the
    comment markers, in prose and in code blocks alike (Hugo finds shortcodes in code too)."""
    body = (
        "To embed a video, write {{</* youtube w7Ft2ymGmfc */>}} in your page.\n\n"
        '```\n{{</* figure src="chart.png" */>}}\n{{< hidden >}}\n```\n\n'
        "{{%/* note */%}}x{{%/* /note */%}}, {{% note %}}y{{% /note %}}"
    )
    assert text.markdown_to_text(body) == (
        "To embed a video, write {{< youtube w7Ft2ymGmfc >}} in your page.\n\n"
        '{{< figure src="chart.png" >}}\n\n'
        "{{% note %}}x{{% /note %}}, y",
        None,
    )
    assert text.markdown_to_text("<div>Write {{</* x */>}}.</div>") == ("Write {{< x >}}.", None)


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("Intro\n\n<script>\nx\n\n```\n<script>\n```", 2),  # a later one in a code fence
        ("Para <style>hidden\n\n    <style> in code", 0),  # a later one in indented code
        ("Line\n\nline <script>\n\n<!-- <script> -->", 2),  # a later one in a comment
        ("one\n\n<SCRIPT>\nvar a\n\n<script>", 2),  # a later one inside the first
        ("one\n\ntwo <script>a\n\n```\n<script>x</script>\n```", 2),  # closed in code only
        ("a\nb <template>\nc", 1),  # a soft line break before it
        ("<div>one</div>\n<div>two <style>\nthree</div>", 1),  # HTML read directly
    ],
)
def test_the_tag_left_open_is_found_on_its_own_line(body: str, line: int) -> None:
    """The line of the tag that hides the rest, as the parser met it: not one in code, where
    a tag is text, nor one inside what it already hides."""
    shown, unclosed = text.markdown_to_text(body)
    assert unclosed is not None and unclosed[1] == line, (shown, unclosed)


def test_a_head_tag_in_a_body_hides_nothing() -> None:
    """Browsers ignore a <head> inside a page's body and show what follows it."""
    assert text.markdown_to_text("Intro <head>\n\nThe rest.") == ("Intro\n\nThe rest.", None)


@pytest.mark.parametrize(
    "body",
    [
        "<div>Intro</div>\r\r*emphasis*",
        "<div>a\x00b</div>",
        "<pre>a\n\n<p>b</p></pre>",
        "<p>x</p>\n\n<script>\na\n\n<p>b</p></script>\n\n<p>c</p>",
    ],
)
def test_bodies_commonmark_reads_otherwise_take_the_markdown_route(body: str) -> None:
    assert text.markdown_to_text(body) == text.visible_text(text._markdown().render(body))


def test_a_markdown_tables_cells_are_apart_by_one_tab() -> None:
    assert text.markdown_to_text("| a | b |\n|---|---|\n| 1 | 2 |\n") == ("a\tb\n\n1\t2", None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a fenced code block: Python's indentation is its meaning
        (
            "Intro\n\n```python\ndef f():\n    return 1\n```\n\nEnd",
            "Intro\n\ndef f():\n    return 1\n\nEnd",
        ),
        ("    indented code\n      more\n\npara", "indented code\n  more\n\npara"),
        ("<p>a</p>\n<PRE>\n  x = 1\n\ty  \n<b>z</b>  w</PRE>", "a\n\n  x = 1\n\ty\nz  w"),
        # a character that could mark the indentation, in the text itself, is text
        ("<pre>\ufdd0  x\n  y</pre>", "\ufdd0  x\n  y"),
    ],
)
def test_preformatted_text_keeps_its_indentation(body: str, expected: str) -> None:
    """A browser shows a <pre>'s (a code block's) lines as they are indented; other lines are
    trimmed as before."""
    assert text.markdown_to_text(body) == (expected, None)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<details><summary>Read more</summary>Telehealth grows.</details>",
         "Read more\n\nTelehealth grows."),
        ("<fieldset><legend>Plan</legend>Remote care</fieldset>", "Plan\n\nRemote care"),
        ("Intro<center>Centred</center>after", "Intro\n\nCentred\n\nafter"),
        ("<menu><li>a</li></menu>b<hgroup>c</hgroup>d", "a\n\nb\n\nc\n\nd"),
        ("<table><caption>Fees</caption><tr><td>99490</td></tr></table>", "Fees\n\n99490"),
        ("Ask<form>Name</form>us<search>Find</search>it", "Ask\n\nName\n\nus\n\nFind\n\nit"),
    ],
)  # fmt: skip
def test_block_elements_are_paragraphs_of_their_own(html: str, expected: str) -> None:
    """Elements a browser shows as blocks (details, summary, fieldset, legend, center, …) are
    paragraphs apart: their words were run into their neighbours' ("Read moreTelehealth")."""
    assert text.html_to_text(html) == expected
    assert text.markdown_to_text(html) == (expected, None)
