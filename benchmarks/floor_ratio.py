"""Export time over the floor's, measured back to back so that both see the same machine.

    python benchmarks/floor_ratio.py benchmarks/corpus/100000 --rounds 3

A shared VM's speed drifts by tens of percent over minutes (the floor alone took 20 s and
28 s for the same 100 000 files in two runs an hour apart), so one floor run and one export
run minutes apart can give any ratio. Here each round runs the floor (benchmarks/floor.py)
and then ``medigraph export`` to Turtle (``-j 2 --no-store --no-cache``) right after it, and
the ratio of each round is reported with the median.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    bin_dir = Path(sys.executable).parent
    ratios = []
    with tempfile.TemporaryDirectory(prefix="medigraph-ratio-") as scratch:
        floor = [sys.executable, str(HERE / "floor.py"), str(args.corpus)]
        export = [
            str(bin_dir / "medigraph"),
            "export",
            str(args.corpus),
            "-j",
            str(args.jobs),
            "--no-store",
            "--no-cache",
            "-q",
            "-o",
            str(Path(scratch) / "d.ttl"),
        ]
        print(" ".join(floor))
        print(" ".join(export))
        for round_ in range(1, args.rounds + 1):
            a = timed(floor)
            b = timed(export)
            ratios.append(b / a)
            print(
                f"round {round_}: floor {a:.2f} s, export {b:.2f} s, ratio {b / a:.2f}", flush=True
            )
    print(
        f"median ratio {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
