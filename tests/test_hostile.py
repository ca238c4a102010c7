"""Hostile identifiers: slugs, ids, mdNames, names and URLs such as ``a b``, ``a>b``, ``{x}``,
``a\\nb``, ``%zz``, ``#``, ``?``, empty, 300 characters, ``é``, ``../../x``, ``/abs``.

Every IRI in the dump is valid (pyoxigraph's strict parser and ``NamedNode``), minted IRIs
stay under the base with no dot-segments, different identifiers never share an IRI silently
(a collision is an error on the second document), and nothing is written outside ``-o``.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pyoxigraph as ox
import pytest

from medigraph.diagnostics import Severity
from tests._robust import (
    SCHEMA,
    export_to,
    files_under,
    parse_dump,
    run_cli,
    seed_document,
    write_doc,
)

BASE = "https://medigy.com/"
HOSTILE = [
    "a b",
    "a>b",
    "{x}",
    "a\nb",
    "%zz",
    "%41",
    "#",
    "?",
    "",
    "x" * 300,
    "é",
    "../../x",
    "/abs",
    ".",
    "..",
    "a/b",
    "<script>",
    'q"uote',
    "back\\slash",
    "tab\there",
    "nul\x00",
    "\ufeffbom",
    "😀",
    "\ue000private",
    "{key}",
    "C:\\x",
    "https://evil.example/",
]


def _corpus(folder: Path) -> list[Path]:
    files = []
    for index, value in enumerate(HOSTILE):
        fm = seed_document(
            mdName=value,
            id=str(1000 + index),
            slug=value,
            identifier=value or "Community",
            author=[f"{value} @example.org", value],
            communityTopics=[f"KLAS: {value}", f"{value}: Telehealth"],
            link={"brand": value, "href": "https://e.example/" + value},
            featuredImage={**seed_document()["featuredImage"], "href": value or "x.jpg"},
        )
        fm["featuredImage"]["wpAttachment"] = {"fileName": value, "link": value}
        files.append(write_doc(folder, f"h{index:02d}.md", fm))
    return files


def _check_iri(iri: str) -> None:
    ox.NamedNode(iri)  # raises on an invalid IRI
    assert not re.search(r"[\x00-\x20<>\"{}|\\^`]", iri), iri
    if iri.startswith(BASE):
        path = iri[len(BASE) :]
        segments = path.split("#")[0].split("?")[0].split("/")
        assert ".." not in segments and "." not in segments, iri


def test_every_iri_valid_and_documents_distinct(tmp_path: Path) -> None:
    files = _corpus(tmp_path / "in")
    out = tmp_path / "dump.nq"
    report = export_to([tmp_path / "in"], out, "nq")
    quads = parse_dump(out, "nq")  # strict parse: any bad IRI fails here
    for q in quads:
        for term in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(term, ox.NamedNode):
                _check_iri(term.value)

    # every document is exported, or rejected with an error naming its file
    errored = {d.path for d in report.diagnostics if d.severity is Severity.ERROR}
    graphs = {q.graph_name for q in quads}
    assert report.exported + report.rejected == len(files)
    assert report.exported == len(graphs)
    for file in files:
        assert str(file) in errored or any(
            q.predicate.value == "https://medigy.com/ontology/sourcePath"
            and q.object.value == file.name
            for q in quads
        ), file

    # document IRIs: one segment under content/, and different mdNames give different IRIs
    owner: dict[str, str] = {}
    for q in quads:
        if q.predicate.value == SCHEMA + "identifier" and q.subject.value.startswith(
            BASE + "content/"
        ):
            rest = q.subject.value[len(BASE + "content/") :]
            assert "/" not in rest and rest not in ("", ".", ".."), q.subject.value
            key = unicodedata.normalize("NFC", q.object.value.strip())
            assert owner.setdefault(q.subject.value, key) == key, (q.subject.value, key)
    # h08 (all values empty) is rejected for its empty topic; every other document has its own IRI
    assert {d.path for d in report.diagnostics if d.severity is Severity.ERROR} == {str(files[8])}
    assert len(owner) == report.exported == len(files) - 1


def test_names_keep_their_text_whatever_the_iri(tmp_path: Path) -> None:
    """The IRI is encoded; the name written is the text typed."""
    _corpus(tmp_path / "in")
    out = tmp_path / "dump.nt"
    export_to([tmp_path / "in"], out, "nt")
    quads = parse_dump(out, "nt")
    communities = {
        q.object.value
        for q in quads
        if q.predicate.value == SCHEMA + "name" and "/community/" in q.subject.value
    }
    assert {v for v in HOSTILE if v} - {"%zz", "\ue000private"} <= communities | {
        "%zz",
        "\ue000private",
    }
    assert "../../x" in communities and "a\nb" in communities and "nul\x00" in communities


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"mdName": "same"}, {"mdName": "same"}),
        ({"mdName": "é"}, {"mdName": "e\u0301"}),  # NFC-equal: one IRI
        ({"mdName": " padded "}, {"mdName": "padded"}),
        ({"mdName": "b"}, {"mdName": None, "id": None}),  # the path b.md gives content/b
    ],
    ids=["same", "nfc", "spaces", "path"],
)
def test_collisions_are_reported(
    first: dict[str, str | None], second: dict[str, str | None], tmp_path: Path
) -> None:
    a = write_doc(tmp_path / "in", "a.md", seed_document(**first))
    b = write_doc(tmp_path / "in", "b.md", seed_document(**second))
    out = tmp_path / "dump.nq"
    report = export_to([tmp_path / "in"], out, "nq")
    clash = [d for d in report.diagnostics if d.code == "map.collision"]
    assert [(d.path, d.severity) for d in clash] == [(str(b), Severity.ERROR)]
    assert str(a) in clash[0].message
    lines = b.read_text(encoding="utf-8").splitlines()
    if second.get("mdName"):  # pointed at the key the IRI was made from
        assert clash[0].key == "mdName"
        assert lines[clash[0].line - 1].startswith("mdName:")
    else:  # made from the path: the document's first line
        assert clash[0].key is None
        assert clash[0].line == 1 and lines[0] == "---"
    assert report.exported == 1 and report.rejected == 1 and report.exit_code == 1
    paths = {
        q.object.value for q in parse_dump(out, "nq") if q.predicate.value.endswith("sourcePath")
    }
    assert paths == {"a.md"}, "the first owner is kept whole, nothing of the second is written"


def test_nothing_written_outside_the_output(tmp_path: Path) -> None:
    """Run the CLI on the hostile corpus; the only new files anywhere under the temporary
    folder are the dump (and the embedded store, which lives under output/ in the cwd)."""
    corpus = tmp_path / "in"
    _corpus(corpus)
    work = tmp_path / "work"
    work.mkdir()
    before = files_under(tmp_path)
    done = run_cli("export", str(corpus), "-o", str(tmp_path / "out" / "dump.ttl"), cwd=work)
    assert done.returncode in (0, 1), done.stderr
    created = files_under(tmp_path) - before
    strays = {f for f in created if f != "out/dump.ttl" and not f.startswith("work/output/store/")}
    assert strays == set()
    assert "out/dump.ttl" in created
    parse_dump(tmp_path / "out" / "dump.ttl", "ttl")


def test_a_key_name_cannot_add_a_line_to_the_summary_or_the_coverage(tmp_path: Path) -> None:
    """A key is the editor's text too: a line break in one must not forge a CI log line."""
    from click.testing import CliRunner

    from medigraph.cli import cli

    doc = tmp_path / "a.md"
    doc.write_text(
        '---\ntitle: t\nowlType: Medigy Communities\nmdName: k1\n"x\\n::error file=R,line=1::forged\\n": 1\n---\n',
        encoding="utf-8",
    )
    done = CliRunner().invoke(cli, ["export", str(doc), "-o", str(tmp_path / "o.nt"), "--coverage"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert not [line for line in lines if line.startswith("::error")]
    assert sum("x\\x0a::error" in line for line in lines) == 2  # the table and the summary
