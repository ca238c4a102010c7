"""Framing: how a file holds (or fails to hold) its front matter. Each case is either supported
explicitly (same graph as the plain file) or rejected with a diagnostic naming the file (and the
line, where the file has lines), exit code 1 — and the other documents are exported unchanged:
the dump is byte-identical to the export made without the bad file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from medigraph.diagnostics import Severity
from medigraph.validation import validate
from tests._robust import EXAMPLES, SEED, export_to, parse_dump, run_cli

GOOD = [
    SEED,
    EXAMPLES
    / "communities/health-information-exchange/news/f7cce5fd-033c-5561-936b-fac44450ab5f.md",
]
SEED_BYTES = SEED.read_bytes()


def _corpus(root: Path) -> Path:
    root.mkdir(parents=True)
    for file in GOOD:
        shutil.copy(file, root / file.name)
    return root


# name → (make the bad entry at this path, expected (code, line) of the one error; line None
# for file-system errors that have no line)
Maker = Callable[[Path], None]


def _write(data: bytes) -> Maker:
    return lambda path: path.write_bytes(data)


def _cp1252(path: Path) -> None:
    text = SEED_BYTES.decode().replace("title: Three Actions", "title: Caf\u00e9 Actions", 1)
    path.write_bytes(text.encode("cp1252", errors="replace"))


def _directory(path: Path) -> None:
    path.mkdir()


def _self_loop(path: Path) -> None:
    path.symlink_to(path.name)


def _dangling(path: Path) -> None:
    path.symlink_to("nowhere/at/all.md")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


SEED_TEXT = SEED_BYTES.decode()
TITLE_LINE = (
    SEED_TEXT.split("\n").index(next(x for x in SEED_TEXT.split("\n") if x.startswith("title:")))
    + 1
)

REJECTED: dict[str, tuple[Maker, str, int | None, str]] = {
    "toml.md": (_write(b'+++\ntitle = "x"\n+++\nbody\n'), "read.framing", 1, "TOML"),
    "unclosed.md": (
        _write(SEED_BYTES.split(b"\n---\n")[0] + b"\n"),
        "read.framing",
        1,
        "never closed",
    ),
    "text-first.md": (_write(b"Intro\n" + SEED_BYTES), "read.framing", 2, "front matter"),
    "empty-fm.md": (_write(b"---\n---\n<p>x</p>\n"), "read.yaml", 1, "empty"),
    "comment-fm.md": (_write(b"---\n# only a comment\n\n---\n<p>x</p>\n"), "read.yaml", 1, "empty"),
    "list-fm.md": (_write(b"---\n- a\n- b\n---\n"), "read.yaml", 2, "key: value"),
    "cp1252.md": (_cp1252, "read.encoding", TITLE_LINE, "UTF-8"),
    "zero.md": (_write(b""), "read.framing", 1, "empty"),
    "loop.md": (_self_loop, "read.io", None, "symbolic links"),
    "dangling.md": (_dangling, "read.io", None, "No such file"),
    "fifo.md": (_fifo, "read.io", None, "regular file"),
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_rejected_framing(name: str, tmp_path: Path) -> None:
    make, code, line, words = REJECTED[name]
    alone = _corpus(tmp_path / "a" / "corpus")
    with_bad = _corpus(tmp_path / "b" / "corpus")
    make(with_bad / name)

    base = export_to([alone], tmp_path / "a.ttl")
    report = export_to([with_bad], tmp_path / "b.ttl")

    errs = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    assert [(d.path, d.line, d.code) for d in errs] == [(str(with_bad / name), line, code)], [
        d.format() for d in report.diagnostics
    ]
    assert words in errs[0].message
    assert report.rejected == 1 and report.exit_code == 1
    assert report.exported == base.exported == len(GOOD)
    assert (tmp_path / "b.ttl").read_bytes() == (tmp_path / "a.ttl").read_bytes()


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads a chmod 000 file; dangling.md/loop.md cover read errors as root")
    corpus = _corpus(tmp_path / "corpus")
    bad = corpus / "secret.md"
    bad.write_bytes(SEED_BYTES)
    bad.chmod(0)
    try:
        report = export_to([corpus], tmp_path / "out.ttl")
    finally:
        bad.chmod(0o644)
    errs = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    assert [(d.path, d.code) for d in errs] == [(str(bad), "read.io")]
    assert report.exit_code == 1 and report.exported == len(GOOD)


@pytest.mark.parametrize(
    "variant",
    [
        lambda b: b"\xef\xbb\xbf" + b,
        lambda b: b.replace(b"\n", b"\r\n"),
        lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"),
    ],
    ids=["bom", "crlf", "bom+crlf"],
)
def test_supported_variants_give_the_same_graph(
    variant: Callable[[bytes], bytes], tmp_path: Path
) -> None:
    plain = tmp_path / "plain" / "doc.md"
    other = tmp_path / "other" / "doc.md"
    plain.parent.mkdir()
    other.parent.mkdir()
    plain.write_bytes(SEED_BYTES)
    other.write_bytes(variant(SEED_BYTES))
    a = export_to([plain.parent], tmp_path / "a.ttl")
    b = export_to([other.parent], tmp_path / "b.ttl")
    assert a.exit_code == b.exit_code == 0
    assert [d.format().replace("other", "plain") for d in b.diagnostics] == [
        d.format() for d in a.diagnostics
    ], "same diagnostics, same lines"
    assert (tmp_path / "b.ttl").read_bytes() == (tmp_path / "a.ttl").read_bytes()
    assert len(parse_dump(tmp_path / "a.ttl", "ttl")) > 50


@pytest.mark.parametrize(
    "lead", [b"\n", b"\n\n\n", b" \t\n\n", b"\r\n\r\n"], ids=["one", "three", "spaces", "crlf"]
)
def test_blank_lines_before_the_front_matter_are_read_at_their_lines(
    lead: bytes, tmp_path: Path
) -> None:
    """Hugo (and python-frontmatter) pass over blank lines above the opening ---: such a page
    is published, so it is read (it was rejected: "front matter must start on the first
    line"), the same graph as without them, each diagnostic at the file's own line."""
    plain = tmp_path / "plain" / "doc.md"
    other = tmp_path / "other" / "doc.md"
    plain.parent.mkdir()
    other.parent.mkdir()
    mistake = SEED_BYTES.replace(b"\ntitle: Three", b"\ntitel: Three")
    plain.write_bytes(mistake)
    other.write_bytes(lead + mistake)
    a = export_to([plain.parent], tmp_path / "a.ttl")
    b = export_to([other.parent], tmp_path / "b.ttl")
    assert a.exit_code == b.exit_code == 0 and b.exported == 1
    # the same graph, but for the digest of the file's text, which the blank lines are part of
    digest = hashlib.sha256(lead.replace(b"\r\n", b"\n") + mistake).hexdigest().encode()
    plain_digest = hashlib.sha256(mistake).hexdigest().encode()
    assert digest in (tmp_path / "b.ttl").read_bytes()
    assert (tmp_path / "b.ttl").read_bytes().replace(digest, plain_digest) == (
        tmp_path / "a.ttl"
    ).read_bytes()
    shift = lead.count(b"\n")
    assert [(d.line, d.key) for d in b.diagnostics] == [(TITLE_LINE + shift, "titel")]
    # a key that is missing is told at the opening ---, not at a blank line above it
    report = validate([other.parent], jobs=1)
    told = {(d.key, d.line, d.severity) for d in report.diagnostics}
    assert ("title", 1 + shift, Severity.ERROR) in told
    assert ("titel", TITLE_LINE + shift, Severity.WARNING) in told


def test_crlf_keeps_line_numbers_of_diagnostics(tmp_path: Path) -> None:
    text = SEED_BYTES.replace(b"title: Three", b"title: Three\r\ntitle: Again").replace(
        b"\n", b"\r\n"
    )
    (tmp_path / "doc.md").write_bytes(text.replace(b"\r\r\n", b"\r\n"))
    report = export_to([tmp_path], tmp_path / "out.ttl")
    dup = [d for d in report.diagnostics if d.code == "read.duplicate-key"]
    assert [(d.line, d.key) for d in dup] == [(TITLE_LINE + 1, "title")]


def test_folder_named_md_is_a_folder(tmp_path: Path) -> None:
    """A directory called x.md is walked like any folder: its documents are read, the folder
    itself is not mistaken for a document."""
    corpus = _corpus(tmp_path / "corpus")
    inner = corpus / "x.md"
    inner.mkdir()
    (inner / "inside.md").write_bytes(
        SEED_BYTES.replace(b"mdName: d12da9f4", b"mdName: inside-d12da9f4")
    )
    report = export_to([corpus], tmp_path / "out.ttl")
    assert report.exit_code == 0 and report.exported == len(GOOD) + 1
    subjects = {q.subject.value for q in parse_dump(tmp_path / "out.ttl", "ttl")}
    assert any(s.endswith("/content/inside-d12da9f4-80a4-53d7-ad46-1e538af2b729") for s in subjects)


def test_folder_symlink_loop_is_not_followed(tmp_path: Path) -> None:
    """Symlinked folders are not followed: a loop cannot hang the run or repeat documents."""
    corpus = _corpus(tmp_path / "corpus")
    (corpus / "again").symlink_to(".")
    (corpus / "up").symlink_to("..")
    base = export_to([_corpus(tmp_path / "plain")], tmp_path / "a.ttl")
    report = export_to([corpus], tmp_path / "b.ttl")
    assert report.exit_code == 0 and report.exported == base.exported == len(GOOD)
    assert (tmp_path / "b.ttl").read_bytes() == (tmp_path / "a.ttl").read_bytes()


def test_cli_all_bad_files_together(tmp_path: Path) -> None:
    """Through the command line: exit 1, one ``path:line: error:`` line per bad file on stderr,
    and the good documents exported exactly as without the bad ones."""
    alone = _corpus(tmp_path / "a" / "corpus")
    corpus = _corpus(tmp_path / "b" / "corpus")
    for name, (make, _code, _line, _words) in REJECTED.items():
        make(corpus / name)
    ok = run_cli("export", str(alone), "-o", str(tmp_path / "a.ttl"), "--no-store", cwd=tmp_path)
    bad = run_cli("export", str(corpus), "-o", str(tmp_path / "b.ttl"), "--no-store", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert bad.returncode == 1, bad.stderr
    for name, (_make, _code, line, _words) in REJECTED.items():
        where = f"{corpus / name}:{line}: error: " if line else f"{corpus / name}: error: "
        assert where in bad.stderr, (name, bad.stderr)
    assert (tmp_path / "b.ttl").read_bytes() == (tmp_path / "a.ttl").read_bytes()


def test_an_invisible_character_before_the_front_matter_is_named_at_line_one() -> None:
    from medigraph.documents import parse_document

    for raw in (
        b"\xef\xbb\xbf\xef\xbb\xbf---\ntitle: t\n---\n",
        "\u200b---\ntitle: t\n---\n".encode(),
    ):
        doc, problems = parse_document(raw, "d.md")
        assert doc is None
        assert [(p.line, p.code) for p in problems] == [(1, "read.framing")]
        assert "invisible character" in problems[0].message
    # a Markdown file with a rule further down has no front matter: told at the top
    doc, problems = parse_document(b"# Title\n\nText\n\n---\n\nMore\n", "d.md")
    assert [(p.line, p.message) for p in problems] == [
        (1, "no front matter: the file must start with a --- line")
    ]


def test_cr_only_line_ends_are_named_not_taken_for_no_front_matter() -> None:
    """Classic Mac OS files end lines with CR alone: the file does start with ---."""
    from medigraph.documents import parse_document

    doc, problems = parse_document(SEED_BYTES.replace(b"\n", b"\r"), "d.md")
    assert doc is None
    assert [(p.line, p.code, p.message) for p in problems] == [
        (
            1,
            "read.framing",
            "the file's lines end with CR alone (classic Mac OS line endings), not LF; save it"
            " with LF (Unix) line endings",
        )
    ]


def test_a_stray_boundary_inside_the_front_matter_is_named_at_its_line(tmp_path: Path) -> None:
    """A --- between two keys ends the front matter there (for Hugo too): the keys below it
    became the page's text, the export said nothing (exit 0, a document with no title) and
    validate only "title is missing" at line 1. The --- is named, with the keys it cut off;
    a body that merely starts with a colon, or holds a rule, is no such case."""
    text = SEED_TEXT.replace("\nmastHead: ", "\n---\nmastHead: ", 1)
    stray = text.split("\n").index("---", 1) + 1
    (tmp_path / "doc.md").write_text(text, encoding="utf-8")
    report = export_to([tmp_path], tmp_path / "out.ttl")
    assert report.exit_code == 0
    assert [(d.line, d.key, d.severity, d.code) for d in report.diagnostics] == [
        (stray, None, Severity.WARNING, "read.framing")
    ]
    message = report.diagnostics[0].message
    assert message.startswith("the front matter ends at this ---, but 13 keys follow it")
    assert (
        f"(mastHead, mdName, openProjectCustomFields, …), up to another --- on line {stray + 19}"
        in message
    )
    checked = validate([tmp_path], jobs=1)
    assert (stray, None, Severity.WARNING) in {
        (d.line, d.key, d.severity) for d in checked.diagnostics
    }
    for body in (
        "Note: one line\n\n---\n\nMore text\n",
        "Q: a\n\nplain\n",
        "Date: today\nPlace: here\n\nText.\n\n---\n",
        "\nDate: today\nPlace: here\n---\n",
    ):
        (tmp_path / "doc.md").write_text(SEED_TEXT.split("\n---\n", 1)[0] + "\n---\n" + body)
        assert export_to([tmp_path], tmp_path / "out.ttl").diagnostics == []
