"""The document body as plain text: HTML (as the site stores it) reduced to paragraphs, and
Markdown rendered as Hugo renders it first."""

from __future__ import annotations

import functools
import re
from html import unescape
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "center",
        "dd",
        "details",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "search",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    ]
)
"""Elements a browser shows as blocks of their own (the HTML standard's rendering rules):
their text is a paragraph apart, never run into the text beside it (``<summary>Read
more</summary>Telehealth`` is "Read more" and "Telehealth", not "Read moreTelehealth")."""
_SKIP = frozenset({"script", "style", "template", "title"})
"""Elements whose content a browser does not show. (A ``<head>`` in a body is ignored by
browsers, and what it holds is shown; a ``<title>``'s text is not.)"""
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_P_TAG = re.compile(r"(</?p>)")


_PRE = re.compile(r"<pre", re.IGNORECASE)
_MARKS = [chr(code) for code in range(0xFDD0, 0xFDF0)]
"""Noncharacters, which no character reference gives (``html.unescape`` drops
``&#xFDD0;``): one that the HTML does not hold marks the indentation of preformatted text
(:func:`_indent`) so that :func:`_tidy`, which trims every other line, keeps it."""


def _mark_for(html: str) -> str:
    """A mark for the indentation of ``html``'s ``<pre>`` lines; "" when it has none (or, were
    it to hold all 32 noncharacters, none is left: the indentation is then trimmed)."""
    if _PRE.search(html) is None:
        return ""
    return next((mark for mark in _MARKS if mark not in html), "")


def _indent(data: str, at_line_start: bool, mark: str) -> str:
    """``data`` of a ``<pre>`` with the white space that indents each of its lines marked
    (each character preceded by ``mark``), the first line only when it starts a line."""
    lines = data.split("\n")
    for index, line in enumerate(lines):
        if index == 0 and not at_line_start:
            continue
        content = line.lstrip()
        if content and len(content) < len(line):
            lines[index] = "".join(mark + char for char in line[: -len(content)]) + content
    return "\n".join(lines)


