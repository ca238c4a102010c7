"""``medigraph validate``: results traced to file:line:key, batching, ontology checks, CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from medigraph.cli import cli
from medigraph.diagnostics import Severity
from medigraph.export import export
from medigraph.validation import (
    Engine,
    Options,
    ValidationReport,
    ValidationSetupError,
    validate,
    validate_graph,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "content"
BROKEN = ROOT / "examples" / "broken"
SEED = (
    EXAMPLES
    / "communities/chronic-care-management/curated-content/d12da9f4-80a4-53d7-ad46-1e538af2b729.md"
)
SEED_ID = "d12da9f4-80a4-53d7-ad46-1e538af2b729"
CONTENT = "https://medigy.com/content/"

# A small shapes graph of our own, so the engine is tested whatever the bundled shapes say.
FIXTURE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix schema: <http://schema.org/> .
@prefix medigy: <https://medigy.com/ontology/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <urn:test:> .
ex:Content a sh:NodeShape ;
    sh:targetClass medigy:CommunityContent ;
    sh:property ex:title , ex:keywords .
ex:title a sh:PropertyShape ; sh:path schema:name ; sh:minCount 1 ;
    sh:name "title" ; sh:message "title is missing" .
ex:keywords a sh:PropertyShape ; sh:path schema:keywords ; sh:maxLength 5 ;
    sh:severity sh:Warning ; sh:message "tag too long" .
ex:Topic a sh:NodeShape ; sh:targetClass skos:Concept ;
    sh:property [ sh:path skos:prefLabel ; sh:maxCount 1 ; sh:severity sh:Info ;
                  sh:message "topic spelled differently" ] .
"""


