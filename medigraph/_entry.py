"""The ``medigraph`` console script: Ctrl-C while the command line is still being imported
(its first tenth of a second) ends the run as any later Ctrl-C does, with 130 and one line,
not a Python traceback. This module imports nothing until then."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        if sys.stderr is not None:
            sys.stderr.write("medigraph: interrupted\n")
        sys.exit(130)
    run()
