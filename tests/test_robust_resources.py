"""Resource attacks and interrupted exports.

Each hostile front matter is exported in a fresh subprocess that measures its own CPU time
(process_time: the time it ran, not the time it waited for a core on a loaded machine, which
made a wall-clock limit flake) and memory (growth of the peak RSS, and tracemalloc's peak for
Python objects): rejected with a diagnostic within 2 s of CPU and 200 MB, nothing executed.
An attack that got through (a billion laughs expanded, 10 MB parsed) takes minutes. An export killed with
SIGKILL while writing leaves the previous dump byte-identical.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests._robust import SEED, medigraph_command, parse_dump

SEED_BYTES = SEED.read_bytes()


def _laughs() -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


SENTINEL = "medigraph-robust-sentinel"

ATTACKS = {
    # name: (front matter, expected code, words in the message)
    "billion-laughs": (_laughs(), "read.limits", "alias bomb"),
    "10MB": ("title: x\ndescription: " + "y" * (10 << 20) + "\n", "read.limits", "larger than"),
    "deep-flow": ("title: " + "[" * 1000 + "]" * 1000 + "\n", "read.yaml", "nesting"),
    "deep-block": (
        "title:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(999)) + " " * 1000 + "a: x\n",
        "read.yaml",
        "nesting",
    ),
    "deep-block-100": (
        "title:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(99)) + " " * 100 + "a: x\n",
        "read.limits",
        "nested deeper",
    ),
    "python-tag": (
        f"title: !!python/object/apply:os.system ['touch {SENTINEL}']\n",
        "read.yaml",
        "tag",
    ),
    "python-name-tag": (
        "title: x\ncall: !!python/name:os.system\n",
        "read.yaml",
        "tag",
    ),
}

PROBE = r"""
import json, resource, sys, time, tracemalloc
from medigraph.export import export
source, out = sys.argv[1], sys.argv[2]
export([SEED_DIR], out + ".warm.ttl", jobs=1)  # imports and first-call costs out of the measure
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
started = time.process_time()
report = export([source], out, jobs=1)
seconds = time.process_time() - started
peak = tracemalloc.get_traced_memory()[1]
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
print(json.dumps({
    "seconds": seconds, "traced": peak, "rss_growth": grown,
    "rejected": report.rejected, "exit": report.exit_code,
    "diagnostics": [[d.path, d.line, d.key, d.code, d.message] for d in report.diagnostics],
}))
"""


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_rejected_fast_and_small(name: str, tmp_path: Path) -> None:
    front_matter, code, words = ATTACKS[name]
    source = tmp_path / "corpus" / f"{name}.md"
    source.parent.mkdir()
    source.write_text("---\n" + front_matter + "---\n<p>x</p>\n", encoding="utf-8")
    warm = tmp_path / "warm"
    warm.mkdir()
    (warm / "seed.md").write_bytes(SEED_BYTES)
    probe = PROBE.replace("SEED_DIR", repr(str(warm)))
    done = subprocess.run(
        [sys.executable, "-c", probe, str(source), str(tmp_path / "out.ttl")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["seconds"] < 2.0, result["seconds"]
    assert result["traced"] < 200 << 20, result["traced"]
    assert result["rss_growth"] < 200 << 20, result["rss_growth"]
    assert result["rejected"] == 1 and result["exit"] == 1
    errors = [d for d in result["diagnostics"] if d[3] == code]
    assert errors, result["diagnostics"]
    path, line, _key, _code, message = errors[0]
    assert path == str(source) and isinstance(line, int) and line >= 1
    assert words in message
    assert not (tmp_path / SENTINEL).exists(), "the YAML tag was executed"
    assert parse_dump(tmp_path / "out.ttl", "ttl") == set()


def _big_corpus(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for index in range(count):
        text = SEED_BYTES.replace(b"mdName: d12da9f4", b"mdName: n%05d-d12da9f4" % index)
        (folder / f"doc{index:05d}.md").write_bytes(text)


def _size(path: Path) -> int:
    """The size of a file another process may remove between listing and looking (the
    export's check that its output folder can be written creates and removes a file there):
    0 when it is gone."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def test_killed_export_leaves_previous_dump_intact(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    dump = out_dir / "dump.ttl"
    small = tmp_path / "small"
    small.mkdir()
    (small / "seed.md").write_bytes(SEED_BYTES)
    command = [*medigraph_command(), "export", "--no-store", "-q", "-j", "1", "-o", str(dump)]
    first = subprocess.run(
        [*command, str(small)], cwd=tmp_path, capture_output=True, timeout=120, check=False
    )
    assert first.returncode == 0, first.stderr
    previous = dump.read_bytes()

    big = tmp_path / "big"
    _big_corpus(big, 3000)
    process = subprocess.Popen([*command, str(big)], cwd=tmp_path, stderr=subprocess.DEVNULL)
    killed_with_temp = None
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and process.poll() is None:
            temps = [p for p in out_dir.iterdir() if p.name != "dump.ttl"]
            if temps and any(_size(p) > 0 for p in temps):
                os.kill(process.pid, signal.SIGKILL)
                killed_with_temp = temps
                break
            time.sleep(0.002)
    finally:
        if process.poll() is None and killed_with_temp is None:
            process.kill()
        process.wait(timeout=30)
    if killed_with_temp is None:
        pytest.fail(
            "the export finished before its temporary file was seen; make the corpus larger"
        )
    assert process.returncode == -signal.SIGKILL

    assert dump.read_bytes() == previous, "the previous dump must survive a killed export"
    leftovers = [p for p in out_dir.iterdir() if p.name != "dump.ttl"]
    # the partial file is hidden, named for what it is, and never the dump itself
    assert all(p.name.startswith(".dump.ttl.") and p.name.endswith(".tmp") for p in leftovers)
    # …and a later run neither reads it as content nor is disturbed by it
    again = subprocess.run(
        [*command, str(small)], cwd=tmp_path, capture_output=True, timeout=120, check=False
    )
    assert again.returncode == 0, again.stderr
    assert dump.read_bytes() == previous
    # …and removes what the killed run left (its process is gone), so nothing piles up.
    assert leftovers, "the killed run should have left its temporary file"
    assert [p.name for p in out_dir.iterdir()] == ["dump.ttl"]


def test_a_live_or_foreign_temporary_file_is_left_alone(tmp_path: Path) -> None:
    from medigraph.writers import _temporary_prefix, atomic_output

    target = tmp_path / "dump.ttl"
    dead = subprocess.Popen(["true"])
    dead.wait()
    mine_dead = tmp_path / f"{_temporary_prefix(target, dead.pid)}abc.tmp"
    mine_live = tmp_path / f"{_temporary_prefix(target, os.getppid())}def.tmp"
    foreign = tmp_path / ".dump.ttl.other-host.1.ghi.tmp"
    other_file = tmp_path / f"{_temporary_prefix(tmp_path / 'other.ttl', dead.pid)}jkl.tmp"
    for path in (mine_dead, mine_live, foreign, other_file):
        path.write_bytes(b"partial")
    with atomic_output(target) as stream:
        stream.write(b"done\n")
    assert target.read_bytes() == b"done\n"
    assert not mine_dead.exists()
    assert mine_live.exists() and foreign.exists() and other_file.exists()


def test_a_temporary_file_an_older_version_left_is_removed_and_nothing_else(
    tmp_path: Path,
) -> None:
    """Before temporary files were named by host and process, they were ``.NAME.`` and
    mkstemp's 8 characters, then ``.tmp``: one left by a killed run of such a version stayed
    beside the dump for good. The next run removes it, once it has not been written for a
    while (an older version's run still writing it is left alone); a name of another form, of
    another dump, anything but a plain file, or anything outside the output folder, never."""
    from medigraph.writers import atomic_output

    target = tmp_path / "out" / "dump.ttl"
    target.parent.mkdir()
    hour_ago = time.time() - 2 * 3600

    def left(path: Path, old: bool = True) -> Path:
        path.write_bytes(b"partial")
        if old:
            os.utime(path, (hour_ago, hour_ago))
        return path

    stale = left(target.parent / ".dump.ttl.k3_9xq0a.tmp")
    kept = [
        left(target.parent / ".dump.ttl.k3_9xq0b.tmp", old=False),  # being written now
        left(target.parent / ".dump.ttl.k3_9xq0.tmp"),  # 7 characters
        left(target.parent / ".dump.ttl.K3_9XQ0A.tmp"),  # mkstemp's are lower case
        left(target.parent / ".dump.ttl.k3_9xq0a.tmp.bak"),
        left(target.parent / "dump.ttl.k3_9xq0a.tmp"),
        left(target.parent / ".other.ttl.k3_9xq0a.tmp"),
        left(target.parent / ".dump.ttlx.k3_9xq0a.tmp"),
        left(tmp_path / ".dump.ttl.k3_9xq0a.tmp"),  # outside the output folder
    ]
    (target.parent / "sub").mkdir()
    kept.append(left(target.parent / "sub" / ".dump.ttl.k3_9xq0a.tmp"))
    folder = target.parent / ".dump.ttl.abcdefgh.tmp"
    folder.mkdir()
    os.utime(folder, (hour_ago, hour_ago))
    elsewhere = left(tmp_path / "precious")
    link = target.parent / ".dump.ttl.zzzzzzzz.tmp"
    link.symlink_to(elsewhere)
    os.utime(link, (hour_ago, hour_ago), follow_symlinks=False)
    kept += [folder, link, elsewhere]
    with atomic_output(target) as stream:
        stream.write(b"done\n")
    assert target.read_bytes() == b"done\n"
    assert not stale.exists()
    assert all(os.path.lexists(p) for p in kept), [p.name for p in kept if not p.exists()]
    assert elsewhere.read_bytes() == b"partial"


def test_a_file_over_the_size_limit_is_refused_and_the_run_goes_on(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from medigraph.cli import cli
    from medigraph.documents import MAX_FILE_BYTES

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed.md").write_bytes(SEED_BYTES)
    with open(corpus / "huge.md", "wb") as stream:  # sparse: large to stat, nothing on disk
        stream.write(SEED_BYTES)
        stream.truncate(MAX_FILE_BYTES + 1)
    for command in ("export", "validate"):
        arguments = [command, str(corpus)]
        if command == "export":
            arguments += ["-o", str(tmp_path / "out.ttl"), "--no-store", "-j", "1"]
        result = CliRunner().invoke(cli, arguments)
        assert result.exit_code == 1, result.output
        lines = [line for line in result.output.splitlines() if "huge.md" in line]
        assert len(lines) == 1 and "error: file is larger than 32 MiB" in lines[0], lines
    assert len(parse_dump(tmp_path / "out.ttl", "ttl")) > 50  # the seed is exported


@pytest.mark.parametrize("depth", [600, 1000, 5000])
def test_json_text_nested_too_deeply_is_a_diagnostic_not_a_crash(
    tmp_path: Path, depth: int
) -> None:
    """Beyond ~1 100 levels json.loads gives up; below, it decodes, and reading the decoded
    list overflowed the stack (an internal error): both are the same map.json error."""
    from click.testing import CliRunner

    from medigraph.cli import cli

    deep = "[" * depth + "]" * depth
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed.md").write_bytes(SEED_BYTES)
    text = SEED_BYTES.decode().replace("mdName: d12da9f4", "mdName: deep-d12da9f4")
    text = text.replace("communityTopics:", f"communityTopics: '{deep}'\nwasTopics:", 1)
    (corpus / "deep.md").write_text(text)
    line = text.splitlines().index(f"communityTopics: '{deep}'") + 1
    for command in ("export", "validate"):
        arguments = [command, str(corpus)]
        if command == "export":
            arguments += ["-o", str(tmp_path / "out.ttl"), "--no-store", "-j", "1"]
        result = CliRunner().invoke(cli, arguments)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output and "internal error" not in result.output
        at = [row for row in result.output.splitlines() if row.startswith(f"{corpus}/deep.md")]
        assert any(f"deep.md:{line}: error: communityTopics:" in row for row in at), at
        assert all(len(row) < 700 for row in at)  # the 10 KB value is not printed whole
    assert len(parse_dump(tmp_path / "out.ttl", "ttl")) > 50


def test_json_text_is_read_as_deep_as_front_matter_may_be() -> None:
    """A JSON list in text is held to YAML's limit (MAX_DEPTH levels), not to the stack's."""
    from medigraph.convert import _json_list
    from medigraph.documents import MAX_DEPTH

    def nested(depth: int) -> str:
        return "[" * depth + '"KLAS: Telehealth"' + "]" * depth

    assert _json_list(nested(1)) == ["KLAS: Telehealth"]
    assert _json_list(nested(MAX_DEPTH)) is not None
    assert _json_list(nested(MAX_DEPTH + 1)) is None