class _TextCollector(HTMLParser):
    def __init__(self, mark: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.mark = mark
        """Put before each character that indents a line of preformatted text (``<pre>``,
        a code block), which :func:`_tidy` then keeps; "" to trim it as any other line's."""
        self.parts: list[str] = []
        self.skipping = 0
        self.pre = 0
        self.unclosed: tuple[str, int] | None = None
        """The element whose content is hidden (``script``, ``style``…) that was opened first
        and is still open, and its line (from 0): one never closed hides the rest."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            if not self.skipping:
                self.unclosed = (tag, self.getpos()[0] - 1)
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            if self.parts and self.parts[-1].endswith(" "):  # the space between two cells
                self.parts[-1] = self.parts[-1].rstrip(" ")
            self.parts.append("\t")  # cells apart; the row's leading tab is trimmed
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            if tag == "pre":
                self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
            if not self.skipping:
                self.unclosed = None
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre:
            if self.mark:
                at_line_start = not self.parts or self.parts[-1].endswith("\n")
                data = _indent(data, at_line_start, self.mark)
            self.parts.append(data)
            return
        # HTML collapses white space outside <pre>, also across the inline tags between two
        # pieces of text ("a <b></b> b" shows "a b").
        data = _collapse(data)
        if data[:1] == " " and self.parts and self.parts[-1][-1:] in (" ", "\n"):
            data = data[1:]
        if data:
            self.parts.append(data)


def _collapse(text: str) -> str:
    """Every run of ASCII white space as one space."""
    if "  " in text or any(char in text for char in "\t\n\r\f\v"):
        return _SPACE.sub(" ", text)
    return text  # only single spaces: nothing would change (and sub() is slow on long text)


def html_to_text(html: str) -> str:
    """Visible text of ``html``: paragraphs separated by a blank line, spaces collapsed."""
    return visible_text(html)[0]


def visible_text(html: str) -> tuple[str, tuple[str, int] | None]:
    """:func:`html_to_text`, and the hidden element (``script``, ``style``, ``template``,
    ``title``) that is never closed, with its line (from 0), if one is: the rest of the text
    after it is not shown, as a browser shows it, which the editor should hear about."""
    return _visible(html, None)


def _visible(html: str, only_p: bool | None) -> tuple[str, tuple[str, int] | None]:
    """:func:`visible_text`; ``only_p``: whether ``html``'s only tags are ``<p>`` and
    ``</p>``, when the caller has counted them already (None: not counted)."""
    if "<" not in html and "&" not in html:
        return _tidy(html), None
    if only_p is None:
        only_p = _only_p_tags(html)
    if only_p:
        # Only <p> tags, as the curation tool writes bodies: what the parser would collect,
        # without a Python callback per tag (a tenth of the time of mapping a document).
        parts = [
            "\n\n" if piece in ("<p>", "</p>") else _collapse(unescape(piece))
            for piece in _P_TAG.split(html)
            if piece
        ]
        return _tidy("".join(parts)), None
    mark = _mark_for(html)
    collector = _TextCollector(mark)
    collector.feed(html)
    collector.close()
    return _tidy("".join(collector.parts), mark), collector.unclosed


# CommonMark's HTML blocks of kind 6: a chunk of the body between blank lines that starts with
# one of these tags is passed through as HTML, not read as Markdown. (Kinds 1 and 2, such as
# <pre> and comments, end at their closing tag, and Markdown may follow on the next line.)
_HTML_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|"
    "dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|"
    "frameset|h1|h2|h3|h4|h5|h6|head|header|hr|html|iframe|legend|li|link|main|menu|"
    "menuitem|nav|noframes|ol|optgroup|option|p|param|section|summary|table|tbody|td|"
    "tfoot|th|thead|title|tr|track|ul"
)
_HTML_BLOCK = re.compile(
    r" {0,3}</?(?:" + _HTML_BLOCK_TAGS + r")(?=[ \t\r\n>]|/>|$)", re.IGNORECASE
)
_CHUNKS = re.compile(r"\n[ \t\r]*\n")
_SHORTCODE = re.compile(
    r"\{\{(?:<(?P<angle>/\*.*?\*/)>|%(?P<percent>/\*.*?\*/)%)\}\}|\{\{[<%].*?[%>]\}\}", re.DOTALL
)
"""A Hugo shortcode tag, ``{{< figure src="x.png" >}}`` or ``{{% note %}}``: the site's
templates replace it, so it is not the document's text (a paired one's inner text is). Hugo
finds them everywhere in the body, in code blocks too, which is why writers escape one as
``{{</* figure */>}}`` (or ``{{%/* note */%}}``) to show it: Hugo then writes the tag as text,
without the comment markers (``{{< figure >}}``), as the first alternatives here match it."""


def _shortcode_text(found: re.Match[str]) -> str:
    """What Hugo puts in a shortcode's place before rendering the Markdown: an escaped one's
    text without its comment markers, nothing for another (its line breaks are kept, so that
    the lines below it stay theirs)."""
    escaped = found.group("angle")
    if escaped is not None:
        return "{{<" + escaped[2:-2] + ">}}"
    escaped = found.group("percent")
    if escaped is not None:
        return "{{%" + escaped[2:-2] + "%}}"
    return "\n" * found.group().count("\n")


@functools.cache
def _markdown() -> MarkdownIt:
    # CommonMark with the raw HTML it allows, and the tables and strikethrough of Hugo's
    # Goldmark; no typographer, which would change the text's quotes and dashes.
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _only_p_tags(html: str) -> bool:
    return html.count("<") == html.count("<p>") + html.count("</p>")


def _holds_raw_blocks(body: str, only_p: bool) -> bool:
    """Whether ``body`` holds what CommonMark reads otherwise than as a run of HTML blocks
    split at blank lines: blocks of kind 1 (``<pre>``, ``<script>``, ``<style>``,
    ``<textarea>``) end at their closing tag, not at a blank line; a lone CR ends a line; NUL
    is replaced. Such a body takes the Markdown route. (Plain ``in`` tests: a regex over the
    body took a sixth of the time of mapping a document.)"""
    if "\r" in body or "\x00" in body:
        return True
    if only_p:
        return False  # only <p> tags, as the curation tool writes bodies
    lowered = body.lower()
    return any(tag in lowered for tag in ("<pre", "<script", "<style", "<textarea"))


_HIDING_TAG = re.compile(r"<(/?)(" + "|".join(sorted(_SKIP)) + r")\b", re.IGNORECASE)


def markdown_to_text(body: str) -> tuple[str, tuple[str, int] | None]:
    """The visible text of a Markdown body, as Hugo renders it (CommonMark, raw HTML kept,
    shortcodes left to the site's templates, escaped ones shown), and :func:`visible_text`'s unclosed element
    with its line in ``body`` (from 0).

    A body made only of HTML blocks, as the curation tool writes them, is HTML as it stands
    (CommonMark passes such blocks through): read directly, with no Markdown step.
    """
    if "{{" in body:
        body = _SHORTCODE.sub(_shortcode_text, body)
    only_p = _only_p_tags(body)
    if not _holds_raw_blocks(body, only_p) and all(
        _HTML_BLOCK.match(chunk) for chunk in _CHUNKS.split(body.strip("\n")) if chunk.strip()
    ):
        return _visible(body, only_p)
    markdown = _markdown()
    tokens = markdown.parse(body)
    text, unclosed = visible_text(markdown.renderer.render(tokens, markdown.options, {}))
    if unclosed is not None:
        unclosed = (unclosed[0], _opening_line(tokens, unclosed[0]))
    return text, unclosed


def _opening_line(tokens: list[Token], tag: str) -> int:
    """The source line (from 0) of the ``<tag>`` left open, found in the raw HTML of the
    parsed Markdown (not in code, where a tag is text): the last opening at depth 0."""
    depth, line = 0, 0

    def scan(html: str, first: int) -> None:
        nonlocal depth, line
        for found in _HIDING_TAG.finditer(html):
            if found.group(2).lower() != tag:
                continue
            if found.group(1):
                depth = max(0, depth - 1)
            else:
                if depth == 0:
                    line = first + html.count("\n", 0, found.start())
                depth += 1

    for token in tokens:
        start = token.map[0] if token.map else line
        if token.type == "html_block":
            scan(token.content, start)
        elif token.type == "inline":
            offset = 0
            for child in token.children or []:
                if child.type in ("softbreak", "hardbreak"):
                    offset += 1
                elif child.type == "html_inline":
                    scan(child.content, start + offset)
    return line


def _tidy(text: str, mark: str = "") -> str:
    """Paragraphs apart by one blank line, each line trimmed; the white space of a line
    that ``mark`` marks (:func:`_indent`: a line of preformatted text) is kept."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.split("\n")]
        joined = "\n".join(line for line in lines if line)
        if joined:
            paragraphs.append(joined)
    tidied = "\n\n".join(paragraphs)
    return tidied.replace(mark, "") if mark and mark in tidied else tidied
