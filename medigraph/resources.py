"""Where the bundled ontology, mapping, shapes and saved queries are, installed or not."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """``ontology``, ``shapes`` or ``queries``: inside a wheel, or at the top of a checkout."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name, _PACKAGE / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} not found next to {_PACKAGE}")
