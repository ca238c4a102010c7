"""The main-process side of a run: the compact file list, the feeder, the collision index."""

from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

import pytest

from medigraph.diagnostics import Diagnostic
from medigraph.documents import SourceFile, discover
from medigraph.export import Collisions
from medigraph.pipeline import FileList, Processed, Settings, list_files, run, shard_of
from tests._trees import random_tree

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "content"


def _tree(root: Path, rng: random.Random) -> None:
    names = ["a", "a-b", "a.md", "ab", "b", "é", "A", "a0", "z z", "ü.md"]
    random_tree(root, rng, names, files=(0, 14), links=(0, 4), nowhere=root / "nowhere.md")


def test_the_compact_list_holds_exactly_what_discover_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(11)
    monkeypatch.chdir(tmp_path)
    for trial in range(30):
        root = tmp_path / str(trial) / "root"
        _tree(root, rng)
        given: list[str | os.PathLike[str]] = [
            root,
            f"{root}/",
            os.path.relpath(root),
            f"./{os.path.relpath(root)}//",
            f"{root}/../root",
        ]
        for path in given:
            for shard in (None, (1, 2), (2, 2)):
                keep = None if shard is None else (lambda p, k=shard[0]: shard_of(p, 2) == k - 1)
                compact, problems = list_files([path], keep=keep)
                expected, expected_problems = discover([path], keep=keep)
                assert isinstance(compact, FileList)
                assert list(compact) == expected, (trial, path, shard)
                assert len(compact) == len(expected) and problems == expected_problems
                if expected:
                    assert compact[len(expected) - 1] == expected[-1]
                    assert compact[-1] == expected[-1]


def test_several_paths_or_a_file_are_listed_by_discover(tmp_path: Path) -> None:
    seed = next(EXAMPLES.rglob("*.md"))
    for paths in ([EXAMPLES, seed], [seed], [tmp_path / "missing"]):
        listed, problems = list_files(paths)
        assert list(listed) == discover(paths)[0] and problems == discover(paths)[1]


def test_a_file_list_is_a_few_dozen_bytes_per_file(tmp_path: Path) -> None:
    files = FileList("/content", "content")
    for index in range(20_000):
        files.add(f"communities/c{index // 1000}/curated-content/{index:036d}.md")
    held = len(files._names) + files._where.itemsize * len(files._where)
    assert held < 45 * len(files)
    assert list(files)[123] == SourceFile(
        f"/content/communities/c0/curated-content/{123:036d}.md",
        f"communities/c0/curated-content/{123:036d}.md",
        f"content/communities/c0/curated-content/{123:036d}.md",
    )


def test_results_come_in_file_order_whatever_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import medigraph.pipeline as pipeline

    monkeypatch.setattr(pipeline, "_IN_PROCESS", 3)
    monkeypatch.setattr(pipeline, "_QUEUE_LIMIT", 4)
    corpus = tmp_path / "content"
    shutil.copytree(EXAMPLES, corpus)
    settings = Settings()
    count, results, _ = run([corpus], settings, jobs=1)
    expected = [(item.source, item.sha256, item.blocks) for item in results]
    assert len(expected) == count
    rng = random.Random(5)
    for lazy in (False, True):
        for trial in range(4):
            answered = {source for source, _, _ in expected if rng.random() < trial / 4}

            def skip(found: SourceFile, answered: set[str] = answered) -> Processed | None:
                if found.source not in answered:
                    return None
                return Processed(found.path, found.source, "skipped", [])

            count, results, _ = run([corpus], settings, jobs=2, skip=skip, lazy_pool=lazy)
            got = [(item.source, item.sha256) for item in results]
            assert got == [
                (source, "skipped" if source in answered else sha) for source, sha, _ in expected
            ]


def test_the_collision_index_finds_every_clash_and_names_the_first_document() -> None:
    subjects = [f"https://medigy.com/content/{n}" for n in range(5000)]
    collisions = Collisions(lambda position: (f"{position}.md", subjects[position]))
    clashes: list[tuple[int, Diagnostic]] = []
    order = [*range(5000), 17, 4999, 0]
    for position, index in enumerate(order):
        clash = collisions.check(f"{position}.md", subjects[index])
        if clash is not None:
            clashes.append((position, clash))
    assert [p for p, _ in clashes] == [5000, 5001, 5002]
    assert ["17.md" in d.message for _, d in clashes] == [True, False, False]
    assert "4999.md" in clashes[1][1].message and "0.md" in clashes[2][1].message
    assert collisions.check("0.md", None) is None


