"""Would compiling medigraph's reading and mapping code make the export's workers faster?

    python benchmarks/compiled_mapping.py benchmarks/corpus/10000

The export's workers spend their time reading front matter, mapping it and serializing it
(``pipeline.process_chunk``). This script copies the package to a scratch folder, compiles
the modules that code lives in with mypyc (the compiler of the mypy project, which turns
type-annotated Python into C extension modules), and then measures the workers' CPU time per
document on the same files with the plain package and with the compiled one, in alternating
fresh interpreters, best of ``--rounds``.

When compiling the Python code gains little, the time is spent inside the libraries it calls
(libyaml building PyYAML's nodes, pyoxigraph making terms and serializing them, dict and
string operations), which compiled code calls just the same. Needs mypy (a development
dependency) and a C compiler.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

COMPILED = ["convert.py", "mapping.py", "text.py", "iris.py", "writers.py", "pipeline.py"]
"""The modules of the per-document work that mypyc can compile. ``documents.py`` (the YAML
reading) defines its loader class inside an ``if``, which mypyc refuses."""

PROBE = """
import sys, time
sys.path.insert(0, sys.argv[1])
import medigraph.convert
from medigraph.pipeline import Settings, _init, list_files, process_chunk
from medigraph.writers import FORMATS
files, _ = list_files([sys.argv[2]])
chosen = [files[i] for i in range(min(len(files), int(sys.argv[3])))]
_init(Settings(fmt=FORMATS["ttl"]))
process_chunk(chosen[:200])  # warm the per-worker memos, as a long run has them
started = time.process_time()
process_chunk(chosen)
compiled = medigraph.convert.__file__.endswith(".so")
print(compiled, (time.process_time() - started) / len(chosen) * 1e6)
"""


def compile_copy(scratch: Path) -> Path:
    """A copy of the package and its data, with ``COMPILED`` built by mypyc in place."""
    for name in ("medigraph", "ontology", "shapes", "queries"):
        shutil.copytree(
            ROOT / name, scratch / name, ignore=shutil.ignore_patterns("__pycache__", "*.so")
        )
    subprocess.run(
        [sys.executable, "-m", "mypyc", *(f"medigraph/{name}" for name in COMPILED)],
        cwd=scratch,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return scratch


def per_document(package_root: Path, corpus: Path, documents: int) -> tuple[bool, float]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(package_root), str(corpus), str(documents)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    compiled, micros = done.stdout.split()
    return compiled == "True", float(micros)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="medigraph-mypyc-") as scratch:
        compiled_root = compile_copy(Path(scratch))
        best: dict[bool, float] = {}
        for _ in range(args.rounds):
            for root in (ROOT, compiled_root):
                compiled, micros = per_document(root, args.corpus, args.documents)
                assert compiled == (root == compiled_root), "the wrong package was imported"
                best[compiled] = min(best.get(compiled, micros), micros)
    plain, fast = best[False], best[True]
    print(f"worker CPU per document, best of {args.rounds} ({args.documents} documents):")
    print(f"  as Python          {plain:7.1f} µs")
    print(f"  compiled by mypyc  {fast:7.1f} µs   ({(1 - fast / plain) * 100:.1f} % less)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
