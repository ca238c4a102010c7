"""Instructions per document of the floor and of the export's worker, counted by valgrind.

    python benchmarks/instructions.py benchmarks/corpus/10000 [--documents 300]

Timings on a shared VM drift by tens of percent within minutes (docs/benchmarks.md), so a
small change to the per-document code cannot be judged by them. valgrind's callgrind counts
the instructions a process executes: the same count for the same code and files whatever
else the machine is doing. Each side runs twice in a fresh interpreter, once over
``--warm`` files only and once over ``--warm`` + ``--documents`` files; the difference,
divided by ``--documents``, is the cost of one document with start-up, imports and the first
documents' memos taken out.

- the floor: read the file, split the front matter, ``yaml.load(..., CSafeLoader)``
  (``benchmarks/floor.py``);
- the worker: ``pipeline.process_chunk`` to Turtle, what each export worker runs.

An instruction is not a unit of time: interpreted Python runs fewer instructions per cycle
than libyaml's C loops, so the time ratio is higher than this one (docs/benchmarks.md). Needs
valgrind (Debian package ``valgrind``); takes a few minutes.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

PROBE = """
import sys
import yaml
from medigraph.pipeline import Settings, _init, list_files, process_chunk
from medigraph.writers import FORMATS

corpus, side, warm, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
files, _ = list_files([corpus])
chosen = [files[i] for i in range(min(len(files), warm + count))]
if side == "worker":
    _init(Settings(fmt=FORMATS["ttl"]))
    print(sum(1 for done in process_chunk(chosen) if done.triples))  # documents mapped
else:
    for found in chosen:
        with open(found.file, encoding="utf-8") as stream:
            text = stream.read()
        _, front_matter, _body = text.split("---\\n", 2)
        yaml.load(front_matter, Loader=yaml.CSafeLoader)
    print(len(chosen))
"""


def probe(corpus: Path, side: str, warm: int, count: int) -> list[str]:
    """The command that runs one side over ``warm`` + ``count`` files; it prints how many it
    read (the floor) or mapped to triples (the worker)."""
    return [sys.executable, "-c", PROBE, str(corpus), side, str(warm), str(count)]


def instructions(corpus: Path, side: str, warm: int, count: int, scratch: Path) -> int:
    out = scratch / f"callgrind.{side}.{count}"
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            *probe(corpus, side, warm, count),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    found = re.search(r"Collected : ([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind said no count:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--warm", type=int, default=200)
    args = parser.parse_args(argv)
    per_document = {}
    with tempfile.TemporaryDirectory() as scratch:
        for side in ("floor", "worker"):
            before = instructions(args.corpus, side, args.warm, 0, Path(scratch))
            after = instructions(args.corpus, side, args.warm, args.documents, Path(scratch))
            per_document[side] = (after - before) / args.documents
            print(f"{side:7} {per_document[side] / 1e6:6.2f} M instructions per document")
    print(f"worker / floor: {per_document['worker'] / per_document['floor']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
