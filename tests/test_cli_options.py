"""The command line says the same situation the same way from command to command: fatal errors
as ``Error: …``, standard output by that name, a likely meaning for a mistyped name, and only
the options of the command at hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from medigraph.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "content"


def test_validate_says_a_fatal_error_as_the_other_commands_do(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for command in ("export", "validate"):
        done = CliRunner().invoke(cli, [command, str(empty), "-o", str(tmp_path / "x.ttl")])
        assert done.exit_code == 2, done.output
        assert done.stderr.startswith("Error: no documents (*.md"), (command, done.stderr)
    (tmp_path / "file").write_text("", encoding="utf-8")
    unwritable = tmp_path / "file" / "report.txt"  # a folder that is a file
    done = CliRunner().invoke(cli, ["validate", str(EXAMPLES), "-o", str(unwritable), "-j", "1"])
    assert done.exit_code == 2
    assert done.stderr.startswith(f"Error: cannot write {unwritable}: "), done.stderr


def test_validate_refuses_a_report_onto_a_folder_before_validating(tmp_path: Path) -> None:
    """A link to a folder was replaced by the report (after the whole validation); a folder
    was said to be one only after it."""
    (tmp_path / "target").mkdir()
    (tmp_path / "dirlink").symlink_to("target")
    for output, what in [("dirlink", "a link to a folder"), ("target", "a folder")]:
        report = tmp_path / output
        done = CliRunner().invoke(cli, ["validate", str(EXAMPLES), "-o", str(report), "-j", "1"])
        assert done.exit_code == 2
        assert done.stderr == f"Error: cannot write {report}: is {what}, not a file\n"
    assert (tmp_path / "dirlink").is_symlink() and not any((tmp_path / "target").iterdir())


def _on_a_terminal(args: list[str]) -> str:
    """What the command shows when its standard output and error are one terminal."""
    import os
    import pty

    from tests._robust import medigraph_command

    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm", NO_COLOR="1", COLUMNS="120")
    process = subprocess.Popen(
        [*medigraph_command(), *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    shown = bytearray()
    while True:
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not data:
            break
        shown += data
    os.close(master)
    assert process.wait(timeout=120) == 0
    return shown.decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_no_progress_bar_is_drawn_into_a_dump_written_to_the_terminal(tmp_path: Path) -> None:
    """With -o - on a terminal the bar (on stderr, the same terminal) was drawn into the
    dump's lines; it is still drawn when the dump goes to a file."""
    to_file = _on_a_terminal(["export", str(EXAMPLES), "-o", str(tmp_path / "d.nt"), "-j", "1"])
    assert "exporting" in to_file  # the bar, on a terminal
    shown = _on_a_terminal(["export", str(EXAMPLES), "-o", "-", "--format", "nt", "-j", "1"])
    assert "<https://medigy.com/" in shown and "exporting" not in shown
    if Path("/dev/stdout").exists():  # another name for it: the same terminal
        args = ["export", str(EXAMPLES), "-o", "/dev/stdout", "--format", "nt", "-j", "1"]
        shown = _on_a_terminal([*args, "--no-cache", "--no-store"])
        assert "<https://medigy.com/" in shown and "exporting" not in shown


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", ["export", "validate"])
def test_a_full_standard_output_is_called_standard_output(command: str) -> None:
    from tests._robust import medigraph_command

    args = [*medigraph_command(), command, str(EXAMPLES), "-q", "-j", "1"]
    if command == "export":
        args += ["-o", "-", "--no-cache"]
    with open("/dev/full", "wb") as full:
        done = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "Error: cannot write standard output: No space left on device"
    )


