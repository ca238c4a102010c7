"""Floor (a): read every ``*.md`` and parse its front matter with PyYAML's C loader. Nothing else.

No mapping, no output: the least any exporter of this corpus must do, in one process.

    python benchmarks/floor.py CORPUS
"""

from __future__ import annotations

import os
import sys
import time

import yaml


def main(corpus: str) -> int:
    started = time.perf_counter()
    count = 0
    for folder, dirs, files in os.walk(corpus):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as stream:
                text = stream.read()
            _, front_matter, _body = text.split("---\n", 2)
            yaml.load(front_matter, Loader=yaml.CSafeLoader)
            count += 1
    print(f"{count} documents, 0 triples, {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return 0


def cli(argv: list[str]) -> int:
    """``floor.py CORPUS``: a corpus that is no folder (a typo, ``--help``) is an error, not
    a floor of "0 documents"."""
    if len(argv) != 1 or not os.path.isdir(argv[0]):
        print(__doc__, file=sys.stderr)
        print(f"usage: floor.py CORPUS (a folder of Markdown files); got {argv}", file=sys.stderr)
        return 2
    return main(argv[0])


if __name__ == "__main__":
    raise SystemExit(cli(sys.argv[1:]))
