"""One diagnostic type for every stage: reading, mapping, validating, writing, pushing.

A diagnostic names the source file (relative to the root the user gave), the line and the
front-matter key where there is one, a severity and a message written for a content editor.
"""

from __future__ import annotations

import enum
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

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line or 0, self.key or "", self.message)

    def format(self) -> str:
        """``path:line: severity: key: message`` — the form editors and IDEs understand."""
        location = self.path or "medigraph"
        if self.line is not None:
            location += f":{self.line}"
        key = f"{self.key}: " if self.key else ""
        return f"{location}: {self.severity.label}: {key}{self.message}"


def error(path: str, line: int | None, key: str | None, message: str, code: str) -> Diagnostic:
    return Diagnostic(path, line, key, Severity.ERROR, message, code)


def warning(path: str, line: int | None, key: str | None, message: str, code: str) -> Diagnostic:
    return Diagnostic(path, line, key, Severity.WARNING, message, code)
