"""One diagnostic type for every stage: reading, mapping, validating, writing, pushing.

A diagnostic names the source file (relative to the root the user gave), the line and the
front-matter key where there is one, a severity and a message written for a content editor.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Ordered so that ``max()`` gives the worst; names follow SHACL's three levels."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return {Severity.INFO: "info", Severity.WARNING: "warning", Severity.ERROR: "error"}[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        aliases = {"info": cls.INFO, "warning": cls.WARNING, "error": cls.ERROR}
        aliases["violation"] = cls.ERROR
        try:
            return aliases[text.lower()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}") from None


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem found in one source document (or in the run as a whole when ``path`` is "")."""

    path: str
    line: int | None
    key: str | None
    severity: Severity
    message: str
    code: str = "medigraph"
    focus: str | None = field(default=None, compare=False)
    shape: str | None = field(default=None, compare=False)
    stands_in_for: str | None = field(default=None, compare=False)
    """A shape's result on a value read in place of the key the shape is about (date's, told
    at the publishDate a page without date is dated by): that key, else None."""

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line or 0, self.key or "", self.message)

    def format(self) -> str:
        """``path:line: severity: key: message`` — the form editors and IDEs understand.

        One line whatever a file name or a quoted value holds: control characters are shown
        as escapes, so a name cannot move the cursor, retitle the terminal or forge a line
        (a CI log reads ``::error …`` at the start of a line as a command)."""
        location = visible(self.path) or "medigraph"
        if self.line is not None:
            location += f":{self.line}"
        key = f"{visible(self.key)}: " if self.key else ""
        message = _BREAKS.sub(" ", _shortened(self.message))  # a message's own line breaks
        return f"{location}: {self.severity.label}: {key}{visible(message)}"


LONGEST_MESSAGE = 400
"""Characters of a message shown in the text form; a message that quotes a huge value keeps
its start and its end (where the advice is), the full text stays in the JSON and SARIF forms."""


def _shortened(message: str) -> str:
    if len(message) <= LONGEST_MESSAGE:
        return message
    left = message[: LONGEST_MESSAGE // 2]
    right = message[-LONGEST_MESSAGE // 2 :]
    return f"{left} […{len(message) - len(left) - len(right)} characters…] {right}"


_BREAKS = re.compile("[\\t\\n\\v\\f\\r\\x1c-\\x1e\\x85\\u2028\\u2029]+")
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff"
    "\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with its control characters (C0, DEL, C1, line and paragraph separators),
    lone surrogates (the bytes of a file name that are not UTF-8), the noncharacters U+FFFE
    and U+FFFF and the bidirectional formatting characters (which make a terminal show a
    line reordered) written as ``\\xNN`` or ``\\uNNNN`` escapes: safe to print on a
    terminal, in a log or in any UTF-8 file, and holding no character XML 1.0 forbids."""
    return _CONTROLS.sub(_escape, text) if _CONTROLS.search(text) else text


NOT_A_DATE = "map.not-a-date"
"""The code of a date that is none (``2021-02-31``, ``02/17/2021``, ``20210217``): a warning
to the export, which writes it as typed, and a violation to ``validate``, which also tells it
where rdflib, and so pySHACL, reads the text as a date (Python's ISO forms: ``20210217``,
``2021-W07-3``, ``2021-02-17T04:49Z``) though it is no ``xsd:dateTime``."""


def error(path: str, line: int | None, key: str | None, message: str, code: str) -> Diagnostic:
    return Diagnostic(path, line, key, Severity.ERROR, message, code)


def warning(path: str, line: int | None, key: str | None, message: str, code: str) -> Diagnostic:
    return Diagnostic(path, line, key, Severity.WARNING, message, code)


def internal_error(path: str, exc: Exception) -> Diagnostic:
    """A bug in medigraph met while handling one file: an error on that file (with the
    exception, for the bug report), so the run goes on with the others."""
    message = f"internal error, please report it: {type(exc).__name__}: {exc}"
    return error(path, None, None, message, "internal")


def plural(number: int, noun: str) -> str:
    """``1 row``, ``2 rows``: a count and its noun, in the plural unless it is one."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
