"""The document body as plain text: HTML (as the site stores it) reduced to paragraphs."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    ]
)
_SKIP = frozenset({"script", "style", "template", "head"})
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_P_TAG = re.compile(r"(</?p>)")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")  # cells apart; the row's leading tab is trimmed
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            if tag == "pre":
                self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        # HTML collapses white space outside <pre>; a marker keeps it apart from block breaks.
        self.parts.append(data if self.pre else _collapse(data))


def _collapse(text: str) -> str:
    """Every run of ASCII white space as one space."""
    if "  " in text or any(char in text for char in "\t\n\r\f\v"):
        return _SPACE.sub(" ", text)
    return text  # only single spaces: nothing would change (and sub() is slow on long text)


def html_to_text(html: str) -> str:
    """Visible text of ``html``: paragraphs separated by a blank line, spaces collapsed."""
    if "<" not in html and "&" not in html:
        return _tidy(html)
    if html.count("<") == html.count("<p>") + html.count("</p>"):
        # Only <p> tags, as the curation tool writes bodies: what the parser would collect,
        # without a Python callback per tag (a tenth of the time of mapping a document).
        parts = [
            "\n\n" if piece in ("<p>", "</p>") else _collapse(unescape(piece))
            for piece in _P_TAG.split(html)
            if piece
        ]
        return _tidy("".join(parts))
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return _tidy("".join(collector.parts))


def _tidy(text: str) -> str:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.split("\n")]
        joined = "\n".join(line for line in lines if line)
        if joined:
            paragraphs.append(joined)
    return "\n\n".join(paragraphs)
