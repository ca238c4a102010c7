"""medigraph: Medigy's Markdown content (YAML front matter) as a linked-data knowledge graph.

The command line is ``medigraph`` (``python -m medigraph``); the Python API is in
:mod:`medigraph.export`, :mod:`medigraph.validation`, :mod:`medigraph.push`,
:mod:`medigraph.query` and :mod:`medigraph.serve` (see the README).
"""

import logging

from ._version import __version__

# The library prints nothing: its warnings (an endpoint retried, a wait for an export) go to
# the ``medigraph`` logger, which the command line shows on stderr. Without a handler of its
# own, Python would print them on the caller's stderr when the program configures no logging.
logging.getLogger("medigraph").addHandler(logging.NullHandler())

__all__ = ["__version__"]
