"""medigraph: Medigy's Markdown content (YAML front matter) as a linked-data knowledge graph.

The command line is ``medigraph`` (``python -m medigraph``); the Python API is in
:mod:`medigraph.export`, :mod:`medigraph.validation`, :mod:`medigraph.push`,
:mod:`medigraph.query` and :mod:`medigraph.serve` (see the README).
"""

from ._version import __version__

__all__ = ["__version__"]