def test_a_digest_clash_between_different_iris_is_not_a_collision(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import medigraph.export as export_module

    class SameDigest:
        def __init__(self, data: bytes, digest_size: int) -> None:
            pass

        def digest(self) -> bytes:
            return bytes(8)  # 0: also checks that no digest is taken for an empty slot

    monkeypatch.setattr(export_module.hashlib, "blake2b", SameDigest)
    names = {0: ("0.md", "https://a.example/"), 1: ("1.md", "https://b.example/")}
    collisions = Collisions(lambda position: names[position])
    assert collisions.check("0.md", "https://a.example/") is None
    assert collisions.check("1.md", "https://b.example/") is None
    assert collisions.check("2.md", "https://a.example/") is not None


def test_an_abandoned_pool_leaves_no_worker_behind_and_none_replaced() -> None:
    """Ctrl-C ends the workers at once: Pool.terminate could wait forever on a queue lock a
    dying worker held, and the pool's own thread replaced workers that ended (orphans that
    kept the command's standard error open)."""
    import multiprocessing
    import time

    from medigraph.pipeline import abandon

    pool = multiprocessing.get_context("fork").Pool(2)
    pending = pool.map_async(time.sleep, [30, 30])
    time.sleep(0.3)
    workers = list(pool._pool)  # type: ignore[attr-defined]
    abandon(pool)
    time.sleep(0.5)  # the pool's worker thread, had it run, would have started new ones
    assert not any(worker.is_alive() for worker in workers)
    assert not any(worker.is_alive() for worker in pool._pool)  # type: ignore[attr-defined]
    assert not pending.ready()


def test_jobs_beyond_four_per_core_start_no_more_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """-j 100000 forked until the process table was full: the work is CPU bound, so the
    pool stops at four workers per core."""
    from medigraph import pipeline

    monkeypatch.setattr(pipeline, "default_jobs", lambda: 2)
    pool = pipeline.worker_pool(50, pipeline._init_worker, (pipeline.Settings(), False))
    try:
        assert len(pool._pool) == 8  # type: ignore[attr-defined]
    finally:
        pipeline.abandon(pool)


def test_ctrl_c_while_the_command_line_is_imported_is_130_without_a_traceback() -> None:
    """The console script's first tenth of a second imports click and the command line:
    a Ctrl-C then ended with a Python traceback. Made certain here by an import that is
    interrupted."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'medigraph.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from medigraph._entry import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (130, "medigraph: interrupted\n")


def _signal_masks(pid: int) -> tuple[int, int]:
    """(caught, blocked): the signal masks Linux shows for a process."""
    fields = dict(
        line.split(":\t", 1)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":\t" in line
    )
    return int(fields["SigCgt"], 16), int(fields["SigBlk"], 16)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
def test_workers_die_of_sigterm_by_default_though_the_command_catches_it() -> None:
    """The command turns SIGTERM and SIGHUP into Ctrl-C (medigraph.cli); its workers, forked
    with that Python handler, could lose the SIGTERM that ``Pool.terminate`` ends them with,
    and ``validate`` hung for good waiting for one. They are forked with both blocked and
    at their default, unblocked once started; this process keeps its handler and its mask."""
    import signal
    import threading
    from types import FrameType

    from medigraph.pipeline import STOPPING, ignore_interrupts, worker_pool

    def handler(_number: int, _frame: FrameType | None) -> None:
        raise AssertionError("the test process got a stop signal")

    before_mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    previous = {number: signal.signal(number, handler) for number in STOPPING}
    try:
        pool = worker_pool(2, ignore_interrupts, ())
        try:
            assert all(signal.getsignal(number) is handler for number in STOPPING)
            assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before_mask
            bits = sum(1 << (number - 1) for number in STOPPING)
            deadline = time.monotonic() + 20
            while True:  # each worker runs ignore_interrupts once it has started
                masks = [_signal_masks(worker.pid) for worker in pool._pool]  # type: ignore[attr-defined]
                if all(not (caught | blocked) & bits for caught, blocked in masks):
                    break
                assert time.monotonic() < deadline, [(hex(c), hex(b)) for c, b in masks]
                time.sleep(0.05)
        finally:
            ended = threading.Thread(target=pool.terminate, daemon=True)
            ended.start()
            ended.join(timeout=60)
        assert not ended.is_alive(), "Pool.terminate did not end the workers"
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def test_failed_parallel_runs_leave_no_thread_nor_descriptor_behind(tmp_path: Path) -> None:
    """A long-lived process (a notebook, a web app) whose export or validate fails with its
    workers running abandons their pool: it kept the pool's task and result threads and their
    pipes, two threads and about a dozen descriptors per failed run, for good."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    content = tmp_path / "content"
    subprocess.run(
        [sys.executable, str(root / "benchmarks" / "generate.py"), "100", "--out", str(content)],
        check=True,
        capture_output=True,
    )
    script = f"""
import gc, os, threading
from medigraph.export import export
from medigraph.validation import validate

def boom(_):
    raise RuntimeError("boom")

def count():
    gc.collect()
    return threading.active_count(), len(os.listdir("/proc/self/fd"))

calls = [
    lambda: validate([{str(content)!r}], jobs=2, batch_size=5, on_document=boom),
    lambda: export([{str(content)!r}], {str(tmp_path / "o.nq")!r}, jobs=2, on_document=boom),
]
before = count()
for _ in range(3):
    for call in calls:
        try:
            call()
        except RuntimeError:
            pass
        else:
            raise AssertionError("the callback's error was not raised")
print(before, count())
"""
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.strip().split(") (")
    assert before + ")" == "(" + after, done.stdout
    assert "Exception ignored" not in done.stderr and "Warning" not in done.stderr, done.stderr