def test_a_refused_export_to_standard_output_says_standard_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not "- was not written", nor "- was left as it was" because a file named - happens to
    be in the current folder."""
    content = tmp_path / "content"
    content.mkdir()
    for doc in sorted(EXAMPLES.rglob("*.md"))[:3]:
        (content / doc.name).write_bytes(doc.read_bytes())
    (content / "notes.md").write_text("hello\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_text("a file named -\n", encoding="utf-8")
    done = CliRunner().invoke(
        cli, ["export", str(content), "-o", "-", "--validate", "--no-cache", "-j", "1"]
    )
    assert done.exit_code == 1 and done.stdout == ""
    assert done.stderr.rstrip().endswith("so nothing was written."), done.stderr
    assert "left as it was" not in done.stderr and "not written" not in done.stderr
    assert (tmp_path / "-").read_text(encoding="utf-8") == "a file named -\n"


def test_a_mistyped_command_gets_its_likely_meaning() -> None:
    done = CliRunner().invoke(cli, ["exprot", str(EXAMPLES)])
    assert done.exit_code == 2
    assert "Error: No such command 'exprot'. (Did you mean 'export'?)" in done.stderr
    far = CliRunner().invoke(cli, ["frobnicate"])
    assert far.exit_code == 2
    assert far.stderr.strip().splitlines()[-1] == "Error: No such command 'frobnicate'."


def test_a_mistyped_saved_query_gets_its_likely_meaning() -> None:
    done = CliRunner().invoke(cli, ["query", "communitiez"])
    assert done.exit_code == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "Error: no saved query named 'communitiez' (did you mean 'communities'?); see"
        " `medigraph query --list`"
    )
    far = CliRunner().invoke(cli, ["query", "zzzzzz"])
    assert far.exit_code == 2
    assert far.stderr.strip().splitlines()[-1] == (
        "Error: no saved query named 'zzzzzz'; see `medigraph query --list`"
    )


def test_triples_refused_as_csv_are_told_every_format_they_take(tmp_path: Path) -> None:
    done = CliRunner().invoke(
        cli,
        ["query", "--store", str(tmp_path), "CONSTRUCT WHERE { ?s a ?c }", "--format", "csv"],
    )
    assert done.exit_code == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "Error: a CONSTRUCT or DESCRIBE query gives triples: use --format turtle, ntriples or"
        " table, not csv"
    )


def test_a_password_without_a_user_is_told_with_the_options_of_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """query has no --user: it is told of MEDIGRAPH_USER only; push of its --user too."""
    monkeypatch.delenv("MEDIGRAPH_USER", raising=False)
    monkeypatch.setenv("MEDIGRAPH_PASSWORD", "x")
    url = "http://127.0.0.1:9/q"
    asked = CliRunner().invoke(cli, ["query", "--endpoint", url, "ASK {}"])
    assert asked.exit_code == 2
    assert asked.stderr.strip().splitlines()[-1] == (
        "Error: a password is set but no user: set MEDIGRAPH_USER"
    )
    pushed = CliRunner().invoke(cli, ["push", str(EXAMPLES), "--endpoint", url])
    assert pushed.exit_code == 2
    assert pushed.stderr.strip().splitlines()[-1] == (
        "Error: a password is set but no user: set MEDIGRAPH_USER (or give --user)"
    )


BAD_BASES = [
    ("https://example.com/\u202ex/", "a bidirectional formatting character no IRI may hold"),
    ("https://example.com/x\u200f/", "(U+200F)"),
    ("https://example.com/\u2066x/", "(U+2066)"),
    ("https://example.com/#/", "'#' starts a fragment"),
    ("https://example.com/?q=/", "'?' starts a query"),
    ("https:///", "it names no host"),
    ("https://x.org:99999/", "its port '99999' is not a number from 0 to 65535"),
    ("https://x.org/a/../", "'.' or '..' segment"),
]


@pytest.mark.parametrize(("base", "why"), BAD_BASES)
@pytest.mark.parametrize(
    "command",
    [
        ["export", str(EXAMPLES), "-o", "-", "--no-store"],
        ["validate", str(EXAMPLES)],
        ["validate", "--graph", str(ROOT / "ontology" / "medigy.ttl")],
        ["push", str(EXAMPLES), "--endpoint", "http://127.0.0.1:9/q"],
        ["query", "--store", "no-store", "ASK {}"],
        ["serve", "--store", "no-store"],
    ],
    ids=["export", "validate", "validate-graph", "push", "query", "serve"],
)
def test_a_base_no_iri_can_begin_with_is_refused_by_every_command(
    command: list[str], base: str, why: str
) -> None:
    """A bidi mark in --base was copied raw into every IRI (RFC 3987 forbids it); with
    ``#/`` or ``?q=/`` every IRI was a fragment or a query, and an image's address left
    basePath out; ``https:///`` and port 99999 name no site. All refused up front, exit 2."""
    done = CliRunner().invoke(cli, [*command, "--base", base])
    assert done.exit_code == 2, done.output
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: Invalid value for '--base': base IRI {base!r}: "), last
    assert why in last and done.stdout == ""


@pytest.mark.parametrize(("base", "why"), BAD_BASES)
def test_a_base_no_iri_can_begin_with_is_refused_by_the_python_api(base: str, why: str) -> None:
    from medigraph.mapping import MappingError, load_mapping
    from medigraph.push import PushError, push

    with pytest.raises(MappingError, match="base IRI") as refused:
        load_mapping(None, base=base)
    assert why in str(refused.value)
    # push's API raises PushError wherever the command exits 2, and before the store is asked
    with pytest.raises(PushError, match="base IRI"):
        push([EXAMPLES], endpoint="http://127.0.0.1:9/q", base=base)


@pytest.mark.parametrize(
    "base",
    [
        "https://medigy.com/",
        "https://x.org:8080/a/",
        "https://[::1]/",
        "file:///srv/site/",
        "https://münchen.de/é/",
        "https://x.org/a..b/",
    ],
)
def test_a_base_that_names_a_site_is_taken(base: str) -> None:
    from medigraph.mapping import check_base

    assert check_base(base) == base


def test_the_commands_threads_get_the_stack_the_query_limits_were_measured_on() -> None:
    """The nesting and chain limits hold on a 2 MiB stack or more; a C library's default
    thread stack may be far smaller (musl: 128 KiB), so the command sets its own."""
    probe = (
        "import threading, medigraph.cli as c, sys\n"
        "sys.argv = ['medigraph', '--version']\n"
        "try:\n    c.main()\nexcept SystemExit:\n    pass\n"
        "print(threading.stack_size())\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == str(8 << 20), done.stderr
