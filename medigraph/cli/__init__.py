"""The command line: a thin click layer over the library. Each command lives in its own module."""

from __future__ import annotations

import click

from .._version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="medigraph")
def cli() -> None:
    """Turn Medigy content (Markdown + YAML front matter) into a linked-data knowledge graph.

    Exit codes: 0 all good, 1 some documents rejected or violations found, 2 usage or
    fatal error.
    """


def _register() -> None:
    from . import export as _export  # noqa: F401  (commands register themselves on import)

    for name in ("validate", "push", "query"):
        try:
            __import__(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise


_register()


def main() -> None:
    cli(prog_name="medigraph")