def write_doc(folder: Path, name: str, edits: dict[str, str] | None = None) -> Path:
    """A copy of the seed with its own mdName, and ``old line → new line`` edits."""
    text = SEED.read_text(encoding="utf-8").replace(SEED_ID, name)
    for old, new in (edits or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def fixture_shapes(tmp_path: Path) -> str:
    file = tmp_path / "shapes.ttl"
    file.write_text(FIXTURE_SHAPES, encoding="utf-8")
    return str(file)


def rows(report, codes=("shacl.", "ontology.")):  # type: ignore[no-untyped-def]
    return [
        (Path(d.path).name, d.line, d.key, d.severity, d.code, d.focus)
        for d in report.diagnostics
        if d.code.startswith(codes)
    ]


# -- the engine, against our own small shapes -------------------------------------------------


def test_missing_key_points_at_first_line_and_present_key_at_its_line(
    tmp_path: Path, fixture_shapes: str
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a", {"title: Three Actions": "subtitle: Three Actions"})
    write_doc(docs, "b", {"- news\n": "- a-very-long-tag\n"})
    report = validate([docs], shapes=fixture_shapes, jobs=1)
    assert rows(report) == [
        ("a.md", 1, "title", Severity.ERROR, "shacl.MinCount", CONTENT + "a"),
        ("b.md", 63, "tags[0]", Severity.WARNING, "shacl.MaxLength", CONTENT + "b"),
    ]
    assert report.exit_code() == 1
    assert report.exit_code(Severity.ERROR) == 1


def test_warnings_fail_only_when_asked(tmp_path: Path, fixture_shapes: str) -> None:
    write_doc(tmp_path, "b", {"- news\n": "- a-very-long-tag\n"})
    report = validate([tmp_path], shapes=fixture_shapes, jobs=1)
    assert report.exit_code(Severity.ERROR) == 0
    assert report.exit_code(Severity.WARNING) == 1


def test_shared_topic_result_goes_to_each_document_at_its_list_entry(
    tmp_path: Path, fixture_shapes: str
) -> None:
    # same topic IRI (slugs fold case), two different labels: a cross-document result
    write_doc(tmp_path, "a")
    write_doc(tmp_path, "b", {"- 'KLAS: Telehealth'": "- 'KLAS: TeleHealth'"})
    for batch_size in (1, 0):
        report = validate([tmp_path], shapes=fixture_shapes, jobs=1, batch_size=batch_size)
        topic = "https://medigy.com/topic/klas.telehealth"
        assert rows(report) == [
            ("a.md", 22, "communityTopics[1]", Severity.INFO, "shacl.MaxCount", topic),
            ("b.md", 22, "communityTopics[1]", Severity.INFO, "shacl.MaxCount", topic),
        ], batch_size
        assert len(report.results) == 1


def test_unreadable_and_unmappable_documents_are_in_the_same_report(fixture_shapes: str) -> None:
    report = validate([BROKEN], shapes=fixture_shapes, jobs=1)
    codes = {(Path(d.path).name, d.code) for d in report.diagnostics}
    assert ("2c46831c-1f4c-5042-acad-c6e37d07c94a.md", "read.framing") in codes
    assert ("2f709ecc-cce7-5a8f-bc61-cb5f7897412a.md", "read.encoding") in codes
    assert ("ac3a674e-1aea-5b6e-8ae7-b81b91af4445.md", "map.owl-type") in codes
    assert ("2d17fe5a-682d-580e-b356-af49467a076e.md", "shacl.MinCount") in codes
    assert sum(d.rejected for d in report.documents) == 6


def test_order_is_by_path_line_key(tmp_path: Path, fixture_shapes: str) -> None:
    for name in ("c", "a", "b"):
        write_doc(tmp_path, name, {"title: Three Actions": "subtitle: Three Actions"})
    report = validate([tmp_path], shapes=fixture_shapes, jobs=2, batch_size=1)
    keys = [(d.path, d.line or 0, d.key or "") for d in report.diagnostics]
    assert keys == sorted(keys)
    assert [Path(p).name for p, _, _ in keys] == ["a.md", "b.md", "c.md"]


def test_broken_shapes_file_is_a_setup_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(ValidationSetupError):
        validate([EXAMPLES], shapes=str(bad), jobs=1)
    unusable = tmp_path / "unusable.ttl"
    unusable.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        '<urn:s> a sh:NodeShape ; sh:targetNode <urn:x> ; sh:property [ sh:path <urn:p> ; sh:minCount "many" ] .\n',
        encoding="utf-8",
    )
    with pytest.raises(ValidationSetupError):
        validate([EXAMPLES], shapes=str(unusable), jobs=1)


# -- ontology conformance ---------------------------------------------------------------------


def test_undeclared_medigy_terms_are_reported_at_their_key(tmp_path: Path) -> None:
    ontology = (ROOT / "ontology" / "medigy.ttl").read_text(encoding="utf-8")
    trimmed = tmp_path / "ontology.ttl"
    trimmed.write_text(
        ontology.replace(
            "medigy:slug\n    a owl:DatatypeProperty", "medigy:slug\n    a rdfs:Resource"
        ),
        encoding="utf-8",
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a")
    report = validate([docs], ontology=str(trimmed), jobs=1)
    found = [r for r in rows(report) if r[4] == "ontology.declared-term"]
    assert found == [("a.md", 58, "slug", Severity.ERROR, "ontology.declared-term", CONTENT + "a")]


def test_an_undeclared_property_no_key_wrote_is_told_at_no_other_key(tmp_path: Path) -> None:
    """A dump's own triple with an undeclared Medigy property was told at the first key, in
    alphabetical order, that wrote anything on its subject (``aliases`` on the content,
    ``featuredImage.alt`` on the image): a key that has nothing to do with it."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a")
    dump = tmp_path / "dump.nt"
    export([docs], dump, jobs=1, cache=False)
    with dump.open("a", encoding="utf-8") as out:
        out.write(f'<{CONTENT}a> <https://medigy.com/ontology/foo> "x" .\n')
        out.write('<https://medigy.com/image/a> <https://medigy.com/ontology/bar> "y" .\n')
    report = validate_graph(dump, root=docs)
    found = sorted((r[1], r[2], r[5]) for r in rows(report) if r[4] == "ontology.declared-term")
    # on the content: no key wrote it, so the file; on the image: the key all its keys share
    assert found == [(1, None, CONTENT + "a"), (29, "featuredImage", "https://medigy.com/image/a")]


def test_disjoint_classes_are_reported_at_the_class_key(tmp_path: Path) -> None:
    ontology = (ROOT / "ontology" / "medigy.ttl").read_text(encoding="utf-8")
    extended = tmp_path / "ontology.ttl"
    extended.write_text(
        ontology + "\nmedigy:CommunityContent owl:disjointWith medigy:CuratedContent .\n",
        encoding="utf-8",
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a")
    report = validate([docs], ontology=str(extended), jobs=1)
    found = [r for r in rows(report) if r[4] == "ontology.disjoint-classes"]
    assert found == [
        (
            "a.md",
            55,
            "openProjectWorkPackageType",
            Severity.ERROR,
            "ontology.disjoint-classes",
            CONTENT + "a",
        )
    ]


# -- the bundled shapes ------------------------------------------------------------------------


def test_examples_conform_and_broken_examples_point_at_their_lines() -> None:
    assert validate([EXAMPLES], jobs=1).exit_code() == 0
    report = validate([BROKEN], jobs=1)
    assert (
        "2d17fe5a-682d-580e-b356-af49467a076e.md",
        1,
        "title",
        Severity.ERROR,
        "shacl.MinCount",
        CONTENT + "2d17fe5a-682d-580e-b356-af49467a076e",
    ) in rows(report)
    assert (
        "0c68b674-ffbf-5b7b-b83b-5d780fce5977.md",
        33,  # the width, the first item of size
        "featuredImage.size[0]",
        Severity.ERROR,
        "shacl.MinExclusive",
        "https://medigy.com/image/0c68b674-ffbf-5b7b-b83b-5d780fce5977",
    ) in rows(report)


_REFERENCE = """
import json, sys
import pyshacl, rdflib
data = rdflib.Graph().parse(sys.argv[1], format="nt")
shapes = rdflib.Graph().parse(sys.argv[2], format="turtle")
_, report, _ = pyshacl.validate(
    data, shacl_graph=shapes, inference="none", allow_infos=True, allow_warnings=True
)
sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
found = []
for r in report.subjects(rdflib.RDF.type, sh.ValidationResult):
    value = report.value(r, sh.value)
    found.append([
        str(report.value(r, sh.focusNode)),
        str(report.value(r, sh.resultPath)),
        str(value) if value is not None else "",
        str(report.value(r, sh.sourceConstraintComponent)),
        str(report.value(r, sh.resultSeverity)),
    ])
assert "medigraph" not in sys.modules
print(json.dumps(found))
"""


def _whole_graph_results(paths: list[Path], tmp_path: Path) -> set[tuple[str, str, str, str, str]]:
    """pySHACL run once on the whole exported graph, in a fresh interpreter: nothing of
    medigraph in between, and none of the changes medigraph makes to pySHACL's speed."""
    dump = tmp_path / "all.nt"
    export(paths, dump, jobs=1, cache=False)
    shapes = ROOT / "shapes" / "medigy-shapes.ttl"
    done = subprocess.run(
        [sys.executable, "-c", _REFERENCE, str(dump), str(shapes)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    return {tuple(row) for row in json.loads(done.stdout)}  # type: ignore[misc]


def test_batches_give_the_same_results_as_one_pyshacl_call_on_the_whole_graph(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in EXAMPLES.rglob("*.md"):
        (corpus / path.name).write_bytes(path.read_bytes())
    # cross-document results: one community's mastHead and one topic spelled two ways
    write_doc(
        corpus,
        "x1",
        {
            "mastHead: Chronic Care Management (CCM) CoP": "mastHead: CCM",
            "lastMod: '2021-02-17T10:10:10.785753Z'": "lastMod: '2021-02-16T10:10:10Z'",
        },
    )
    write_doc(corpus, "x2", {"- 'KLAS: Telehealth'": "- 'KLAS: TeleHealth'", "- news\n": "- ''\n"})
    # a document that is exported but breaks a value shape (a negative image width)
    write_doc(corpus, "x3", {"  - 2732\n": "  - -2732\n"})
    # the same work package as another document, of another type (one node, two types), and
    # an image naming a work package that is another document's: checked over every document
    write_doc(
        corpus,
        "x4",
        {
            "\nid: 4557\n": "\nid: 5467\n",
            "openProjectWorkPackageType: Curated Content": "openProjectWorkPackageType: Events",
            "  workPackage: 4557": "  workPackage: 5467",
            "    link: /api/v3/attachments/": "    link: /api/v3/attachments/9",
        },
    )
    write_doc(corpus, "x5", {"  workPackage: 4557": "  workPackage: 5467"})
    # rejected (a topic without a taxonomy), with an id an exported document has: left out
    write_doc(corpus, "x6", {"\nid: 4557\n": "\nid: 5467\n", "- 'KLAS: Telehealth'": "- NoColon"})
    # a copy under the same mdName, titled otherwise: left out, as export leaves it out
    (corpus / "zz").mkdir()
    write_doc(corpus / "zz", "x3", {"  - 2732\n": "  - -2732\n", "\ntitle: ": "\ntitle: Other, "})
    # text of only white space where a value is required or recommended, and an id emptied
    write_doc(
        corpus,
        "x7",
        {
            "\ntitle: Three": "\ntitle: '   '\nsubtitle: Three",
            "\ndescription: While": "\ndescription: '  '\nsummary: While",
            "- news\n": "- ' '\n",
        },
    )
    write_doc(corpus, "x8", {"\nid: 4557\n": "\nid:\n"})
    expected = _whole_graph_results([corpus], tmp_path)
    assert len({r[3] for r in expected}) >= 4, expected  # several kinds of constraint
    blank = {
        (r[1].rsplit("/", 1)[1], r[2])
        for r in expected
        if r[3].endswith("PatternConstraintComponent")
    }
    assert {("name", "   "), ("description", "  "), ("keywords", " ")} <= blank
    assert any("mastHead" in r[1] for r in expected)
    assert any("SPARQL" in r[3] for r in expected)
    assert any("work-package/5467" in r[0] and "MaxCount" in r[3] for r in expected)
    sev = {Severity.ERROR: "Violation", Severity.WARNING: "Warning", Severity.INFO: "Info"}
    for batch_size, jobs in ((1, 1), (3, 2), (7, 2), (100, 2), (0, 1)):
        report = validate([corpus], jobs=jobs, batch_size=batch_size)
        got = {
            (
                r.focus.strip("<>"),
                (r.path or "").strip("<>"),
                rdflib.util.from_n3(r.value) if r.value else "",
                r.component,
                "http://www.w3.org/ns/shacl#" + sev[r.severity],
            )
            for r in report.results
            if not r.component.startswith("urn:medigraph:")
        }
        got = {(f, p, str(v), c, s) for f, p, v, c, s in got}
        assert got == expected, (batch_size, jobs)


@pytest.mark.parametrize(("batch_size", "jobs"), [(0, 1), (1, 1), (2, 2)])
def test_a_document_whose_iri_is_taken_is_left_out_of_the_checks(
    tmp_path: Path, batch_size: int, jobs: int
) -> None:
    """As export leaves the second document with an IRI out, validate does not check it
    together with the first (two titles, two dates would be merged into one document)."""
    write_doc(tmp_path, "a")
    write_doc(tmp_path, "b")
    (tmp_path / "sub").mkdir()
    copy = write_doc(tmp_path / "sub", "a", {"\ntitle: ": "\ntitle: Another title, "})
    alone = validate([tmp_path / "a.md", tmp_path / "b.md"], jobs=1)
    report = validate([tmp_path], jobs=jobs, batch_size=batch_size)
    assert report.results == alone.results
    assert rows(report) == rows(alone)
    clash = [d for d in report.diagnostics if d.code == "map.collision"]
    mdname_line = copy.read_text(encoding="utf-8").split("\n").index("mdName: a") + 1
    assert [(d.path, d.line, d.key, d.severity) for d in clash] == [
        (str(copy), mdname_line, "mdName", Severity.ERROR)
    ]
    assert str(tmp_path / "a.md") in clash[0].message


def test_a_rejected_document_does_not_put_others_in_the_wrong_about_shared_things(
    tmp_path: Path,
) -> None:
    """A document rejected by the mapping is checked for its own problems, but what it says
    of a community (another mastHead, another spelling) is not exported: the documents that
    are must not be warned about it."""
    write_doc(tmp_path, "a")
    write_doc(tmp_path, "b")
    write_doc(
        tmp_path,
        "c",
        {
            "  href: https://www.healthleadersmedia.com/": "  href: see website ",
            "mastHead: Chronic Care Management (CCM) CoP": "mastHead: Another masthead",
            "identifier: Chronic Care Management (CCM)": "identifier: chronic care management (ccm)",
        },
    )
    report = validate([tmp_path], jobs=1)
    assert [
        (Path(d.path).name, d.key, d.code) for d in report.diagnostics if d.severity > Severity.INFO
    ] == [("c.md", "link.href", "map.iri")]
    alone = validate([tmp_path / "a.md", tmp_path / "b.md"], jobs=1)
    assert rows(report) == rows(alone)


def test_an_organisation_spelled_differently_is_told_at_the_key_that_names_it(
    tmp_path: Path,
) -> None:
    """An organisation is a publisher in one place and an author's @domain in another: the
    warning points at the key each document names it with (author[0] here, not link.brand)."""
    write_doc(tmp_path, "a")
    write_doc(tmp_path, "b", {"- Vinit @maxinovip.com": "- Vinit @MAXINOVIP.com"})
    report = validate([tmp_path], jobs=1)
    told = {
        (Path(d.path).name, d.line, d.key)
        for d in report.diagnostics
        if d.code == "shacl.MaxCount" and "organisation" in d.message
    }
    assert told == {("a.md", 5, "author[0]"), ("b.md", 5, "author[0]")}


def test_a_dump_tells_an_organisation_spelled_differently_at_the_key_that_names_it(
    tmp_path: Path,
) -> None:
    """``--graph`` places a shared thing's result as when documents are checked: at the
    author's @domain that spelled the organisation, not at link.brand (line 45, another
    organisation), the first key that writes a name."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a")
    write_doc(docs, "b", {"- Vinit @maxinovip.com": "- Vinit @MaxinoVip.com"})
    dump = tmp_path / "dump.trig"
    export([docs], dump, jobs=1, cache=False)

    def told(report: ValidationReport) -> set[tuple[str, int | None, str | None]]:
        return {
            (Path(d.path).name, d.line, d.key)
            for d in report.diagnostics
            if "organisation" in d.message
        }

    from_dump = told(validate_graph(dump, root=docs))
    assert from_dump == {("a.md", 5, "author[0]"), ("b.md", 5, "author[0]")}
    assert from_dump == told(validate([docs], jobs=1))


def test_an_unknown_or_missing_kind_is_told_at_its_key(tmp_path: Path) -> None:
    """The kind shape has no path of its own: its result goes to openProjectWorkPackageType,
    at the document's first line when the key is missing; at its line, a type not known is
    told once, by the more severe "not one of" (not as "only general content" as well)."""
    unknown = write_doc(
        tmp_path,
        "a",
        {"openProjectWorkPackageType: Curated Content": "openProjectWorkPackageType: Webinar"},
    )
    # (its own work package: a's, shared, would hold a's unknown type)
    own = {"id: 4557": "id: 4558", "  workPackage: 4557": "  workPackage: 4558"}
    write_doc(tmp_path, "b", {"openProjectWorkPackageType: Curated Content\n": "", **own})
    report = validate([tmp_path], jobs=1)
    told = {
        (Path(d.path).name, d.line, d.key)
        for d in report.diagnostics
        if "missing or unknown" in d.message
    }
    line = (
        unknown.read_text(encoding="utf-8").split("\n").index("openProjectWorkPackageType: Webinar")
    )
    assert told == {("b.md", 1, "openProjectWorkPackageType")}
    at_a = [(d.line, d.key, d.message) for d in report.diagnostics if d.path == str(unknown)]
    assert at_a == [
        (
            line + 1,
            "openProjectWorkPackageType",
            "openProjectWorkPackageType is not one of Curated Content, News, Events, Podcasts",
        )
    ]


# -- an existing dump --------------------------------------------------------------------------


def test_a_dump_is_traced_to_source_files_through_its_provenance(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a", {"title: Three Actions": "subtitle: Three Actions"})
    dump = tmp_path / "dump.trig"
    export([docs], dump, jobs=1, cache=False)
    report = validate_graph(dump)
    assert rows(report) == [
        ("a.md", None, "title", Severity.ERROR, "shacl.MinCount", CONTENT + "a")
    ]
    with_lines = validate_graph(dump, root=docs)
    assert rows(with_lines) == [
        ("a.md", 1, "title", Severity.ERROR, "shacl.MinCount", CONTENT + "a")
    ]


@pytest.mark.parametrize("fmt", ["trig", "nq"])
def test_a_dump_blames_only_the_document_whose_graph_wrote_the_value(
    tmp_path: Path, fmt: str
) -> None:
    """Two documents of one community, one writing a bad ``type``: the dump's named graphs say
    which wrote it, so ``--graph`` tells that one only, as validating the documents does."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a")
    write_doc(docs, "b", {"id: 4557": "id: 4558", "  workPackage: 4557": "  workPackage: 4558"})
    text = (docs / "b.md").read_text(encoding="utf-8")
    (docs / "b.md").write_text(re.sub(r"(?m)^type: .*$", "type: x", text), encoding="utf-8")
    dump = tmp_path / f"dump.{fmt}"
    export([docs], dump, jobs=1, cache=False)

    def told(report) -> list[tuple[str, int | None, str | None, str]]:  # type: ignore[no-untyped-def]
        return [(Path(d.path).name, d.line, d.key, d.message) for d in report.diagnostics]

    from_dump = told(validate_graph(dump, root=docs))
    assert from_dump == told(validate([docs], jobs=1))
    assert [name for name, _line, _key, message in from_dump if "communities/" in message] == [
        "b.md"
    ]


def test_engine_reports_rdfs_inference_option() -> None:
    with pytest.raises(ValidationSetupError):
        Engine(Options(inference="owlrl"))


# -- the command line --------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_text_report_and_exit_codes(tmp_path: Path) -> None:
    write_doc(tmp_path, "a", {"title: Three Actions": "subtitle: Three Actions"})
    code, out, _ = run(str(tmp_path), "-j", "1")
    assert code == 1
    assert out.splitlines()[0] == f"{tmp_path}/a.md:1: error: title: title is missing"
    assert "focus https://medigy.com/content/a" in out
    assert run(str(EXAMPLES), "-q")[0] == 0


def test_cli_fail_on(tmp_path: Path, fixture_shapes: str) -> None:
    write_doc(tmp_path, "b", {"- news\n": "- a-very-long-tag\n"})
    assert run(str(tmp_path), "--shapes", fixture_shapes)[0] == 0
    assert run(str(tmp_path), "--shapes", fixture_shapes, "--fail-on", "warning")[0] == 1
    assert run(str(tmp_path), "--shapes", fixture_shapes, "--fail-on", "info")[0] == 1


def test_cli_formats_and_output_file(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a", {"title: Three Actions": "subtitle: Three Actions"})
    for fmt in ("text", "json", "turtle", "junit", "github", "sarif"):
        target = tmp_path / f"report.{fmt}"
        code, out, err = run(str(docs), "--format", fmt, "-o", str(target), "--batch-size", "1")
        assert code == 1, fmt
        assert out == ""
        assert "1 error," in err
        assert target.read_text(encoding="utf-8")
    assert "::error file=" in (tmp_path / "report.github").read_text(encoding="utf-8")


def test_a_clash_across_shards_is_told_as_one_in_their_dumps_together(tmp_path: Path) -> None:
    """docs/ci.md: validating the shards' dumps together checks the clashes no shard sees.
    It did, but as "the document graph must record exactly one source file (medigraph
    error)", which reads as medigraph's bug, not as two documents that got one IRI."""
    from medigraph.pipeline import shard_of

    docs = tmp_path / "docs"
    folders = ["a", next(f for f in "bcdefgh" if shard_of(f"{f}/x.md", 2) != shard_of("a/x.md", 2))]
    for folder in folders:
        (docs / folder).mkdir(parents=True)
        (docs / folder / "x.md").write_bytes(SEED.read_bytes())
    dumps = []
    for k in (1, 2):  # each shard sees one of the two
        dumps.append(tmp_path / f"s{k}.nq")
        report = export([docs], dumps[-1], shard=(k, 2), jobs=1, cache=False)
        assert report.exit_code == 0 and report.exported == 1
    together = tmp_path / "all.nq"
    together.write_bytes(b"".join(dump.read_bytes() for dump in dumps))
    code, out, _ = run("--graph", str(together))
    assert code == 1
    assert "two documents that got the same IRI" in out and "own mdName" in out
    assert "medigraph error" not in out.splitlines()[0].split(";")[0]


def test_cli_graph_root_and_format(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a", {"title: Three Actions": "subtitle: Three Actions"})
    dump = tmp_path / "dump.data"
    export([docs], dump, format="nt", jobs=1, cache=False)
    code, out, _ = run("--graph", str(dump), "--graph-format", "nt", "--root", str(docs))
    assert code == 1
    assert out.splitlines()[0] == f"{docs}/a.md:1: error: title: title is missing"
    assert run("--graph", str(dump))[0] == 2  # the format cannot be told from ".data"


def test_a_topic_that_is_no_concept_in_a_dump_is_one_error_at_its_item(tmp_path: Path) -> None:
    """A dump whose schema:about names no concept gave two errors for one mistake: the
    sh:node result on the content at communityTopics[0], and pySHACL's detail of it (the
    value's missing taxonomy) as a result of its own, at communityTopics. A detail is part
    of its result, as in pySHACL's own report (not one of its sh:result)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    topics = (
        "- 'Medigy: Fundamental Technologies'\n- 'KLAS: Telehealth'\n- 'Symplur: Virtual Care'\n"
    )
    write_doc(docs, "a", {topics: "- 'KLAS: Telehealth'\n"})
    dump = tmp_path / "dump.nt"
    export([docs], dump, format="nt", jobs=1, cache=False)
    about = "<http://schema.org/about> <https://medigy.com/topic/klas.telehealth>"
    text = dump.read_text(encoding="utf-8")
    assert text.count(about) == 1
    dump.write_text(
        text.replace(about, "<http://schema.org/about> <https://example.org/no-topic>"),
        encoding="utf-8",
    )
    code, out, _ = run("--graph", str(dump), "--root", str(docs), "--format", "json")
    assert code == 1
    errors = [r for r in json.loads(out)["results"] if r["severity"] == "error"]
    assert [(r["key"], r["line"]) for r in errors] == [("communityTopics[0]", 21)], out


def test_neither_paths_nor_a_graph_is_told_otherwise_than_both(tmp_path: Path) -> None:
    """Given neither, validate said "(not both)" too: each case is told as it is."""
    code, out, err = run()
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1] == (
        "Error: give PATHS to validate documents, or --graph FILE to validate a dump"
    )
    dump = tmp_path / "d.ttl"
    dump.write_bytes(b"")
    code, _, err = run(str(EXAMPLES), "--graph", str(dump))
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        "Error: give PATHS to validate documents, or --graph FILE to validate a dump, not both"
    )


def test_cli_usage_and_fatal_errors_exit_2(tmp_path: Path) -> None:
    assert run()[0] == 2
    assert run(str(EXAMPLES), "--root", str(tmp_path))[0] == 2
    bad = tmp_path / "bad.ttl"
    bad.write_text("not turtle", encoding="utf-8")
    code, _, err = run(str(EXAMPLES), "--shapes", str(bad))
    assert code == 2
    assert "bad.ttl" in err


def test_cli_ontology_mapping_base_jobs(tmp_path: Path) -> None:
    ontology = str(ROOT / "ontology" / "medigy.ttl")
    mapping = str(ROOT / "ontology" / "mapping.yaml")
    code, out, _ = run(
        str(EXAMPLES),
        "--ontology",
        ontology,
        "--mapping",
        mapping,
        "--base",
        "https://example.org/",
        "-j",
        "2",
        "--format",
        "json",
    )
    assert code == 0, out
    assert '"conforms": true' in out
    assert "https://example.org/content/" in out


def test_cli_rdfs_inference_applies_the_ontology(tmp_path: Path) -> None:
    # A shape on schema:CreativeWork reaches the documents (typed medigy:CuratedContent, a
    # subclass) only when the ontology's subclasses are inferred.
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix schema: <http://schema.org/> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetClass schema:CreativeWork ;\n"
        '  sh:property [ sh:path schema:name ; sh:maxCount 0 ; sh:message "no name" ] .\n'
    )
    seed = SEED.parent
    assert run(str(seed), "-q", "--shapes", str(shapes))[0] == 0
    code, out, _ = run(str(seed), "-q", "--shapes", str(shapes), "--inference", "rdfs")
    assert code == 1 and "no name" in out


def test_cli_export_validate_refuses_and_keeps_the_previous_dump(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a")
    dump = tmp_path / "out" / "dump.ttl"
    runner = CliRunner()
    ok = runner.invoke(
        cli, ["export", str(docs), "-o", str(dump), "--validate", "--no-store", "--no-cache"]
    )
    assert ok.exit_code == 0, ok.stderr
    before = dump.read_bytes()
    write_doc(docs, "b", {"title: Three Actions": "subtitle: Three Actions"})
    refused = runner.invoke(
        cli, ["export", str(docs), "-o", str(dump), "--validate", "--no-store", "--no-cache"]
    )
    assert refused.exit_code == 1
    assert f"{docs}/b.md:1: error: title: title is missing" in refused.stderr
    assert dump.read_bytes() == before


def test_export_shard_validate_checks_only_the_shards_documents(tmp_path: Path) -> None:
    """A shard refuses its own bad documents, not another shard's: it sees only its part."""
    from medigraph.pipeline import shard_of

    docs = tmp_path / "docs"
    docs.mkdir()
    names = [f"doc-{i}" for i in range(40)]
    good = next(n for n in names if shard_of(f"{n}.md", 2) == 0)
    bad = next(n for n in names if shard_of(f"{n}.md", 2) == 1)
    write_doc(docs, good)
    write_doc(docs, bad, {"  size:\n  - 2732": "  size:\n  - -2732"})
    runner = CliRunner()

    def export_shard(k: int) -> tuple[int, str, Path]:
        dump = tmp_path / f"s{k}.nq"
        args = ["export", str(docs), "-o", str(dump), "--shard", f"{k}/2", "--validate"]
        done = runner.invoke(cli, [*args, "--no-store", "--no-cache", "-j", "1"])
        return done.exit_code, done.stderr, dump

    code, err, dump = export_shard(1)
    assert code == 0, err
    assert bad not in err and dump.exists()
    code, err, dump = export_shard(2)
    assert code == 1
    assert f"{bad}.md:" in err and good not in err
    assert "1 document checked; 1 violation of the shapes or the ontology, so nothing" in err
    assert not dump.exists()
    checked = validate([docs], jobs=1, shard=(1, 2))
    assert [Path(d.path).name for d in checked.documents] == [f"{good}.md"]


def test_a_shard_of_an_empty_corpus_is_nothing_to_check(tmp_path: Path) -> None:
    """An empty shard of a corpus is fine; a shard of an empty checkout is no corpus at all,
    as the whole export is: its empty dump pushed would unpublish the site."""
    empty = tmp_path / "empty"
    empty.mkdir()
    runner = CliRunner()
    for k in (1, 2):
        dump = tmp_path / f"s{k}.nq"
        args = ["export", str(empty), "-o", str(dump), "--shard", f"{k}/2", "--validate"]
        done = runner.invoke(cli, [*args, "--no-store", "--no-cache", "-j", "1"])
        assert done.exit_code == 2, done.output
        assert "no documents (*.md" in done.stderr and "nothing to check" in done.stderr
        assert not dump.exists()
        # Without --validate too: the export itself refuses an empty checkout in shards.
        done = runner.invoke(cli, [*args[:-1], "--no-store", "--no-cache", "-j", "1"])
        assert done.exit_code == 2 and "no documents (*.md" in done.stderr, done.output
        assert not dump.exists()
    with pytest.raises(ValidationSetupError, match="nothing to check"):
        validate([empty], jobs=1, shard=(2, 2))
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "only")
    checked = [validate([docs], jobs=1, shard=(k, 2)) for k in (1, 2)]
    assert sorted(len(c.documents) for c in checked) == [0, 1]  # one shard holds nothing
    assert not any(c.failed() for c in checked)


def test_the_api_raises_a_setup_error_wherever_the_command_exits_2(tmp_path: Path) -> None:
    """README: ``ValidationSetupError`` where the command exits 2. A missing path (alone or
    among others) and a corpus with nothing at all listed (several empty folders, as the
    export refuses them) were a report of one error and "0 documents checked"."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "only")
    empty = [tmp_path / "e1", tmp_path / "e2"]
    for folder in empty:
        folder.mkdir()
    missing = tmp_path / "nonexist"
    for paths in ([missing], [docs, missing]):
        with pytest.raises(ValidationSetupError, match=f"{missing}: no such file or folder"):
            validate(paths, jobs=1)
        # The command refuses the path before it starts (click), also with exit 2.
        done = CliRunner().invoke(cli, ["validate", *map(str, paths)])
        assert done.exit_code == 2, done.output
    with pytest.raises(ValidationSetupError, match=r"no documents .* under .*e1, .*e2: nothing"):
        validate(empty, jobs=1)
    done = CliRunner().invoke(cli, ["validate", *map(str, empty)])
    assert done.exit_code == 2, done.output
    assert "nothing to check" in done.stderr and "0 documents checked" not in done.output
    # One empty folder among documents is a document problem, as the README says (exit 1).
    report = validate([docs, empty[0]], jobs=1)
    assert report.exit_code() == 1 and len(report.documents) == 1


@pytest.mark.parametrize(
    ("edit", "key", "node"),
    [
        ({"id: 4557": "id:\n- 4557\n- 4558"}, "id", "workPackage"),
        ({"id: 4557": "id: {a: 4557}"}, "id", "workPackage"),
        (
            {"identifier: Chronic Care Management (CCM)": "identifier:\n- CCM\n- RPM"},
            "identifier",
            "community",
        ),
    ],
)
def test_a_node_named_by_a_list_is_an_error_in_validate_and_export(
    tmp_path: Path, edit: dict[str, str], key: str, node: str
) -> None:
    """``id: [4557, 4558]`` cannot name one work package: the document is left out (as a list
    where text is expected is), told once at the key, and not blamed for what follows from
    it (the image's work package "should be the same number as id", "identifier is missing")."""
    docs = tmp_path / "docs"
    docs.mkdir()
    source = write_doc(docs, "a", edit)
    lines = source.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith(f"{key}:"))
    report = validate([docs], jobs=1)
    kind = "a mapping" if edit.get("id: 4557", "").startswith("id: {") else "a list"
    assert report.exit_code() == 1
    errors = [
        (d.line, d.key, d.code, d.message)
        for d in report.diagnostics
        if d.severity is Severity.ERROR
    ]
    assert errors == [(line, key, "map.type", f"must be one text, not {kind}: it names the {node}")]
    assert not [d for d in report.diagnostics if d.code.startswith("shacl.")]
    dump = tmp_path / "dump.ttl"
    done = CliRunner().invoke(
        cli, ["export", str(docs), "-o", str(dump), "--validate", "--no-store", "--no-cache"]
    )
    assert done.exit_code == 1 and not dump.exists()
    assert f"a.md:{line}: error: {key}: must be one text, not {kind}" in done.stderr


@pytest.mark.parametrize(
    ("edit", "key", "says"),
    [
        ({"mdName: a": "mdName:\n- a\n- other"}, "mdName", "a list: it names the document"),
        ({"mdName: a": "mdName: {a: b}"}, "mdName", "a mapping: it names the document"),
        ({"mdName: a": "mdName: {}"}, "mdName", "a mapping: it names the document"),
        (
            {"mdName: a\n": "", "id: 4557": "id:\n- 4557\n- 4558"},
            "id",
            "a list: it names the document and the workPackage",
        ),
    ],
)
def test_a_document_named_by_a_list_is_an_error_and_keeps_its_last_graph(
    tmp_path: Path, edit: dict[str, str], key: str, says: str
) -> None:
    """``mdName: [a, other]`` named the document by ``id`` instead (content/4557), with no
    word: an error like ``id: [4557, 4558]``. Rejected before its name is known, it claims no
    IRI, and a store keeps its last good graph (and every other one) as it was."""
    docs = tmp_path / "docs"
    docs.mkdir()
    source = write_doc(docs, "a")
    store = tmp_path / "store"
    first = export([docs], tmp_path / "one.nq", jobs=1, cache=False, store=store)
    assert first.exit_code == 0
    write_doc(docs, "a", edit)
    lines = source.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith(f"{key}:"))
    report = export([docs], tmp_path / "two.nq", jobs=1, cache=False, store=store)
    errors = [
        (d.line, d.key, d.code, d.message)
        for d in report.diagnostics
        if d.severity is Severity.ERROR
    ]
    assert errors == [(line, key, "map.type", f"must be one text, not {says}")]
    assert report.exit_code == 1 and report.exported == 0
    graphs = {
        q.graph_name.value
        for q in ox.Store(str(store)).quads_for_pattern(None, None, None, None)
        if isinstance(q.graph_name, ox.NamedNode)
    }
    assert "https://medigy.com/graph/content/a" in graphs
    assert not {g for g in graphs if g.endswith(("/4557", "/a.md"))}
    checked = validate([docs], jobs=1)
    assert [(d.key, d.code) for d in checked.diagnostics if d.severity is Severity.ERROR] == [
        (key, "map.type")
    ]


def test_a_result_on_a_value_rdflib_reads_otherwise_is_told_at_its_item(tmp_path: Path) -> None:
    """rdflib reads `maybe` as false and `Z` as +00:00, so the result's value matched no item
    as written, and was told at item [0] and its line; now at the item that holds it."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(
        docs,
        "a",
        {
            "  valid: true": "  valid:\n  - true\n  - maybe",
            "lastMod: '2021-02-17T10:10:10.785753Z'": (
                "lastMod:\n- '2021-02-17T10:10:10Z'\n- '2021-02-16T10:10:10Z'"
            ),
        },
    )
    report = validate([docs], jobs=1)
    told = {(d.line, d.key, d.code) for d in report.diagnostics}
    assert (38, "featuredImage.valid[1]", "shacl.Datatype") in told
    assert (47, "lastMod[1]", "shacl.SPARQL") in told  # before date: the second item
    assert not {t for t in told if t[2] in ("shacl.Datatype", "shacl.SPARQL") and "[0]" in t[1]}


def test_a_result_through_a_sub_property_is_told_at_the_key_that_wrote_the_value(
    tmp_path: Path,
) -> None:
    """Under rdfs a category is a keyword too, and the keywords' check reported an empty
    category as `tags` (at the tags' line, or the first line when there were none)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a", {"categories: []": "categories: ['   ']"})
    report = validate([docs], jobs=1, inference="rdfs")
    keys = {(d.line, d.key) for d in report.diagnostics if d.severity is Severity.ERROR}
    assert keys == {(19, "categories[0]")}
    # the same value written by a key of another property (archetype) is not the one meant
    write_doc(
        docs,
        "a",
        {"categories: []": "categories: ['   ']", "archetype: curate-content": "archetype: '   '"},
    )
    report = validate([docs], jobs=1, inference="rdfs")
    keys = {(d.line, d.key) for d in report.diagnostics if d.severity is Severity.ERROR}
    assert keys == {(19, "categories[0]")}


def test_a_zone_followed_by_an_invisible_character_is_no_missing_zone(tmp_path: Path) -> None:
    """`…37Z` and a zero-width space is not a date (an error), but it has a timezone: the
    "no timezone; add Z" warning beside the error had told the editor to add what is there."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(
        docs, "a", {"date: '2021-02-17T04:49:37.317526Z'": 'date: "2021-02-17T04:49:37Z\\u200b"'}
    )
    report = validate([docs], jobs=1)
    told = [(d.key, d.severity, d.message) for d in report.diagnostics if d.key == "date"]
    assert len(told) == 1 and told[0][1] is Severity.ERROR, told
    assert "timezone" not in told[0][2]


def test_results_differing_only_in_focus_are_each_told_whatever_the_hash_seed(
    tmp_path: Path,
) -> None:
    """Three taxonomies spelled two ways, told at one key (a JSON topic list has no items):
    one of the three was kept, which one by the hash seed, so the report changed run to run."""
    import os

    from tests._robust import medigraph_command

    docs = tmp_path / "docs"
    docs.mkdir()
    topics = '["Medigy: Fundamental Technologies", "KLAS: Telehealth", "Symplur: Virtual Care"]'
    listed = "communityTopics:\n- 'Medigy: Fundamental Technologies'\n- 'KLAS: Telehealth'"
    write_doc(docs, "a", {listed + "\n- 'Symplur: Virtual Care'": f"communityTopics: '{topics}'"})
    write_doc(
        docs,
        "b",
        {
            "- 'Medigy:": "- 'medigy:",
            "- 'KLAS:": "- 'klas:",
            "- 'Symplur:": "- 'symplur:",
            "id: 4557": "id: 4558",
        },
    )
    reports = set()
    for seed in ("0", "1", "3"):
        done = subprocess.run(
            [*medigraph_command(), "validate", str(docs), "-j", "1", "-f", "json"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        reports.add(done.stdout)
    assert len(reports) == 1
    told = {
        r["focus"]
        for r in json.loads(reports.pop())["results"]
        if r["path"].endswith("a.md") and "taxonomy name" in r["message"]
    }
    assert told == {f"https://medigy.com/topic-scheme/{s}" for s in ("medigy", "klas", "symplur")}


def test_results_on_topics_medigy_topics_stands_in_for_are_told_at_its_items(
    tmp_path: Path,
) -> None:
    """Without communityTopics, medigyTopics's taxonomies spelled otherwise were told at a
    communityTopics the file lacks, on its first line, three times alike."""
    docs = tmp_path / "docs"
    docs.mkdir()
    listed = "communityTopics:\n- 'Medigy: Fundamental Technologies'\n- 'KLAS: Telehealth'"
    twin = '["klas: Telehealth","medigy: Apps","symplur: Virtual Care"]'
    source = write_doc(docs, "a", {listed + "\n- 'Symplur: Virtual Care'\n": ""})
    text = source.read_text(encoding="utf-8")
    source.write_text(re.sub(r"(?ms)^  medigyTopics: '.*?'\n", f"  medigyTopics: '{twin}'\n", text))
    write_doc(docs, "b", {"id: 4557": "id: 4558"})
    line = next(n for n, t in enumerate(source.read_text().splitlines(), 1) if "medigyTopics" in t)
    report = validate([docs], jobs=1)
    told = {(d.line, d.key) for d in report.diagnostics if d.path == str(source)}
    assert told and all(found == line for found, _key in told), told
    assert all(key.startswith("openProjectCustomFields.medigyTopics") for _line, key in told)


def test_documents_sharing_an_attachment_are_told_they_disagree_on_its_link(
    tmp_path: Path,
) -> None:
    """One attachment (work package and file name), two links: as for a community's
    mastHead, the message says documents may disagree, not only that a list was given."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a")
    write_doc(docs, "b", {"/api/v3/attachments/10936/content": "/api/v3/attachments/1/content"})
    report = validate([docs], jobs=1)
    told = {
        (Path(d.path).name, d.key, d.message)
        for d in report.diagnostics
        if d.code == "shacl.MaxCount"
    }
    says = (
        "featuredImage.wpAttachment.link must be a single path"
        " (a list, or documents sharing this attachment disagree)"
    )
    assert told == {
        ("a.md", "featuredImage.wpAttachment.link", says),
        ("b.md", "featuredImage.wpAttachment.link", says),
    }


def test_pre_commit_hook_runs_validate_on_markdown() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "medigraph-validate")
    assert hook["entry"] == "medigraph validate"
    assert hook["language"] == "python"
    # The files a folder's reading takes: Hugo's Markdown names, nothing hidden.
    import re as regex

    takes = [
        n for n in ("a.md", "b/c.markdown", "d.mdown", "e.txt") if regex.search(hook["files"], n)
    ]
    assert takes == ["a.md", "b/c.markdown", "d.mdown"]
    hidden = [n for n in (".a.md", "x/.y/z.md", "x/y.md") if regex.search(hook["exclude"], n)]
    assert hidden == [".a.md", "x/.y/z.md"]
    # Whatever a file holds: pre-commit's `text` type reads the content of a name it does not
    # know, and a UTF-16 `x.mdown` (which validate refuses: "file is UTF-16") is not text to it.
    assert hook.get("types", ["file"]) == ["file"]


@pytest.mark.parametrize(
    ("edit", "key", "code"),
    [
        # The mapping cannot represent it: the shapes' "author is missing" is a consequence.
        ({"author:\n- Vinit @maxinovip.com": "author:\n  name: Vinit"}, "author", "map.type"),
        # The mapping wrote it and warned; the shape's violation is the one report.
        (
            {"date: '2021-02-17T04:49:37.317526Z'": "date: '2021-02-17T04:49:37+25:00'"},
            "date",
            "shacl.Or",
        ),
        # Two constraints with the same message on the same key say it once.
        ({"id: 4557": "id: 4557.0"}, "id", None),
        (
            {"  size:\n  - 2732\n  - 1200": "  size:\n  - 2732\n  - 1200\n  - 5"},
            "featuredImage.size",
            "map.type",
        ),
        # A value not of its type: the lesser checks of the same value are noise beside it
        # (a "no timezone" warning for a date that is none, "not true" for a flag that is none).
        (
            {"date: '2021-02-17T04:49:37.317526Z'": 'date: "2021-02-17\\nT04:49%"'},
            "date",
            None,
        ),
        ({"  valid: true\n": "  valid: maybe\n"}, "featuredImage.valid", "shacl.Datatype"),
    ],
)
def test_each_problem_is_reported_once(
    tmp_path: Path, edit: dict[str, str], key: str, code: str | None
) -> None:
    write_doc(tmp_path, "one-problem", edit)
    report = validate([tmp_path], jobs=1)
    about = [d for d in report.diagnostics if d.key == key]
    assert len(about) == 1, [d.format() for d in about]
    assert about[0].severity is Severity.ERROR
    if code:
        assert about[0].code == code


def test_an_unknown_work_package_type_is_one_warning(tmp_path: Path) -> None:
    """`Curated Contnet` was told three times at its line: an info (only general community
    content), the shape's warning (not one of …) and the mapping's (unknown work-package
    type). One mistake, one report: the shape's warning, which decides the exit code."""
    edit = {
        "openProjectWorkPackageType: Curated Content": "openProjectWorkPackageType: Curated Contnet"
    }
    path = write_doc(tmp_path, "typo", edit)
    line = path.read_text().splitlines().index("openProjectWorkPackageType: Curated Contnet") + 1
    report = validate([tmp_path], jobs=1)
    told = [(d.line, d.key, d.severity, d.message) for d in report.diagnostics]
    assert told == [
        (
            line,
            "openProjectWorkPackageType",
            Severity.WARNING,
            "openProjectWorkPackageType is not one of Curated Content, News, Events, Podcasts",
        )
    ]
    assert report.exit_code() == 0 and report.exit_code(Severity.WARNING) == 1


def _told(report: ValidationReport) -> list[tuple[int | None, str | None, Severity, str]]:
    return [(d.line, d.key, d.severity, d.code) for d in report.diagnostics]


def test_an_author_that_names_no_person_is_one_warning(tmp_path: Path) -> None:
    """`' @maxinovip.com'` was told three times: "author is missing" (which only follows
    from the mapping leaving the item out), its spaces, and that it names no person. One
    mistake, one report, at the item's line; a second item's spaces are a mistake of its own."""
    write_doc(tmp_path, "a", {"- Vinit @maxinovip.com": "- ' @maxinovip.com'"})
    report = validate([tmp_path], jobs=1)
    assert _told(report) == [(5, "author[0]", Severity.WARNING, "map.no-person")]
    assert "names no person" in report.diagnostics[0].message
    assert report.exit_code() == 0 and report.exit_code(Severity.WARNING) == 1
    write_doc(tmp_path, "a", {"- Vinit @maxinovip.com": "- ' @maxinovip.com'\n- ' Bob Roe '"})
    assert _told(validate([tmp_path], jobs=1)) == [
        (5, "author[0]", Severity.WARNING, "map.no-person"),
        (6, "author[1]", Severity.WARNING, "map.spaces"),
    ]


def test_a_topic_that_is_no_topic_is_not_told_for_its_spaces_as_well(tmp_path: Path) -> None:
    write_doc(tmp_path, "a", {"- 'KLAS: Telehealth'": "- 'KLAS: '"})
    report = validate([tmp_path], jobs=1)
    about = [told for told in _told(report) if told[1] and told[1].startswith("communityTopics")]
    assert about == [(22, "communityTopics[1]", Severity.ERROR, "map.topic")]
    assert report.exit_code() == 1


def test_a_required_value_left_out_stays_an_error(tmp_path: Path) -> None:
    """A shape's result more severe than the mapping's word that the value is not written is
    kept beside it: folding it would pass a document that lacks a required value."""
    write_doc(tmp_path, "a", {"identifier: Chronic Care Management (CCM)": "identifier: ''"})
    report = validate([tmp_path], jobs=1)
    told = _told(report)
    assert (42, "identifier", Severity.ERROR, "shacl.MinCount") in told
    assert (42, "identifier", Severity.WARNING, "map.empty") in told
    assert report.exit_code() == 1


def test_an_unknown_image_format_is_one_warning(tmp_path: Path) -> None:
    """`format: TXT` was told twice at its line: the shape's "not an image format" and the
    mapping's "unknown image format 'TXT'; written as typed". One mistake, one report: the
    shape's warning, which decides the exit code."""
    path = write_doc(tmp_path, "txt", {"  format: JPEG": "  format: TXT"})
    line = path.read_text().splitlines().index("  format: TXT") + 1
    report = validate([tmp_path], jobs=1)
    told = [(d.line, d.key, d.severity, d.code) for d in report.diagnostics]
    assert told == [(line, "featuredImage.format", Severity.WARNING, "shacl.Pattern")]
    assert "is not an image format" in report.diagnostics[0].message
    assert report.exit_code() == 0 and report.exit_code(Severity.WARNING) == 1


def test_a_work_package_type_with_spaces_around_it_is_read_as_its_name(tmp_path: Path) -> None:
    """`' Curated Content'` was kept with its space: mapped as content of no kind, and told
    by the shape as "not one of Curated Content, …", which hid the space. It is read as
    the type it names, the spaces told, as around any name."""
    old = "openProjectWorkPackageType: Curated Content"
    path = write_doc(tmp_path, "spaced", {old: "openProjectWorkPackageType: ' Curated Content'"})
    line = path.read_text().splitlines().index("openProjectWorkPackageType: ' Curated Content'")
    report = validate([tmp_path], jobs=1)
    told = [(d.line, d.key, d.code) for d in report.diagnostics]
    assert told == [(line + 1, "openProjectWorkPackageType", "map.spaces")]
    assert report.exit_code() == 0


def test_a_non_web_link_is_rejected_at_its_key(tmp_path: Path) -> None:
    href = "https://www.healthleadersmedia.com/telehealth/3-actions-health-systems-should-take-now-bolster-telehealth"
    write_doc(
        tmp_path,
        "js-link",
        {f"  href: {href}\n  original": "  href: javascript:alert(1)\n  original"},
    )
    report = validate([tmp_path], jobs=1)
    (problem,) = [d for d in report.diagnostics if d.key == "link.href"]
    assert problem.code == "map.iri" and "http:// or https://" in problem.message
    assert report.exit_code() == 1


def test_a_bidi_mark_in_a_links_host_is_percent_encoded_and_told(tmp_path: Path) -> None:
    """A left-to-right mark pasted after the domain: encoded as in the path, with the same
    map.iri warning, so the dump holds a valid IRI that rdflib reads back."""
    import rdflib

    href = "https://www.healthleadersmedia.com/telehealth/3-actions-health-systems-should-take-now-bolster-telehealth"
    write_doc(
        tmp_path,
        "lrm",
        {f"  href: {href}": '  href: "https://www.healthleadersmedia.com\\u200e"'},
    )
    out = tmp_path / "d.nt"
    report = export([tmp_path], out, jobs=1, cache=False)
    assert report.exit_code == 0
    (told,) = [d for d in report.diagnostics if d.key == "link.href"]
    encoded = "https://www.healthleadersmedia.com%E2%80%8E"
    assert (told.severity, told.code) == (Severity.WARNING, "map.iri")
    assert told.message.endswith(f"written as {encoded}")
    assert "\u200e" not in out.read_text(encoding="utf-8")
    graph = rdflib.Graph().parse(out, format="nt")
    assert rdflib.URIRef(encoded) in set(graph.objects())


def test_ill_typed_literals_do_not_spill_tracebacks(tmp_path: Path) -> None:
    write_doc(tmp_path, "bad-date", {"date: '2021-02-17T04:49:37.317526Z'": "date: '2026-13-45'"})
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from medigraph._entry import main; main()",
            "validate",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "date: date is not a valid date" in done.stdout
    assert "Traceback" not in done.stderr and "Failed to convert" not in done.stderr


def test_results_with_and_without_a_path_on_one_node_can_be_ordered(tmp_path: Path) -> None:
    # an unknown work-package type: a node-shape result (no path, no value) on the content
    # item; no title: a property-shape result on the same item. Sorting them used to compare
    # None with text and crash the whole run.
    write_doc(
        tmp_path,
        "both",
        {
            "openProjectWorkPackageType: Curated Content": "openProjectWorkPackageType: Webinars",
            "title: Three Actions": "subtitle: Three Actions",
        },
    )
    for report in (validate([tmp_path], jobs=1), validate([tmp_path], jobs=1, batch_size=0)):
        on_item = [r for r in report.results if r.focus_iri == CONTENT + "both"]
        assert any(r.path is None for r in on_item) and any(r.path for r in on_item)
        assert report.exit_code() == 1


def test_cli_export_validate_with_unusable_shapes_is_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI loads the validation module only for ``--validate``; its setup errors still
    end the export with exit code 2 and write nothing."""
    import medigraph.validation

    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a")
    empty = tmp_path / "no-shapes.ttl"
    empty.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n", encoding="utf-8")
    monkeypatch.setattr(medigraph.validation, "default_shapes", lambda: empty)
    dump = tmp_path / "out" / "dump.ttl"
    result = CliRunner().invoke(
        cli, ["export", str(docs), "-o", str(dump), "--validate", "--no-store", "--no-cache"]
    )
    assert result.exit_code == 2, result.output
    assert f"shapes file {empty} declares no shapes" in result.stderr
    assert not dump.exists()


@pytest.mark.parametrize(
    ("valid", "expected"),
    [
        ("1", []),  # xsd:boolean's lexical space is true, false, 1 and 0
        ("0", [("shacl.In", Severity.INFO, "is not true")]),
        # one mistake, one report: not "is not true" as well beside the error
        ("maybe", [("shacl.Datatype", Severity.ERROR, "must be true or false")]),
    ],
)
def test_image_validated_flag(
    tmp_path: Path, valid: str, expected: list[tuple[str, Severity, str]]
) -> None:
    write_doc(tmp_path, "a", {"  valid: true\n": f"  valid: {valid}\n"})
    _code, _out, err = run("validate", str(tmp_path))
    assert "weird boolean" not in err  # rdflib's own complaint does not reach the editor
    report = validate([tmp_path], jobs=1)
    got = [
        (d.code, d.severity, d.message)
        for d in report.diagnostics
        if d.key == "featuredImage.valid"
    ]
    assert sorted((c, s) for c, s, _m in got) == sorted((c, s) for c, s, _m in expected)
    messages = {c: m for c, _s, m in got}
    assert all(part in messages[c] for c, _s, part in expected)


def _community_spelled_two_ways(tmp_path: Path) -> Path:
    """Two documents of one community, the second spelling its name in lower case."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a")
    write_doc(
        docs,
        "b",
        {
            "id: 4557": "id: 4558",
            "  workPackage: 4557": "  workPackage: 4558",
            "identifier: Chronic Care Management (CCM)": "identifier: chronic care management (ccm)",
        },
    )
    return docs


def test_rdfs_tells_a_community_spelled_two_ways_once_not_as_a_publisher_too(
    tmp_path: Path,
) -> None:
    """Under rdfs a community is a schema:Organization, so the publishers' shape checked it
    as well: each document got the community's warning and a second one, the same count of
    the same names, saying "link.brand (or an author's @domain)", which it has nothing to do
    with. The shape of the narrower class (the community's) tells it, as without inference."""
    docs = _community_spelled_two_ways(tmp_path)
    plain = validate([docs], jobs=1)
    inferred = validate([docs], jobs=1, inference="rdfs")
    told = [(Path(d.path).name, d.key, d.message) for d in inferred.diagnostics]
    assert not [t for t in told if "link.brand" in t[2]], told
    assert told == [(Path(d.path).name, d.key, d.message) for d in plain.diagnostics]
    spelled = [t for t in told if "spelled differently" in t[2]]
    assert [(name, key) for name, key, _m in spelled] == [
        ("a.md", "identifier"),
        ("b.md", "identifier"),
    ]


def test_a_dump_holding_the_ontology_tells_a_community_spelled_two_ways_once(
    tmp_path: Path,
) -> None:
    """A store holds the ontology beside the documents; in a dump of it, SHACL's class
    targets follow medigy:Community rdfs:subClassOf schema:Organization without any inference,
    and the publishers' shape told the community's two spellings again, as a link.brand
    problem."""
    docs = _community_spelled_two_ways(tmp_path)
    dump = tmp_path / "dump.nq"
    export([docs], dump, jobs=1, cache=False)
    ontology_graph = ox.NamedNode("https://medigy.com/ontology/")
    quads = list(ox.parse(path=str(dump))) + [
        ox.Quad(t.subject, t.predicate, t.object, ontology_graph)
        for t in ox.parse(path=str(ROOT / "ontology" / "medigy.ttl"))
    ]
    with_ontology = tmp_path / "store.nq"
    ox.serialize(quads, output=str(with_ontology), format=ox.RdfFormat.N_QUADS)
    told = [
        (Path(d.path).name, d.key, d.message) for d in validate_graph(with_ontology).diagnostics
    ]
    assert not [t for t in told if "link.brand" in t[2]], told
    spelled = [t[:2] for t in told if "spelled differently" in t[2]]
    assert spelled == [("a.md", "identifier"), ("b.md", "identifier")], told


def test_rdfs_inference_finds_nothing_new_in_good_content() -> None:
    """With --inference rdfs, an image's work package is also a prov:wasDerivedFrom value
    (medigy:workPackage is a subproperty): no reason for a violation."""
    plain = validate([EXAMPLES], jobs=1)
    inferred = validate([EXAMPLES], jobs=1, inference="rdfs")
    assert inferred.counts()["error"] == 0
    assert [d.format() for d in inferred.diagnostics] == [d.format() for d in plain.diagnostics]


def test_a_community_value_is_reported_at_the_key_that_wrote_it(tmp_path: Path) -> None:
    """Not at ``identifier``, the key that names the community."""
    docs = tmp_path / "docs"
    docs.mkdir()
    text = SEED.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^mastHead: .*$", "mastHead: [A, B]", text, count=1)
    text = re.sub(r"(?m)^type: .*$", "type: medigy-value-based-care", text, count=1)
    (docs / "x.md").write_text(text, encoding="utf-8")
    lines = text.splitlines()
    report = validate([docs], jobs=1)
    where = {(d.key, d.line) for d in report.diagnostics if d.code.startswith("shacl.")}
    assert ("mastHead[0]", lines.index("mastHead: [A, B]") + 1) in where
    assert ("type", lines.index("type: medigy-value-based-care") + 1) in where
    assert not any(key == "identifier" for key, _ in where)


@pytest.mark.parametrize("rejected_first", [True, False])
def test_a_rejected_copy_under_the_same_mdname_is_checked_alone(
    tmp_path: Path, rejected_first: bool
) -> None:
    """An editor copies a file and keeps its mdName; the copy is rejected (a link that is no
    address). Each file's problems are its own, whichever sorts first and however the files
    are batched: the copy's invalid date is not told to the original, nor the reverse."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    good = write_doc(
        tmp_path / ("two" if rejected_first else "one"),
        "same",
        {"date: '2021-02-17T04:49:37.317526Z'": "date: '2024-02-30T10:00:00Z'"},
    )
    copy = write_doc(
        tmp_path / ("one" if rejected_first else "two"),
        "same",
        {"  href: https://www.healthleadersmedia.com/": "  href: see website"},
    )
    runs = [validate([tmp_path], jobs=j, batch_size=b) for j, b in ((1, 100), (2, 1), (1, 0))]
    for report in runs[1:]:
        assert rows(report) == rows(runs[0])
    by_file = {
        (Path(d.path).parent.name, d.key, d.code)
        for d in runs[0].diagnostics
        if d.severity is Severity.ERROR
    }
    assert by_file == {
        (good.parent.name, "date", "shacl.Or"),
        (copy.parent.name, "link.href", "map.iri"),
    }


def test_an_unknown_graph_format_is_named(tmp_path: Path) -> None:
    dump = tmp_path / "a.nq"
    export([EXAMPLES], dump, jobs=1, cache=False)
    every = (
        "'ttl', 'turtle', 'nt', 'ntriples', 'trig', 'nq', 'nquads', 'jsonld', 'json-ld', 'json',"
        " 'rdf', 'n3'"
    )
    for name in ("foo", "xml"):
        done = CliRunner().invoke(cli, ["validate", "--graph", str(dump), "--graph-format", name])
        assert done.exit_code == 2
        assert f"Error: Invalid value for '--graph-format': '{name}' is not one of {every}." in (
            done.output
        )
    ok = CliRunner().invoke(cli, ["validate", "--graph", str(dump), "--graph-format", "NQ"])
    assert ok.exit_code == 0 and "Invalid" not in ok.output
    helped = CliRunner().invoke(cli, ["validate", "--help"])
    assert "[ttl|turtle|nt|ntriples|trig|nq|nquads|jsonld|json-ld|json|rdf|n3]" in helped.output


@pytest.mark.parametrize(
    ("written", "names"),
    [
        ("nt", ["nt", "ntriples"]),
        ("nq", ["nq", "nquads"]),
        ("ttl", ["ttl", "turtle"]),
        ("jsonld", ["jsonld", "json-ld", "json"]),
    ],
)
def test_the_graph_format_takes_the_names_export_takes(
    tmp_path: Path, written: str, names: list[str]
) -> None:
    """A dump whose extension says nothing is read as the format named, by any of the names
    export --format and the README give it."""
    dump = tmp_path / "dump.data"
    export([EXAMPLES], dump, format=written, jobs=1, cache=False)
    for name in names:
        done = CliRunner().invoke(
            cli, ["validate", "--graph", str(dump), "--graph-format", name, "-q"]
        )
        assert done.exit_code == 0, (name, done.output)


def test_a_dump_is_read_by_the_extensions_export_names_dumps_by(tmp_path: Path) -> None:
    """``export -o dump.txt`` wrote Turtle and ``validate --graph dump.txt`` read it as
    N-Triples (pyoxigraph's guess): "not valid RDF", exit 2. Now export refuses ``.txt``
    unless given --format, and validate asks for --graph-format for any extension export
    does not name dumps by (but .rdf, .xml and .n3, the formats it also reads)."""
    txt = tmp_path / "dump.txt"
    refused = CliRunner().invoke(cli, ["export", str(EXAMPLES), "-o", str(txt), "--no-store"])
    assert refused.exit_code == 2 and not txt.exists()
    assert ".txt is no format medigraph writes" in refused.stderr
    export([EXAMPLES], txt, format="ttl", jobs=1, cache=False)
    asked = CliRunner().invoke(cli, ["validate", "--graph", str(txt)])
    assert asked.exit_code == 2
    assert asked.stderr.strip().splitlines()[-1] == (
        f"Error: cannot tell the RDF format of {txt} from .txt; give --graph-format (ttl, nt,"
        " trig, nq, jsonld, rdf or n3)"
    )
    told = CliRunner().invoke(cli, ["validate", "--graph", str(txt), "--graph-format", "ttl"])
    assert told.exit_code == 0, told.output
    for name in ("dump", "dump.json", "dump.nquads"):
        dump = tmp_path / name
        export([EXAMPLES], dump, jobs=1, cache=False)
        done = CliRunner().invoke(cli, ["validate", "--graph", str(dump), "-q"])
        assert done.exit_code == 0, (name, done.output)


@pytest.mark.parametrize("holding", ["", "ontology"])
def test_a_dump_of_no_document_is_refused_as_an_empty_folder_is(
    tmp_path: Path, holding: str
) -> None:
    """``validate --graph`` of an empty .ttl, or of the ontology, said "conforms: 0 documents
    checked", exit 0: a mistyped path passed a CI gate. Now exit 2, as for an empty folder."""
    dump = tmp_path / "empty.ttl"
    if holding:
        dump.write_bytes((ROOT / "ontology" / "medigy.ttl").read_bytes())
    else:
        dump.write_bytes(b"")
    done = CliRunner().invoke(cli, ["validate", "--graph", str(dump)])
    assert done.exit_code == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines()[-1] == (
        f"Error: no documents in {dump} (no graph record naming a document's source file, as"
        " medigraph export writes one for each): nothing to check"
    )


def test_options_that_do_nothing_here_are_refused(tmp_path: Path) -> None:
    dump = tmp_path / "a.ttl"
    export([EXAMPLES], dump, jobs=1, cache=False)
    runner = CliRunner()
    for args, says in [
        (["validate", str(EXAMPLES), "--graph-format", "ttl"], "--graph-format only applies"),
        (["validate", str(EXAMPLES), "--root", str(EXAMPLES)], "--root only applies"),
        (["validate", "--graph", str(dump), "-j", "2"], "--jobs only applies"),
        (["validate", "--graph", str(dump), "--batch-size", "5"], "--batch-size only applies"),
        (["query", "--union-default-graph", "ASK {}"], "--union-default-graph only applies"),
        (["query", "--list", "ASK {}"], "take no query"),
        (["query", "--list", "--prefixes"], "not both"),
    ]:
        done = runner.invoke(cli, args)
        assert done.exit_code == 2, (args, done.output)
        assert says in done.output, (args, done.output)


def test_a_file_named_only_md_is_a_document_not_a_crash(tmp_path: Path) -> None:
    """Named on the command line, a file called `.md` (no mdName, no id) is keyed by its name;
    and whatever goes wrong inside mapping one file is an error on that file, not a traceback
    that ends validate with the exit code of "violations found"."""
    text = SEED.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(mdName|id): .*\n", "", text)
    (tmp_path / "news").mkdir()
    odd = tmp_path / "news" / ".md"
    odd.write_text(text, encoding="utf-8")
    for command in (["validate", str(odd)], ["export", str(odd), "-o", str(tmp_path / "x.nt")]):
        result = CliRunner().invoke(cli, command)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "internal error" not in result.output, result.output
        assert result.exit_code in (0, 1), result.output
    assert "<https://medigy.com/content/.md>" in (tmp_path / "x.nt").read_text(encoding="utf-8")


def test_a_report_is_never_written_over_a_markdown_file(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    target.write_bytes(SEED.read_bytes())
    result = CliRunner().invoke(cli, ["validate", str(target), "-o", str(target)])
    assert result.exit_code == 2
    assert "a report is not a Markdown file" in result.output
    assert target.read_bytes() == SEED.read_bytes()


def test_a_hugo_sites_root_alone_is_a_usage_error_for_validate_and_export(tmp_path: Path) -> None:
    (tmp_path / "site" / "content").mkdir(parents=True)
    (tmp_path / "site" / "content" / "a.md").write_bytes(SEED.read_bytes())
    (tmp_path / "site" / "config.yaml").write_text("title: x\n", encoding="utf-8")
    site = str(tmp_path / "site")
    for command in (["validate", site], ["export", site, "-o", str(tmp_path / "x.ttl")]):
        done = CliRunner().invoke(cli, command)
        assert done.exit_code == 2, done.output
        assert "is a Hugo site's root" in done.output and "no documents" not in done.output


@pytest.mark.parametrize("inference", ["none", "rdfs"])
def test_an_image_from_another_work_package_names_a_described_work_package(
    tmp_path: Path, inference: str
) -> None:
    """featuredImage.workPackage 4 in the document of work package 4557: work package 4 is
    described (a WorkPackage numbered 4), so RDFS, which infers its class from the link,
    finds its number, and only the documented warning remains."""
    doc = write_doc(tmp_path, "c", {"  workPackage: 4557": "  workPackage: '04'"})
    report = validate([doc], jobs=1, inference=inference)
    found = [(d.severity, d.key) for d in report.diagnostics]
    assert found == [(Severity.WARNING, "featuredImage.workPackage")], [
        d.format() for d in report.diagnostics
    ]
    out = tmp_path / "d.nt"
    assert export([doc], out, jobs=1, cache=False).exit_code == 0
    triples = {(str(s), str(p), str(o)) for s, p, o in rdflib.Graph().parse(out, format="nt")}
    wp4 = "https://medigy.com/work-package/4"
    assert (wp4, str(rdflib.RDF.type), "https://medigy.com/ontology/WorkPackage") in triples
    assert (wp4, "http://schema.org/identifier", "4") in triples


def test_a_key_in_another_case_is_the_key_hugo_reads(tmp_path: Path) -> None:
    """`Date:` is Hugo's date (keys without case), so it is the graph's: no "date is
    missing", and a result about its value is told at its own line under the mapping's name."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a", {"\ndate: '2021": "\nDate: '2021", "\nlastMod: '2021": "\nLASTMOD: '2020"})
    report = validate([docs], jobs=1)
    told = [(d.line, d.key, d.severity, d.code) for d in report.diagnostics]
    assert not any(d.code in ("shacl.MinCount", "map.key") for d in report.diagnostics), told
    # lastMod (2020) before date (2021): at LASTMOD's line
    assert [(line, key) for line, key, _s, code in told if code == "shacl.SPARQL"] == [
        (43, "lastMod")
    ]


def test_text_of_only_white_space_counts_as_empty_where_a_value_is_required(
    tmp_path: Path,
) -> None:
    """`title: '   '` shows no title, as an empty one: an error at its line, as pySHACL finds
    on the written graph (sh:pattern: a visible character; sh:minLength 1 lets white space
    through)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(
        docs, "a", {"\ntitle: Three": "\ntitle: '   '\nsubtitle: Three", "- news\n": "- ' '\n"}
    )
    write_doc(docs, "b", {"\ntitle: Three": "\ntitle:\nsubtitle: Three"})
    # invisible too: a zero-width space, a soft hyphen, Unicode spaces (written in the shapes,
    # not left to a regex engine's \s, which in XPath is ASCII white space only)
    write_doc(docs, "c", {"\ntitle: Three": '\ntitle: "\\u200b\\u00ad\\u2003"\nsubtitle: Three'})
    report = validate([docs], jobs=1)
    assert rows(report) == [
        ("a.md", 63, "tags[0]", Severity.ERROR, "shacl.Pattern", CONTENT + "a"),
        ("a.md", 64, "title", Severity.ERROR, "shacl.Pattern", CONTENT + "a"),
        ("b.md", 64, "title", Severity.ERROR, "shacl.MinCount", CONTENT + "b"),
        ("c.md", 64, "title", Severity.ERROR, "shacl.Pattern", CONTENT + "c"),
    ]
    said = {(Path(d.path).name, d.key): d.message for d in report.diagnostics}
    assert said[("a.md", "title")] == said[("b.md", "title")] == "title is missing"
    assert report.exit_code() == 1
    dump = tmp_path / "dump.ttl"
    done = CliRunner().invoke(
        cli, ["export", str(docs), "-o", str(dump), "--validate", "--no-store", "--no-cache"]
    )
    assert done.exit_code == 1 and not dump.exists()
    assert "a.md:64: error: title: title is missing" in done.stderr


@pytest.mark.parametrize(
    ("edit", "key", "node", "line"),
    [
        ({"\nid: 4557\n": "\nid:\n"}, "id", "workPackage", 41),
        ({"\nid: 4557\n": "\nid: '   '\n"}, "id", "workPackage", 41),
        (
            {"  workPackage: 4557": "  workPackage:"},
            "featuredImage.workPackage",
            "imageAttachment",
            37,
        ),
        (
            {"identifier: Chronic Care Management (CCM)": "identifier: ' '"},
            "identifier",
            "community",
            42,
        ),
    ],
)
def test_a_key_left_empty_that_names_a_node_is_told_at_its_own_line(
    tmp_path: Path, edit: dict[str, str], key: str, node: str, line: int
) -> None:
    """`id:` emptied: told at the id line (not only at the lines of the keys not written for
    want of it), and the image's work package is not blamed for not being the same as id."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_doc(docs, "a", edit)
    report = validate([docs], jobs=1)
    told = [(d.line, d.key, d.severity, d.code, d.message) for d in report.diagnostics]
    assert (
        line,
        key,
        Severity.WARNING,
        "map.empty",
        f"is empty, so the {node} it names is not written",
    ) in told
    assert not [d for d in report.diagnostics if d.code == "shacl.SPARQL"]
    assert all(d.line != 37 for d in report.diagnostics if key != "featuredImage.workPackage")


def test_an_mdname_of_only_spaces_is_told_as_an_empty_one(tmp_path: Path) -> None:
    """`mdName: '   '` made the address from id with no word, where an empty mdName is told
    (info): both are the same now, and the graph holds no schema:identifier of spaces."""
    said = "mdName is missing; the item's address is made from id or the file path instead"
    for name, written in (("spaces", "'   '"), ("empty", ""), ("list", "[]")):
        docs = tmp_path / name
        docs.mkdir()
        write_doc(docs, "a", {"\nmdName: a\n": f"\nmdName: {written}\n"})
        report = validate([docs], jobs=1)
        told = [(d.line, d.key, d.severity, d.code, d.message) for d in report.diagnostics]
        assert told == [(49, "mdName", Severity.INFO, "shacl.MinCount", said)], name
        dump = tmp_path / f"{name}.nt"
        export([docs], dump, jobs=1, cache=False)
        graph = rdflib.Graph().parse(dump, format="nt")
        document = rdflib.URIRef(CONTENT + "4557")
        assert (document, rdflib.RDF.type, None) in graph, name
        assert list(graph.objects(document, rdflib.URIRef("http://schema.org/identifier"))) == []


def test_a_capitalised_draft_key_is_a_draft_as_hugo_reads_it(tmp_path: Path) -> None:
    """Hugo reads keys without case: `Draft: true` is a draft, left out of the site, and so
    of the export."""
    doc = write_doc(tmp_path, "d", {"\ntitle: ": "\nDraft: true\ntitle: "})
    report = export([doc, write_doc(tmp_path, "p")], tmp_path / "d.ttl", jobs=1, cache=False)
    assert (report.exported, report.drafts) == (1, 1), report.summary()
    assert [d.format() for d in report.diagnostics if d.code == "map.key"] == []
    # with --drafts it is exported saying so, as push --dump then leaves it out
    dump = tmp_path / "drafts.nt"
    assert export([doc], dump, jobs=1, cache=False, drafts=True).exported == 1
    flags = {
        t.object.value for t in ox.parse(path=str(dump)) if t.predicate.value.endswith("/draft")
    }
    assert flags == {"true"}


def test_a_work_package_that_is_no_number_is_not_linked(tmp_path: Path) -> None:
    """`featuredImage.workPackage: 4557-b` names no work package (they are numbered): it is
    told and not written, so RDFS infers no undescribed work package to blame `id` for."""
    doc = write_doc(tmp_path, "c", {"  workPackage: 4557": "  workPackage: 4557-b"})
    for inference in ("none", "rdfs"):
        report = validate([doc], jobs=1, inference=inference)
        assert [d.key for d in report.diagnostics if d.severity is Severity.ERROR] == []
        told = [d for d in report.diagnostics if d.code == "map.integer"]
        assert [d.key for d in told] == ["featuredImage.workPackage"]


def test_a_dump_made_with_a_mapping_of_other_provenance_terms_is_checked(tmp_path: Path) -> None:
    """``validate --graph`` found documents by medigraph's own provenance terms: a dump made
    with a mapping that names others was refused as holding no document."""
    from medigraph.export import export
    from medigraph.validation import validate_graph

    mapping = tmp_path / "mapping.yaml"
    text = (ROOT / "ontology" / "mapping.yaml").read_text(encoding="utf-8")
    renamed = text.replace("primary_topic: medigy:describes", "primary_topic: schema:mainEntity")
    assert renamed != text
    mapping.write_text(renamed, encoding="utf-8")
    dump = tmp_path / "d.trig"
    export([EXAMPLES], dump, mapping=mapping, jobs=1, cache=False)
    checked = validate_graph(dump, mapping=mapping)
    assert len(checked.checked) == 19


@pytest.mark.parametrize(
    "typed",
    ["20210217", "2021-W07-3", "2021-02-17T04:49Z", "2021-02-17T04:49:37+0530", "2023-05-02+15:00"],
)
def test_a_date_that_is_none_is_a_violation_where_rdflib_reads_it_as_one(
    tmp_path: Path, typed: str
) -> None:
    """ISO forms Python reads (`20210217`, a week date, no seconds, `+0530`) are no
    xsd:dateTime: the dump holds them as typed, which stores do not compare, and the export
    says "not a real date". rdflib, and so pySHACL, reads them as dates, so validate passed
    them (exit 0; `20210217` with only "date has no timezone; add Z"). The README's rule holds
    now: a value that does not fit its type is a violation to validate, told once."""
    path = write_doc(tmp_path, "d", {"date: '2021-02-17T04:49:37.317526Z'": f"date: '{typed}'"})
    line = path.read_text().splitlines().index(f"date: '{typed}'") + 1
    # the export writes it as typed, with a warning (exit 0)
    exported = export([tmp_path], tmp_path / "out" / "d.nt", jobs=1, cache=False)
    assert exported.exit_code == 0
    assert [(d.line, d.key, d.severity) for d in exported.diagnostics] == [
        (line, "date", Severity.WARNING)
    ]
    report = validate([tmp_path], jobs=1)
    told = [(d.line, d.key, d.severity, d.code) for d in report.diagnostics if d.key == "date"]
    assert told == [(line, "date", Severity.ERROR, "map.not-a-date")]
    assert f"'{typed}' is not a real date" in report.diagnostics[0].message
    assert report.exit_code() == 1
    # a date rdflib cannot read either is told once, by the shape, as before
    write_doc(tmp_path, "d", {"date: '2021-02-17T04:49:37.317526Z'": "date: '2021-02-31'"})
    again = validate([tmp_path / "d.md"], jobs=1)
    assert [(d.key, d.severity, d.code) for d in again.diagnostics] == [
        ("date", Severity.ERROR, "shacl.Or")
    ]


def test_an_empty_owltype_is_no_owltype(tmp_path: Path) -> None:
    """`owlType: ''` was "unknown owlType '' (known: 'Medigy Communities')", an error, while
    `owlType:` (no value) and no owlType at all take the fallbacks' (here by `archetype`), as
    an empty text is no value everywhere else. A section's `_index.md` saying `owlType: ''`
    names none either: a list page, left out, not content made by a fallback."""
    empty = tmp_path / "empty"
    none = tmp_path / "none"
    empty.mkdir()
    none.mkdir()
    write_doc(empty, "d", {"owlType: Medigy Communities": "owlType: ''"})
    write_doc(none, "d", {"owlType: Medigy Communities\n": ""})
    a = export([empty], tmp_path / "a.nt", jobs=1, cache=False)
    b = export([none], tmp_path / "b.nt", jobs=1, cache=False)
    assert a.exit_code == b.exit_code == 0 and a.exported == 1
    assert a.diagnostics == b.diagnostics == []

    def lines(dump: Path) -> list[str]:  # but for the digest of the text, one line fewer
        return [x for x in dump.read_text().splitlines() if "textSha256" not in x]

    assert lines(tmp_path / "a.nt") == lines(tmp_path / "b.nt")
    assert validate([empty], jobs=1).exit_code() == 0
    (empty / "_index.md").write_text(
        "---\ntitle: A community\ntype: communities/x\nowlType: ''\n---\nIntro.\n", encoding="utf-8"
    )
    report = export([empty], tmp_path / "c.nt", jobs=1, cache=False)
    assert (report.exported, report.sections, report.exit_code) == (1, 1, 0)


@pytest.mark.parametrize(
    ("edit", "key", "severity", "message"),
    [
        (
            {"date: '2021-02-17T04:49:37.317526Z'": "publishDate: March 2, 2021"},
            "publishDate",
            Severity.ERROR,
            "publishDate must be one date and time, like 2021-02-17T04:49:37Z",
        ),
        (
            {
                "date: '2021-02-17T04:49:37.317526Z'\n": "",
                "lastMod: '2021-02-17T10:10:10.785753Z'": "lastMod: 17/02/2021",
            },
            "lastMod",
            Severity.ERROR,
            "lastMod is not a valid date and time; write it like 2021-02-17T10:10:10Z",
        ),
        (
            {
                "date: '2021-02-17T04:49:37.317526Z'\n": "",
                "lastMod: '2021-02-17T10:10:10.785753Z'": "lastMod: '2021-02-17T10:10:10'",
            },
            "lastMod",
            Severity.WARNING,
            "lastMod has no timezone; add Z for UTC or an offset such as +05:30",
        ),
        # what only date's shapes say of the value (publishDate may lack a timezone) is kept
        (
            {"date: '2021-02-17T04:49:37.317526Z'": "publishDate: '2021-02-17T04:49:37'"},
            "publishDate",
            Severity.WARNING,
            "date has no timezone; add Z for UTC or an offset such as +05:30",
        ),
    ],
)
def test_a_stand_in_for_date_is_told_once_at_its_key(
    tmp_path: Path, edit: dict[str, str], key: str, severity: Severity, message: str
) -> None:
    """A page without `date` is dated by its publishDate (else lastMod): a bad value there was
    told twice at its line, by date's shape ("date is not a valid date and time") and by the
    key's own ("publishDate must be one date and time"), where export tells it once. One
    mistake, one report, the key's own words; pySHACL's results are all kept."""
    docs = tmp_path / "docs"
    docs.mkdir()
    path = write_doc(docs, "stand-in", edit)
    written = next(t for t in path.read_text().splitlines() if t.startswith(key + ":"))
    line = path.read_text().splitlines().index(written) + 1
    report = validate([docs], jobs=1)
    told = [(d.line, d.key, d.severity, d.message) for d in report.diagnostics]
    assert told == [(line, key, severity, message)]
    assert report.exit_code() == (1 if severity is Severity.ERROR else 0)
    shapes = {r.shape.rsplit("/", 1)[-1] for r in report.results}
    assert any(s.startswith("Content-date-") for s in shapes), shapes
    # a dump checked with its sources says the same
    dump = tmp_path / "dump.trig"
    export([docs], dump, jobs=1, cache=False)
    from_dump = validate_graph(dump, root=docs)
    assert [(d.line, d.key, d.severity, d.message) for d in from_dump.diagnostics] == told
    assert from_dump.results == report.results


def test_a_content_class_the_document_graph_shape_does_not_list_is_named(tmp_path: Path) -> None:
    """A mapping's new content class (medigy:Webinar), not added to mgs:DocumentGraphShape's
    sh:or, failed every document with "the document graph must describe exactly one content
    item (medigraph error)", blaming medigraph; the message names the class and says what to
    do. With --inference rdfs (the class a subclass of medigy:Content) it conforms there."""
    mapping = tmp_path / "mine.yaml"
    mapping.write_text(
        (ROOT / "ontology" / "mapping.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "classes:\n",
            "classes:\n  - owlType: Medigy Webinars\n    class: medigy:Webinar\n",
            1,
        ),
        encoding="utf-8",
    )
    ontology = tmp_path / "onto.ttl"
    ontology.write_text(
        (ROOT / "ontology" / "medigy.ttl").read_text(encoding="utf-8")
        + "\nmedigy:Webinar a owl:Class ; rdfs:subClassOf medigy:Content .\n",
        encoding="utf-8",
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "w.md").write_text(
        "---\ntitle: A webinar\nmdName: webinar-one\nowlType: Medigy Webinars\n"
        "date: 2024-01-01T10:00:00Z\ndescription: A webinar.\n---\nBody.\n",
        encoding="utf-8",
    )
    options = {"mapping": str(mapping), "ontology": str(ontology), "jobs": 1}
    told = [
        d
        for d in validate([docs], **options).diagnostics  # type: ignore[arg-type]
        if d.shape and "DocumentGraphShape" in d.shape
    ]
    assert len(told) == 1, told
    message = told[0].message
    assert "medigraph error" not in message
    assert "medigy:Webinar" in message and "--inference rdfs" in message
    assert "[ sh:class medigy:Webinar ]" in message
    inferred = validate([docs], inference="rdfs", **options)  # type: ignore[arg-type]
    assert not [d for d in inferred.diagnostics if d.shape and "DocumentGraphShape" in d.shape]
