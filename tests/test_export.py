"""Export: the graph answers the standard questions, and the dump is deterministic."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import yaml
from click.testing import CliRunner

from medigraph.cli import cli
from medigraph.export import NothingFound, export

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "content"
BROKEN = ROOT / "examples" / "broken"
SEED = (
    EXAMPLES
    / "communities/chronic-care-management/curated-content/d12da9f4-80a4-53d7-ad46-1e538af2b729.md"
)
PREFIXES = """
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX medigy: <https://medigy.com/ontology/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def front_matters() -> list[dict]:
    """The example front matter, read independently of medigraph (strings kept as typed)."""
    out = []
    for path in sorted(EXAMPLES.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        out.append(yaml.load(text.split("---\n")[1], Loader=yaml.BaseLoader))
    return out


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "medigraph.ttl"
    report = export([EXAMPLES], out, jobs=1)
    assert report.exit_code == 0, [d.format() for d in report.diagnostics]
    return out


@pytest.fixture(scope="module")
def store(dump: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(dump), format=ox.RdfFormat.TURTLE)
    return store


def select(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    return [tuple(term.value for term in row) for row in store.query(PREFIXES + query)]


def test_every_example_document_is_exported(store: ox.Store) -> None:
    rows = select(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a medigy:CommunityContent }")
    assert int(rows[0][0]) == len(front_matters())


def test_title_of_the_content_whose_original_article_is_known(store: ox.Store) -> None:
    seed = yaml.load(SEED.read_text().split("---\n")[1], Loader=yaml.BaseLoader)
    rows = select(
        store,
        f"SELECT ?title WHERE {{ ?c schema:isBasedOn <{seed['link']['href']}> ; schema:name ?title }}",
    )
    assert rows == [(seed["title"],)]


def test_topics_in_the_klas_scheme_match_the_front_matter(store: ox.Store) -> None:
    expected = {
        t.split(":", 1)[1].strip()
        for fm in front_matters()
        for t in fm.get("communityTopics", [])
        if t.startswith("KLAS:")
    }
    rows = select(
        store,
        """SELECT DISTINCT ?label WHERE {
             ?topic a skos:Concept ; skos:prefLabel ?label ; skos:inScheme ?scheme .
             ?scheme a skos:ConceptScheme ; skos:prefLabel "KLAS" }""",
    )
    assert {label for (label,) in rows} == expected


def test_one_concept_scheme_per_prefix(store: ox.Store) -> None:
    rows = select(store, "SELECT ?label WHERE { ?s a skos:ConceptScheme ; skos:prefLabel ?label }")
    assert sorted(label for (label,) in rows) == ["KLAS", "Medigy", "Symplur"]


def test_content_of_a_community_ordered_by_date(store: ox.Store) -> None:
    wanted = sorted(
        (fm["date"], fm["title"])
        for fm in front_matters()
        if fm["identifier"] == "Chronic Care Management (CCM)"
    )
    rows = select(
        store,
        """SELECT ?date ?title WHERE {
             ?c medigy:community ?community ; schema:name ?title ; schema:datePublished ?date .
             ?community schema:name "Chronic Care Management (CCM)" }
           ORDER BY ?date""",
    )
    # The store gives the canonical lexical form; compare instants and titles.
    assert [(datetime.fromisoformat(d), t) for d, t in rows] == [
        (datetime.fromisoformat(d), t) for d, t in wanted
    ]


def test_dates_keep_their_exact_text_and_timezone_as_xsd_datetime(dump: Path) -> None:
    parsed = ox.parse(path=str(dump), format=ox.RdfFormat.TURTLE)
    predicate = ox.NamedNode("http://schema.org/datePublished")
    xsd_datetime = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
    published = sorted(
        t.object.value
        for t in parsed
        if t.predicate == predicate and t.object.datatype == xsd_datetime
    )
    assert published == sorted(fm["date"] for fm in front_matters())
    assert any(d.endswith("+05:30") for d in published)


def test_shared_things_get_one_iri(store: ox.Store) -> None:
    topics = {t for fm in front_matters() for t in fm.get("communityTopics", [])}
    people = {a for fm in front_matters() for a in fm.get("author", [])}
    communities = {fm["identifier"] for fm in front_matters()}

    def count(cls: str) -> int:
        query = f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {cls} }}"
        return int(select(store, query)[0][0])

    assert count("skos:Concept") == len(topics)
    assert count("schema:Person") == len(people)
    assert count("medigy:Community") == len(communities)


def test_author_has_name_and_affiliation_domain(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?name ?domain WHERE {
             ?c schema:identifier "d12da9f4-80a4-53d7-ad46-1e538af2b729" ; schema:author ?p .
             ?p a schema:Person ; schema:name ?name ; schema:affiliation/schema:name ?domain }""",
    )
    assert rows == [("Vinit", "maxinovip.com")]


def test_featured_image_is_described(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?w ?h ?format ?url WHERE {
             ?c schema:identifier "d12da9f4-80a4-53d7-ad46-1e538af2b729" ; schema:image ?i .
             ?i a schema:ImageObject ; schema:width ?w ; schema:height ?h ;
                schema:encodingFormat ?format ; schema:contentUrl ?url }""",
    )
    assert rows == [
        (
            "2732",
            "1200",
            "image/jpeg",
            "https://medigy.com/communities/chronic-care-management/curated-content/"
            "d12da9f4-80a4-53d7-ad46-1e538af2b729-featuredImage.jpeg",
        )
    ]


def test_keywords_and_body_text(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?body WHERE { ?c schema:identifier "d12da9f4-80a4-53d7-ad46-1e538af2b729" ;
                                    schema:keywords "news" ; schema:articleBody ?body }""",
    )
    (body,) = rows[0]
    assert "<p>" not in body
    assert body.startswith("While many health systems")
    assert body.count("\n\n") == 2  # three paragraphs


def test_work_package_provenance(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?id ?type WHERE { ?c schema:identifier "d12da9f4-80a4-53d7-ad46-1e538af2b729" ;
              prov:wasDerivedFrom|medigy:workPackage ?wp .
              ?wp a medigy:WorkPackage ; schema:identifier ?id ; medigy:workPackageType ?type }""",
    )
    assert set(rows) == {("4557", "Curated Content")}


def test_no_blank_nodes(store: ox.Store) -> None:
    assert not store.query(
        "ASK { { ?s ?p ?o FILTER(isBlank(?s)) } UNION { ?s ?p ?o FILTER(isBlank(?o)) } }"
    )


def test_export_twice_is_byte_identical(tmp_path: Path, dump: Path) -> None:
    again = tmp_path / "again.ttl"
    export([EXAMPLES], again, jobs=2)
    assert again.read_bytes() == dump.read_bytes()


@pytest.mark.parametrize("fmt", ["ttl", "nt", "trig", "nq", "jsonld"])
def test_every_format_parses_strictly_and_matches_the_turtle(
    tmp_path: Path, dump: Path, fmt: str
) -> None:
    out = tmp_path / f"dump.{fmt}"
    assert export([EXAMPLES], out, format=fmt, jobs=1).exit_code == 0
    oxformat = {
        "ttl": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "trig": ox.RdfFormat.TRIG,
        "nq": ox.RdfFormat.N_QUADS,
        "jsonld": ox.RdfFormat.JSON_LD,
    }[fmt]
    quads = list(ox.parse(path=str(out), format=oxformat))
    triples = {(q.subject, q.predicate, q.object) for q in quads}
    reference = {
        (q.subject, q.predicate, q.object)
        for q in ox.parse(path=str(dump), format=ox.RdfFormat.TURTLE)
    }
    assert triples == reference
    rdflib_format = {
        "ttl": "turtle",
        "nt": "nt",
        "trig": "trig",
        "nq": "nquads",
        "jsonld": "json-ld",
    }[fmt]
    parsed = rdflib.Dataset()
    parsed.parse(out, format=rdflib_format)
    assert len(set(parsed.triples((None, None, None)))) == len(reference) or fmt in (
        "trig",
        "nq",
        "jsonld",
    )
    if fmt in ("trig", "nq", "jsonld"):
        graphs = {q.graph_name for q in quads}
        assert len(graphs) == len(front_matters())
        assert len({(s, p, o) for s, p, o, _g in parsed.quads((None, None, None, None))}) == len(
            reference
        )


def test_committed_dump_is_reproduced_byte_for_byte(tmp_path: Path) -> None:
    """Changes to the ontology or mapping must show up as a reviewable diff of output/."""
    committed = ROOT / "output" / "medigraph.ttl"
    fresh = tmp_path / "medigraph.ttl"
    result = CliRunner().invoke(cli, ["export", str(EXAMPLES), "-o", str(fresh), "--no-store"])
    if result.exit_code == 2 and "no such option" in result.output.lower():
        result = CliRunner().invoke(cli, ["export", str(EXAMPLES), "-o", str(fresh)])
    assert result.exit_code == 0, result.output
    assert fresh.read_bytes() == committed.read_bytes(), (
        "re-export differs: run scripts/update-dump"
    )


def test_cli_writes_ntriples_to_stdout() -> None:
    result = CliRunner().invoke(cli, ["export", str(SEED), "-o", "-", "--format", "nt", "-q"])
    assert result.exit_code == 0
    graph = ox.Store()
    graph.load(result.stdout_bytes, format=ox.RdfFormat.N_TRIPLES)
    assert graph.query(
        'ASK { ?c <http://schema.org/name> "Three Actions Health Systems Should Take Now to Bolster Telehealth" }'
    )


def test_cli_reports_broken_documents_and_exports_the_rest(tmp_path: Path) -> None:
    out = tmp_path / "out.nq"
    result = CliRunner().invoke(
        cli, ["export", str(EXAMPLES), str(BROKEN), "-o", str(out), "-j", "1"]
    )
    assert result.exit_code == 1
    assert (
        "2c46831c-1f4c-5042-acad-c6e37d07c94a.md:1: error: front matter is never closed"
        in result.stderr
    )
    assert "owlType: unknown owlType 'Medigy Widgets'" in result.stderr
    assert "link.href: 'see website' is not a web address" in result.stderr
    graphs = {q.graph_name for q in ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS)}
    assert len(graphs) >= len(front_matters())
    assert "documents read" in result.stderr


def test_cli_usage_error_is_exit_code_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "missing")])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["export", str(EXAMPLES), "--format", "xml"])
    assert result.exit_code == 2


def test_cli_coverage_lists_every_key(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["export", str(EXAMPLES), "-o", str(tmp_path / "x.ttl"), "--coverage", "-j", "1"]
    )
    keys = {line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()}
    seed_keys = set(json.loads(json.dumps(list(_flat(front_matters()[0])))))
    assert seed_keys <= keys
    assert "NOT MAPPED" not in result.stdout


def test_unknown_keys_are_counted_not_dropped(tmp_path: Path) -> None:
    doc = tmp_path / "c" / "x.md"
    doc.parent.mkdir()
    doc.write_text(
        SEED.read_text().replace("sub: brief", "sub: brief\nreadingTime: 4"), encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli, ["export", str(doc.parent), "-o", str(tmp_path / "x.ttl"), "--coverage"]
    )
    assert "readingTime (1)" in result.stderr
    assert any(
        line.startswith("readingTime") and "NOT MAPPED" in line
        for line in result.stdout.splitlines()
    )


@pytest.mark.parametrize("left_out", ["draft: true", "build:\n  render: never\n  list: never"])
def test_the_keys_of_a_page_left_out_are_not_called_mapped(tmp_path: Path, left_out: str) -> None:
    """--coverage counts the keys of drafts and unpublished pages, but called each one that
    only they wrote "mapped", an unknown key (readingTime) and Hugo's build keys alike: the
    README says those are not mapped, as --coverage says for a published page."""
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "x.md").write_text(
        SEED.read_text().replace("sub: brief", f"sub: brief\nreadingTime: 4\n{left_out}"),
        encoding="utf-8",
    )
    (folder / "y.md").write_text(
        SEED.read_text().replace("mdName: d12da9f4", "mdName: other").replace("id: 4557", "id: 1"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["export", str(folder), "-o", str(tmp_path / "x.ttl"), "--coverage", "-j", "1"]
    )
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    written = ["readingTime"] + (["build.render", "build.list"] if "build" in left_out else [])
    for key in written:
        assert rows[key].endswith("NOT MAPPED"), rows[key]
    assert "readingTime (1)" in result.stderr


def _flat(fm: dict, prefix: str = ""):
    for key, value in fm.items():
        if isinstance(value, dict) and value:
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def test_a_bug_on_one_document_is_a_diagnostic_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medigraph import mapping

    original = mapping.Mapper.map

    def flaky(self: mapping.Mapper, doc):  # type: ignore[no-untyped-def]
        if doc.path.endswith("d12da9f4-80a4-53d7-ad46-1e538af2b729.md"):
            raise RuntimeError("boom")
        return original(self, doc)

    monkeypatch.setattr(mapping.Mapper, "map", flaky)
    report = export([EXAMPLES], tmp_path / "x.nq", jobs=1, store=None, cache=False)
    assert report.exit_code == 1
    assert report.rejected == 1 and report.exported == len(front_matters()) - 1
    (problem,) = [d for d in report.diagnostics if d.code == "internal"]
    assert problem.path.endswith("d12da9f4-80a4-53d7-ad46-1e538af2b729.md")
    assert "RuntimeError: boom" in problem.message


def test_broken_mapping_and_unwritable_output_are_exit_code_2(tmp_path: Path) -> None:
    broken = tmp_path / "mapping.yaml"
    broken.write_text("keys: [not, a, mapping\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["export", str(SEED), "-o", str(tmp_path / "x.ttl"), "--mapping", str(broken)]
    )
    assert result.exit_code == 2 and "mapping" in result.stderr
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(cli, ["export", str(SEED), "-o", str(blocker / "x.ttl")])
    assert result.exit_code == 2 and "not a folder" in result.stderr


def test_a_dump_written_elsewhere_leaves_output_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is written outside the chosen location: no default store or cache in ./output."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    for target in (["-o", "-"], ["-o", "elsewhere/x.ttl"]):
        result = CliRunner().invoke(cli, ["export", str(SEED), "-q", *target])
        assert result.exit_code == 0
    assert not (tmp_path / "output").exists()
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["x.ttl"]
    result = CliRunner().invoke(cli, ["export", str(SEED), "-q"])
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "output").iterdir()) == [
        "cache",
        "medigraph.ttl",
        "store",
    ]


def test_an_empty_known_group_is_not_an_unknown_key(tmp_path: Path) -> None:
    doc = tmp_path / "c" / "x.md"
    doc.parent.mkdir()
    text = SEED.read_text(encoding="utf-8").replace("link:\n  brand", "link: ~\nxlink:\n  brand")
    doc.write_text(text, encoding="utf-8")
    report = export([doc.parent], tmp_path / "x.ttl", jobs=1, store=None, cache=False)
    assert "link" not in report.unmapped
    assert {"xlink.brand", "xlink.href", "xlink.original"} <= set(report.unmapped)


def test_a_document_keyed_by_its_path_and_one_keyed_by_the_same_text_keep_apart(
    tmp_path: Path,
) -> None:
    """``sub/x.md`` without mdName or id is keyed by its path, whose folders stay IRI
    segments (content/sub/x); mdName ``sub/x`` is one segment (content/sub%2Fx). Every IRI
    made from the key — the document's, its graph's, its image's — must keep them apart."""
    from tests._robust import export_to, parse_dump, seed_document, write_doc

    write_doc(tmp_path, "sub/x.md", seed_document(mdName=None, id=None))
    write_doc(tmp_path, "other.md", seed_document(mdName="sub/x"))
    out = tmp_path / "dump.nq"
    report = export_to([tmp_path], out, "nq")
    assert report.exported == 2, [d.format() for d in report.diagnostics]
    quads = parse_dump(out, "nq")
    image = "http://schema.org/image"
    images = {q.graph_name.value: q.object.value for q in quads if q.predicate.value == image}
    assert images == {
        "https://medigy.com/graph/content/sub/x": "https://medigy.com/image/sub/x",
        "https://medigy.com/graph/content/sub%2Fx": "https://medigy.com/image/sub%2Fx",
    }


@pytest.mark.parametrize(
    ("page", "bundle", "key"),
    [
        ("news/post.md", "news/post/index.md", "news/post"),
        ("news/post.fr.md", "news/post/index.fr.md", "news/post.fr"),
        ("news/post.md", "news/post/index.markdown", "news/post"),
    ],
)
def test_a_page_keyed_by_its_path_keeps_its_iri_as_a_leaf_bundle(
    tmp_path: Path, page: str, bundle: str, key: str
) -> None:
    """To Hugo ``news/post.md`` and ``news/post/index.md`` are the same page (/news/post/):
    made a bundle to hold its images, a page without mdName keeps its IRI (it was
    content/news/post/index). Both at once are a collision, told, not one lost silently."""
    from tests._robust import export_to, parse_dump, seed_document, write_doc

    describes = "https://medigy.com/ontology/describes"
    subjects = []
    for name in (page, bundle):
        folder = tmp_path / name.replace("/", "_")
        write_doc(folder, name, seed_document(mdName=None, id=None))
        write_doc(folder, "news/_index.md", seed_document(mdName=None, id=None))
        report = export_to([folder], folder / "dump.nq", "nq")
        assert report.exported == 2, [d.format() for d in report.diagnostics]
        subjects.append(
            {
                q.object.value
                for q in parse_dump(folder / "dump.nq", "nq")
                if q.predicate.value == describes
            }
        )
    assert (
        subjects[0]
        == subjects[1]
        == {
            f"https://medigy.com/content/{key}",
            "https://medigy.com/content/news/_index",  # a section's page, a list: not "news"
        }
    )
    both = tmp_path / "both"
    write_doc(both, page, seed_document(mdName=None, id=None))
    write_doc(both, bundle, seed_document(mdName=None, id=None))
    report = export_to([both], tmp_path / "both.nq", "nq")
    assert (report.exported, report.rejected) == (1, 1)
    [clash] = [d for d in report.diagnostics if d.code == "map.collision"]
    assert f"content/{key} is already used by" in clash.message


@pytest.mark.parametrize("base", ["https://ex.org/a%zz/", "https://ex.org/a b/"])
def test_an_invalid_base_iri_is_a_usage_error_and_the_dump_stays(tmp_path: Path, base: str) -> None:
    """Every IRI would be minted from it: refused before anything is written (exit 2)."""
    out = tmp_path / "d.ttl"
    runner = CliRunner()
    first = runner.invoke(cli, ["export", str(EXAMPLES), "-o", str(out), "--no-store", "-q"])
    assert first.exit_code == 0
    before = out.read_bytes()
    result = runner.invoke(
        cli,
        ["export", str(EXAMPLES), "-o", str(out), "--store", str(tmp_path / "s"), "--base", base],
    )
    assert result.exit_code == 2 and "base IRI" in result.output
    assert out.read_bytes() == before and not (tmp_path / "s").exists()


def test_a_base_with_an_upper_case_scheme_is_told_what_to_write() -> None:
    from medigraph.mapping import MappingError, check_base

    with pytest.raises(MappingError) as refused:
        check_base("HTTPS://example.org/")
    assert "lower case" in str(refused.value) and "'https://example.org/'" in str(refused.value)


def test_a_mapping_prefix_that_is_no_iri_is_refused(tmp_path: Path) -> None:
    from medigraph.mapping import MappingError, load_mapping
    from medigraph.resources import data_path

    text = (data_path("ontology") / "mapping.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "mapping.yaml"
    bad.write_text(
        text.replace("http://schema.org/", "http://schema.org/a b/", 1), encoding="utf-8"
    )
    with pytest.raises(MappingError, match="not a valid IRI"):
        load_mapping(bad)


def _refused_mapping(tmp_path: Path, line: str, changed: str, told: str) -> str:
    """Export the examples with the bundled mapping's ``line`` changed to ``changed``: the
    mapping must be refused as it loads (``told``), and the export with exit 2, no "internal
    error", and the previous dump left as it was. Returns what the export said."""
    from click.testing import CliRunner

    from medigraph.cli import cli
    from medigraph.mapping import MappingError, load_mapping
    from medigraph.resources import data_path

    text = (data_path("ontology") / "mapping.yaml").read_text(encoding="utf-8")
    assert line in text
    bad = tmp_path / "mapping.yaml"
    bad.write_text(text.replace(line, changed, 1), encoding="utf-8")
    with pytest.raises(MappingError, match=told):
        load_mapping(bad)
    out = tmp_path / "d.ttl"
    out.write_text("previous dump\n", encoding="utf-8")
    done = CliRunner().invoke(
        cli, ["export", str(EXAMPLES), "--mapping", str(bad), "-o", str(out), "--no-store"]
    )
    assert done.exit_code == 2 and "internal error" not in done.output, done.output
    assert out.read_text(encoding="utf-8") == "previous dump\n"
    return done.output


@pytest.mark.parametrize(
    ("where", "name"),
    [
        ("prefixes", "1x"),
        ("prefixes", "my ns"),
        ("prefixes", "x."),
        ("prefixes", "a:b"),
        ("prefixes", "a.b"),
        ("base_prefixes", "-content"),
    ],
)
def test_a_mapping_prefix_name_no_turtle_parser_reads_is_refused(
    tmp_path: Path, where: str, name: str
) -> None:
    """pyoxigraph writes any prefix name it is given (``@prefix my ns: <…>``), so a name that
    is no Turtle prefix name made a dump no parser reads, with exit 0; ``a.b`` is one, but
    rdflib cannot read a prefixed name under it. Such a mapping is refused, exit 2."""
    line = f"{where}:\n"
    said = _refused_mapping(
        tmp_path, line, f"{line}  '{name}': http://example.org/ns/\n", "prefix name"
    )
    assert repr(name) in said


def test_a_mapping_base_prefix_that_makes_no_iri_is_refused(tmp_path: Path) -> None:
    """A base prefix is an IRI relative to the base (``content/``); one that made no IRI
    (``con tent/``) was not checked: each document was an "internal error", and the dump was
    replaced by one whose ``@prefix content: <https://medigy.com/con tent/>`` no parser reads."""
    said = _refused_mapping(
        tmp_path, "  content: content/\n", "  content: con tent/\n", "not a valid IRI"
    )
    assert "prefix content" in said


@pytest.mark.parametrize(
    ("line", "broken"),
    [
        ("    iri: community/{slug:identifier}\n", "    iri: comm unity/{slug:identifier}\n"),
        ("  iri: content/{key}\n", "  iri: content/{key}>\n"),
        (
            "    scheme_iri: topic-scheme/{slug:scheme}\n",
            "    scheme_iri: 'topic scheme/{slug:scheme}'\n",
        ),
    ],
)
def test_a_mapping_iri_pattern_that_makes_no_iri_is_refused(
    tmp_path: Path, line: str, broken: str
) -> None:
    """An IRI pattern whose own text makes no IRI (a space, a ``>``) made every document an
    "internal error, please report it" (ValueError), exit 0 or 1; it is refused at load."""
    _refused_mapping(tmp_path, line, broken, "IRI pattern")


@pytest.mark.parametrize(
    ("line", "broken", "told"),
    [
        (
            "    class: schema:Organization\n",
            "    class: 'schema:Organ ization'\n",
            "not a valid IRI",
        ),
        ("    class: schema:Organization\n", "    class: nope:Organization\n", "unknown prefix"),
        (
            "  title: { property: schema:name, as: text }\n",
            "  title: { property: 'schema:na me', as: text }\n",
            "not a valid IRI",
        ),
        ("  source: source/{path:path}\n", "  source: 'sour ce/{path:path}'\n", "IRI pattern"),
    ],
)
def test_a_mapping_term_that_makes_no_iri_is_refused(
    tmp_path: Path, line: str, broken: str, told: str
) -> None:
    """A node's class, name or other term, or the source file's pattern, was expanded only as
    documents were mapped: one with an unknown prefix or that made no IRI was an "internal
    error, please report it" on every document (exit 1), not a broken mapping (exit 2)."""
    _refused_mapping(tmp_path, line, broken, told)


@pytest.mark.parametrize(
    ("line", "broken", "told"),
    [
        # an option misspelt: it was ignored, or (`proprety:`) every document an internal error
        (
            "  title: { property: schema:name, as: text }\n",
            "  title: { proprety: schema:name, as: text }\n",
            "key title: unknown option 'proprety'",
        ),
        ("    else: [publishDate,", "    elsee: [publishDate,", "key date: unknown option 'elsee'"),
        # a list written as one text: same_as iterated its letters, schemes took 'http' in 'https'
        ("    schemes: [http, https]\n", "    schemes: https\n", "schemes must be a list"),
        (
            "    same_as: [link.original, openProjectCustomFields.cleanUrl,",
            "    same_as: link.original\n    #",
            "same_as must be a list",
        ),
        ("after: [publishDate] }", "after: publishDate }", "after must be a list"),
        # a key that is not in the mapping, named where a key is meant: silently nothing
        ("same_as: [link.original,", "same_as: [link.orginal,", "names 'link.orginal'"),
        ("{ variant_of: link.href }", "{ variant_of: link.hre }", "names 'link.hre'"),
        ("relative_to: basePath", "relative_to: basepath", "names 'basepath'"),
        ("same_as_key: communityTopics", "same_as_key: communityTopic", "communityTopic'"),
        ("after: [publishDate] }", "after: [publishdate] }", "names 'publishdate'"),
        # a node: an unknown owner was an internal error; a field no key fills, never written
        ("    owner: image\n", "    owner: imgae\n", "owner 'imgae' is not a node"),
        (
            "    iri: community/{slug:identifier}\n",
            "    iri: community/{slug:identifer}\n",
            "names 'identifer', not a key",
        ),
        (
            "    iri: community/{slug:identifier}\n",
            "    iri: community/{slugs:identifier}\n",
            "write {key}, {slug:key}",
        ),
        # a property for a converter that writes one, an unknown prefix named by its key
        (
            "  title: { property: schema:name, as: text }\n",
            "  title: { as: text }\n",
            "key title: no property",
        ),
        (
            "  title: { property: schema:name, as: text }\n",
            "  title: { property: shema:name, as: text }\n",
            r"unknown prefix in 'shema:name' \(key title\)",
        ),
        # a class entry without its class was an internal error; a fallback to no class, an
        # "unknown owlType" error blamed on every document it matched
        (
            "    class: medigy:CommunityContent\n",
            "    klass: medigy:CommunityContent\n",
            "classes.0",
        ),
        (
            "  - when: { archetype: curate-content }\n    owlType: Medigy Communities\n",
            "  - when: { archetype: curate-content }\n    owlType: Medigy Community\n",
            "fallbacks.0: owlType 'Medigy Community' is not one of classes",
        ),
    ],
)
def test_a_mapping_key_or_node_written_wrong_is_refused_naming_it(
    tmp_path: Path, line: str, broken: str, told: str
) -> None:
    """A key's options, a node's owner and IRI fields, the classes and fallbacks were read
    only as documents were mapped: a misspelt option or key was silently ignored (or a list
    written as one text iterated by its letters), an unknown owner or a class entry without
    its class made every document an "internal error, please report it". They are refused
    when the mapping loads, exit 2, saying which key or entry is wrong."""
    _refused_mapping(tmp_path, line, broken, told)


@pytest.mark.parametrize(
    ("line", "broken", "told"),
    [
        # one text where a list is meant: its letters were the keys, so every document was
        # silently keyed by its path
        ("  key: [mdName, id]\n", "  key: mdName\n", "document.key must be a list"),
        # a part the engine needs left out or of the wrong type: every document an internal
        # error, please report it
        ("  person:\n", "  persn:\n", "kinds.person is missing"),
        ("    source_path: medigy:sourcePath\n", "", "document.provenance.source_path"),
        ('    separator: ":"\n', "    separator: 1\n", "kinds.topic.separator"),
        # an option of another converter: same_as on a text key was silently never read
        (
            "  title: { property: schema:name, as: text }\n",
            "  title: { property: schema:name, as: text, same_as: [linkTitle] }\n",
            "key title: same_as is read by as: iri, not as: text",
        ),
        # a variant its key does not list (never read), a same_as key that is no variant
        (
            "  link.original: { variant_of: link.href }\n",
            "  link.original: { variant_of: link.href }\n  link.copy: { variant_of: link.href }\n",
            "key link.copy: variant_of link.href, but link.href's same_as does not list it",
        ),
        (
            "  link.original: { variant_of: link.href }\n",
            "  link.original: { property: schema:url, as: iri }\n",
            "key link.original: listed in link.href's same_as, so it says variant_of",
        ),
        # the key refining the class, misspelt: no document was ever refined, silently
        (
            "    workPackageTypeKey: openProjectWorkPackageType\n",
            "    workPackageTypeKey: openProjectWorkpackageType\n",
            "classes.0: workPackageTypeKey names 'openProjectWorkpackageType'",
        ),
        # a prefix name given twice: the dumps' @prefix silently said only the base one
        (
            "prefixes:\n",
            "prefixes:\n  image: http://example.org/img#\n",
            "prefix image is under prefixes: and base_prefixes: both",
        ),
        # a key mapped and ignored: written, while --coverage called it ignored
        (
            "  owlType: selects the class (see classes)\n",
            "  owlType: selects the class (see classes)\n  title: not wanted\n",
            "key title is under keys: and ignored: both",
        ),
        # a person pattern that is no regular expression, or lacks the groups read
        ("    pattern: '^(?P<name>", "    pattern: '^((?P<name>", "kinds.person.pattern is no"),
        ("    pattern: '^(?P<name>", "    pattern: '^(?P<nam>", "must have the groups"),
        # an owlType given twice (the second silently never used), a version not read
        (
            "      Podcasts: medigy:PodcastEpisode\n",
            "      Podcasts: medigy:PodcastEpisode\n  - owlType: Medigy Communities\n"
            "    class: medigy:Content\n",
            "classes.1: owlType 'Medigy Communities' is already classes.0",
        ),
        ("version: 1\n", "version: 2\n", "version 2: this medigraph reads version 1"),
        # a fallback on a key the mapping does not have: it never matched, with no word
        (
            "  - when: { archetype: curate-content }\n",
            "  - when: { archtype: curate-content }\n",
            "fallbacks.0: when names 'archtype'",
        ),
        (
            "      Curated Content: medigy:CuratedContent\n",
            "      Curated Content: [medigy:CuratedContent]\n",
            "classes.0.workPackageTypes",
        ),
    ],
)
def test_a_mapping_document_kind_or_class_written_wrong_is_refused(
    tmp_path: Path, line: str, broken: str, told: str
) -> None:
    """The document's key list, provenance terms, the kinds the converters use and the
    work-package types were read as documents were mapped: left out or of the wrong type, they
    silently keyed every document by its path, or made each an internal error (exit 1)."""
    _refused_mapping(tmp_path, line, broken, told)


def test_a_mapping_prefix_name_turtle_allows_is_written_and_read_back(tmp_path: Path) -> None:
    from medigraph.resources import data_path

    text = (data_path("ontology") / "mapping.yaml").read_text(encoding="utf-8")
    good = tmp_path / "mapping.yaml"
    good.write_text(
        text.replace("prefixes:\n", "prefixes:\n  sché·ma_1: https://example.org/v/\n", 1),
        encoding="utf-8",
    )
    out = tmp_path / "d.ttl"
    assert export([EXAMPLES], out, mapping=good, jobs=1, cache=False).exit_code == 0
    assert "@prefix sché·ma_1: <https://example.org/v/> ." in out.read_text(encoding="utf-8")
    graph = rdflib.Graph().parse(out, format="turtle")
    assert len(graph) == len(list(ox.parse(path=str(out), format=ox.RdfFormat.TURTLE)))


def test_a_folder_without_documents_is_a_usage_error_and_writes_nothing(tmp_path: Path) -> None:
    """A mistyped or empty checkout must not replace a good dump with an empty one, nor pass
    a CI gate with "0 documents checked"."""
    from click.testing import CliRunner

    from medigraph.cli import cli

    empty = tmp_path / "empty"
    (empty / "notes").mkdir(parents=True)
    (empty / "notes" / "README.txt").write_text("no markdown here")
    dump = tmp_path / "out" / "d.ttl"
    dump.parent.mkdir()
    dump.write_text("previous")
    runner = CliRunner()
    exported = runner.invoke(cli, ["export", str(empty), "-o", str(dump), "--no-store"])
    assert exported.exit_code == 2 and "no documents (*.md" in exported.output
    assert dump.read_text() == "previous"
    checked = runner.invoke(cli, ["validate", str(empty)])
    assert checked.exit_code == 2 and "no documents (*.md" in checked.output
    shard = runner.invoke(
        cli, ["export", str(EXAMPLES), "-o", str(tmp_path / "s.ttl"), "--shard", "1/1000"]
    )
    assert shard.exit_code == 0, shard.output  # one shard of a corpus may hold nothing


def test_a_reader_that_stops_early_gets_one_error_line(tmp_path: Path) -> None:
    """``medigraph export … -o - | head -c 0``: a quiet exit 1, as every command (click's way
    with a closed pipe), and no traceback from the worker pool left to the interpreter's exit."""
    import subprocess

    from tests._robust import medigraph_command

    corpus = tmp_path / "c"
    for index in range(300):
        folder = corpus / f"f{index % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        text = SEED.read_text().replace("mdName: ", f"mdName: n{index}-", 1)
        (folder / f"d{index}.md").write_text(text)
    command = [*medigraph_command(), "export", str(corpus), "-o", "-", "--no-store", "-j", "2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before the first byte
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert err.decode().strip().splitlines() == []


@pytest.mark.parametrize("shard", [(0, 3), (4, 3), (-2, 3)])
def test_the_api_refuses_a_shard_that_does_not_exist(
    tmp_path: Path, shard: tuple[int, int]
) -> None:
    out = tmp_path / "s.ttl"
    with pytest.raises(ValueError, match="K must be between 1 and N"):
        export([EXAMPLES], out, shard=shard, jobs=1)
    assert not out.exists()


def test_one_path_given_as_a_string_is_one_path(tmp_path: Path) -> None:
    """A str is an iterable of one-letter strings; "content/" must not mean c, o, …, /."""
    from medigraph.documents import discover

    as_list, _ = discover([str(EXAMPLES)])
    alone, _ = discover(str(EXAMPLES))
    assert [f.path for f in alone] == [f.path for f in as_list]
    report = export(str(EXAMPLES), tmp_path / "d.ttl", jobs=1)  # type: ignore[arg-type]
    assert report.exported == len(as_list)


def test_one_path_given_as_a_path_is_typed_as_one_path(tmp_path: Path) -> None:
    """``export(Path("content"), …)`` works, as the README says of one path, but the functions
    were typed ``Iterable[str | PathLike[str]]``, which a Path is not: ``mypy --strict`` refused
    the user's code (arg-type) for ``read_documents``, ``discover``, ``export``, ``validate``,
    ``push`` and ``pipeline.run``."""
    import os
    import typing

    from medigraph.documents import discover, read_documents
    from medigraph.pipeline import run
    from medigraph.push import push
    from medigraph.validation import validate

    for function in (discover, read_documents, export, validate, push, run):
        taken = typing.get_args(typing.get_type_hints(function)["paths"])
        assert os.PathLike[str] in taken, function.__name__
    as_list, _ = discover([EXAMPLES])
    alone, _ = discover(EXAMPLES)
    assert [f.path for f in alone] == [f.path for f in as_list]
    assert export(EXAMPLES, tmp_path / "d.ttl", jobs=1).exported == len(as_list)


def test_a_mapping_shapes_or_ontology_given_as_a_path_is_typed_so(tmp_path: Path) -> None:
    """``export(…, mapping=Path("mapping.yaml"))``, ``validate(…, shapes=Path(…))`` and
    ``push(…, mapping=Path(…))`` work, but were typed ``str | None``: ``mypy --strict``
    refused the user's code (arg-type)."""
    import os
    import typing

    from medigraph.push import push
    from medigraph.validation import validate

    for function, names in (
        (export, ["mapping"]),
        (push, ["mapping"]),
        (validate, ["mapping", "shapes", "ontology"]),
    ):
        hints = typing.get_type_hints(function)
        for name in names:
            assert os.PathLike[str] in typing.get_args(hints[name]), (function.__name__, name)
    mapping = ROOT / "ontology" / "mapping.yaml"
    by_path = export(EXAMPLES, tmp_path / "p.nq", mapping=mapping, jobs=1, cache=False)
    by_text = export(EXAMPLES, tmp_path / "t.nq", mapping=str(mapping), jobs=1, cache=False)
    assert by_path.exported == by_text.exported > 0
    assert (tmp_path / "p.nq").read_bytes() == (tmp_path / "t.nq").read_bytes()
    checked = validate(
        EXAMPLES,
        mapping=mapping,
        shapes=ROOT / "shapes" / "medigy-shapes.ttl",
        ontology=ROOT / "ontology" / "medigy.ttl",
        jobs=1,
    )
    assert checked.exit_code() == 0 and len(checked.checked) == by_path.exported


@pytest.mark.parametrize("second", ["doc.md", "./doc.md", "{abs}/doc.md"])
def test_a_file_given_twice_is_exported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, second: str
) -> None:
    """It was rejected ("internal error … AssertionError") and an empty dump replaced the
    good one: "a file reached twice is read once" (docs/scaling.md)."""
    (tmp_path / "doc.md").write_bytes(SEED.read_bytes())
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    once = runner.invoke(cli, ["export", "doc.md", "-o", "once.nq", "--no-store"])
    assert once.exit_code == 0, once.output
    paths = ["doc.md", second.format(abs=tmp_path)]
    twice = runner.invoke(cli, ["export", *paths, "-o", "twice.nq", "--no-store"])
    assert twice.exit_code == 0, twice.output
    assert "1 document read, 1 exported, 0 rejected" in twice.output
    assert (tmp_path / "twice.nq").read_bytes() == (tmp_path / "once.nq").read_bytes()
    checked = runner.invoke(cli, ["validate", *paths])
    assert checked.exit_code == 0, checked.output


def test_a_dump_is_never_written_over_a_markdown_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    doc = next(EXAMPLES.rglob("*.md"))
    target = content / doc.name
    target.write_bytes(doc.read_bytes())
    done = CliRunner().invoke(cli, ["export", str(content), "-o", str(target)])
    assert done.exit_code == 2
    assert "not a Markdown file" in done.output
    assert target.read_bytes() == doc.read_bytes()


def test_a_folder_that_is_not_a_store_is_not_made_one(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    doc = next(EXAMPLES.rglob("*.md"))
    (content / doc.name).write_bytes(doc.read_bytes())
    done = CliRunner().invoke(
        cli, ["export", str(content), "-o", str(tmp_path / "d.ttl"), "--store", str(content)]
    )
    assert done.exit_code == 2, done.output
    assert "not a medigraph store" in done.output
    assert sorted(p.name for p in content.iterdir()) == [doc.name]


@pytest.mark.parametrize("seconds", ["inf", "nan", "1e300", "0"])
def test_a_timeout_must_be_a_time(seconds: str) -> None:
    done = CliRunner().invoke(cli, ["query", "--timeout", seconds, "ASK {}"])
    assert done.exit_code == 2
    assert "--timeout" in done.output and "Traceback" not in done.output


def test_python_dash_m_runs_the_command_line() -> None:
    import subprocess
    import sys

    import medigraph

    done = subprocess.run(
        [sys.executable, "-m", "medigraph", "--version"], capture_output=True, text=True, check=True
    )
    assert medigraph.__version__ in done.stdout
    assert (ROOT / "medigraph" / "py.typed").is_file()


@pytest.mark.parametrize("command", ["export", "validate"])
def test_an_empty_folder_among_several_paths_fails_the_run(tmp_path: Path, command: str) -> None:
    """A CI gate given two folders, one of them mistyped into an empty one, must not pass."""
    (tmp_path / "empty").mkdir()
    args = [command, str(EXAMPLES), str(tmp_path / "empty")]
    if command == "export":
        args += ["-o", str(tmp_path / "d.ttl")]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 1, done.output
    assert (
        f"{tmp_path / 'empty'}: error: no documents (*.md, *.markdown or *.mdown files; hidden ones are skipped) under"
        in done.output
    )


def test_validate_before_export_says_why_it_wrote_nothing(tmp_path: Path) -> None:
    """A file that cannot be read is not a shapes problem: the summary says which it was."""
    content = tmp_path / "content"
    content.mkdir()
    for doc in list(EXAMPLES.rglob("*.md"))[:3]:
        (content / doc.name).write_bytes(doc.read_bytes())
    (content / "notes.md").write_text("hello\n", encoding="utf-8")
    out = tmp_path / "x.ttl"
    done = CliRunner().invoke(cli, ["export", str(content), "-o", str(out), "--validate"])
    assert done.exit_code == 1
    assert "4 documents checked; 1 rejected by reading or mapping, so nothing was written" in (
        done.output
    )
    assert f"{out} was not written." in done.output and not out.exists()


def test_api_rough_edges(tmp_path: Path) -> None:
    """What a programmer tries: a format's full name, stdout redirected to a string, a
    rejected document's quads, a query format that does not exist."""
    import contextlib
    import io

    from medigraph.documents import parse_document
    from medigraph.mapping import load_mapping
    from medigraph.query import FormatError, stream_embedded

    out = tmp_path / "d.out"
    export([EXAMPLES], out, format="turtle", jobs=1)
    assert out.read_bytes().startswith(b"@prefix")
    with pytest.raises(ValueError, match="unknown format 'bogus'"):
        export([EXAMPLES], out, format="bogus", jobs=1)
    held = io.StringIO()
    with contextlib.redirect_stdout(held):
        export([EXAMPLES], "-", format="nt", jobs=1)
    assert held.getvalue().count(" .\n") > 1000
    doc, _ = parse_document(b"---\ntitle: t\nowlType: Nothing Known\n---\n", "x.md")
    assert doc is not None
    assert list(load_mapping().map(doc).quads()) == []
    store = tmp_path / "store"
    export([EXAMPLES], tmp_path / "s.ttl", store=store, jobs=1)
    with pytest.raises(FormatError, match="unknown format 'xml'"):
        stream_embedded("ASK {}", io.StringIO(), "xml", store=store)


def test_an_output_that_cannot_be_is_named_for_what_it_is(tmp_path: Path) -> None:
    """Not "File exists" or "Device or resource busy": what is wrong with the place."""
    runner = CliRunner()
    (tmp_path / "afile").write_text("x")
    for output, says in [
        (str(tmp_path / "afile" / "out.ttl"), "is a file, not a folder"),
        ("", "the output needs a file name"),
    ]:
        done = runner.invoke(cli, ["export", str(EXAMPLES), "-o", output])
        assert done.exit_code == 2 and says in done.output, done.output
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "cache").write_text("x")  # where the cache would go
    done = runner.invoke(
        cli, ["export", str(EXAMPLES), "-o", str(tmp_path / "o" / "g.ttl"), "--cache"]
    )
    assert done.exit_code == 2 and "cannot open the cache" in done.output
    assert not (tmp_path / "o" / "g.ttl").exists()


@pytest.mark.parametrize(
    ("output", "says"),
    [
        ("dir", "cannot write dir: is a folder, not a file"),
        ("dirlink", "cannot write dirlink: is a link to a folder, not a file"),
        ("loop.ttl", "cannot write loop.ttl: loop.ttl is a symbolic link that loops"),
        ("ld/x.ttl", "cannot write ld/x.ttl: ld is a symbolic link that loops"),
        ("output/medigraph.ttl", "cannot write output/medigraph.ttl: output is a symbolic link"),
        ("unwritable/x.ttl", "cannot write unwritable/x.ttl: Permission denied"),
    ],
)
@pytest.mark.parametrize("cache", ["--cache", "--no-cache"])
def test_an_output_that_cannot_be_written_is_refused_before_anything_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: str, says: str, cache: str
) -> None:
    """It was noticed after the whole export, once the store had been changed (or with a
    traceback: a link that loops made Path.resolve raise); a link to a folder was replaced
    by the dump. Now: exit 2, and no store, cache, dump or temporary file."""
    import tempfile

    from medigraph import writers

    (tmp_path / "doc.md").write_bytes(SEED.read_bytes())
    for folder in ("dir", "target", "unwritable"):
        (tmp_path / folder).mkdir()
    for link, to in [("dirlink", "target"), ("loop.ttl", "loop.ttl"), ("ld", "ld")]:
        (tmp_path / link).symlink_to(to)
    (tmp_path / "output").symlink_to("output")
    monkeypatch.chdir(tmp_path)
    real = tempfile.mkstemp

    def refused(*args: object, dir: str, **kwargs: object) -> tuple[int, str]:
        if Path(dir).name == "unwritable":  # as a read-only mount or /sys does, even for root
            raise PermissionError(13, "Permission denied")
        return real(*args, dir=dir, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(writers.tempfile, "mkstemp", refused)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    done = CliRunner().invoke(cli, ["export", "doc.md", "-o", output, "--store", "st", cache])
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith(f"Error: {says}"), done.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "dirlink").is_symlink()


def test_a_link_that_loops_in_place_of_output_leaves_other_dumps_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``./output`` is where the default cache lives; asking whether a dump is under it raised
    a RuntimeError (a traceback) for every export, wherever it wrote."""
    (tmp_path / "doc.md").write_bytes(SEED.read_bytes())
    (tmp_path / "output").symlink_to("output")
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(cli, ["export", "doc.md", "-o", "x.ttl", "-q"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "x.ttl").read_bytes().startswith(b"@prefix")


def test_a_markdown_body_is_the_text_hugo_renders(tmp_path: Path) -> None:
    """The body of a Hugo page is Markdown: its paragraphs stay apart whatever inline HTML or
    entity it holds, its markup and shortcodes are not text, and a tag never closed that hides
    the rest is told, on the body's line."""
    head, _, _ = SEED.read_text(encoding="utf-8").partition("\n---\n")
    body = (
        "First **paragraph** with 2<sup>nd</sup> & a [link](https://example.org).\n\n"
        '{{< figure src="x.jpeg" >}}\n\n'
        "- one\n- two\n\nEmbed it with a `<script>` tag.\n\nNever <template> closed.\n\nLost."
    )
    (tmp_path / "doc.md").write_text(f"{head}\n---\n{body}\n", encoding="utf-8")
    out = tmp_path / "out.nt"
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "doc.md"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    # the body starts two lines below the front matter's last; the tag is further down
    line = head.count("\n") + 3 + body[: body.index("<template>")].count("\n")
    assert (
        f"doc.md:{line}: warning: body: <template> is never closed, so all the text after it"
        in result.stderr
    )
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.N_TRIPLES)
    rows = store.query("SELECT ?b { ?c <http://schema.org/articleBody> ?b }")
    assert isinstance(rows, ox.QuerySolutions)
    assert [row["b"].value for row in rows] == [
        "First paragraph with 2nd & a link.\n\none\n\ntwo\n\nEmbed it with a <script> tag.\n\nNever"
    ]


def test_format_names_and_extensions_say_what_the_dump_holds(tmp_path: Path) -> None:
    """A dump named .rdf or .gz would hold Turtle under a name that says otherwise: refused.
    A --format that disagrees with the extension is written, with a warning. The query
    command's names of the formats (turtle, ntriples) are the export's too."""
    for name in ("x.rdf", "x.owl", "x.trig.gz"):
        done = CliRunner().invoke(cli, ["export", str(SEED), "-o", str(tmp_path / name)])
        assert done.exit_code == 2 and "which medigraph does not write" in done.output, name
        assert not (tmp_path / name).exists()
    done = CliRunner().invoke(
        cli, ["export", str(SEED), "-o", str(tmp_path / "x.nt"), "--format", "turtle"]
    )
    assert done.exit_code == 0 and "is written as ttl (--format)" in done.output
    assert (tmp_path / "x.nt").read_bytes().startswith(b"@prefix")
    done = CliRunner().invoke(
        cli, ["export", str(SEED), "-o", str(tmp_path / "y.nt"), "--format", "ntriples"]
    )
    assert done.exit_code == 0 and "--format" not in done.output


@pytest.mark.parametrize(
    ("written", "exported", "flag", "code"),
    [
        ("true", 0, None, None),  # a draft: left out
        ("TRUE", 0, None, None),  # Hugo reads it as true
        ("[true]", 0, None, "map.type"),  # a list: which is it? rejected
        ("yes", 1, None, "map.boolean"),  # Hugo reads it as false: published, told
        ("f", 1, "false", None),
    ],
)
def test_the_draft_flag_is_read_as_hugo_reads_it(
    tmp_path: Path, written: str, exported: int, flag: str | None, code: str | None
) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        SEED.read_text(encoding="utf-8").replace("\ntitle:", f"\ndraft: {written}\ntitle:", 1),
        encoding="utf-8",
    )
    other = next(p for p in sorted(EXAMPLES.rglob("*.md")) if p.name != SEED.name)
    (tmp_path / "other.md").write_bytes(other.read_bytes())  # (drafts alone are no corpus)
    report = export([tmp_path], tmp_path / "d.nt", jobs=1, cache=False)
    assert report.exported == exported + 1
    assert [d.code for d in report.diagnostics if d.key == "draft"] == ([code] if code else [])
    flags = [
        q.object.value
        for q in ox.parse(path=str(tmp_path / "d.nt"), format=ox.RdfFormat.N_TRIPLES)
        if q.predicate.value == "https://medigy.com/ontology/draft"
    ]  # (the other document says nothing of drafts)
    assert flags == ([flag] if flag else [])
    if written == "TRUE":
        export([doc], tmp_path / "e.nt", jobs=1, cache=False, drafts=True)
        assert '<https://medigy.com/ontology/draft> "true"^^' in (tmp_path / "e.nt").read_text()


def test_the_api_refuses_a_missing_path_as_the_command_does(tmp_path: Path) -> None:
    """README: ``NothingFound`` where the command exits 2. A path that does not exist among
    others was a report with one error (exit code 1) and a dump written without it; the
    command refuses it (exit 2), and so does the API now, before anything is written."""
    missing = tmp_path / "nonexist"
    dump = tmp_path / "d.ttl"
    dump.write_text("previous")
    store = tmp_path / "store"
    for paths in ([missing], [EXAMPLES, missing]):
        with pytest.raises(
            NothingFound, match=f"^{re.escape(str(missing))}: no such file or folder; nothing"
        ):
            export(paths, dump, store=store, jobs=1)
        assert dump.read_text() == "previous" and not store.exists()
        done = CliRunner().invoke(cli, ["export", *map(str, paths), "-o", str(dump)])
        assert done.exit_code == 2 and "does not exist" in done.output


def test_export_validate_checks_against_the_shapes_and_ontology_given(tmp_path: Path) -> None:
    """A mapping that writes a new Medigy term (a price) can only pass `export --validate`
    against an ontology that declares it: export had no --ontology (nor --shapes), so it
    checked the bundled ones and refused every document of an extended mapping."""
    from medigraph.resources import data_path

    text = (data_path("ontology") / "mapping.yaml").read_text(encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        text.replace("keys:\n", "keys:\n  price: { property: medigy:listPrice, as: integer }\n", 1),
        encoding="utf-8",
    )
    ontology = tmp_path / "medigy.ttl"
    ontology.write_text(
        (data_path("ontology") / "medigy.ttl").read_text(encoding="utf-8")
        + "\nmedigy:listPrice a owl:DatatypeProperty .\n",
        encoding="utf-8",
    )
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        (data_path("shapes") / "medigy-shapes.ttl").read_text(encoding="utf-8")
        + "\nmgs:PriceShape a sh:NodeShape ; sh:targetClass medigy:CommunityContent ;\n"
        '  sh:property [ sh:path medigy:listPrice ; sh:maxInclusive 10 ; sh:name "price" ;\n'
        '    sh:message "price above 10" ] .\n',
        encoding="utf-8",
    )
    doc = tmp_path / "content" / "doc.md"
    doc.parent.mkdir()
    doc.write_text(SEED.read_text(encoding="utf-8").replace("---\n", "---\nprice: 5\n", 1))
    out = tmp_path / "d.ttl"

    def run(*extra: str) -> tuple[int, str]:
        args = ["export", str(doc.parent), "-o", str(out), "--no-store", "--no-cache"]
        done = CliRunner().invoke(cli, [*args, "--mapping", str(mapping), "--validate", *extra])
        return done.exit_code, done.output

    code, said = run()
    assert code == 1 and "medigy:listPrice" in said and not out.exists()
    code, said = run("--ontology", str(ontology))
    assert code == 0 and out.exists(), said
    assert "medigy:listPrice 5" in out.read_text(encoding="utf-8")
    doc.write_text(doc.read_text(encoding="utf-8").replace("price: 5", "price: 50"))
    code, said = run("--ontology", str(ontology), "--shapes", str(shapes))
    assert code == 1 and "price above 10" in said, said
    refused = CliRunner().invoke(cli, ["export", str(doc.parent), "--shapes", str(shapes)])
    assert refused.exit_code == 2 and "--validate" in refused.output


def test_the_store_holds_the_ontology_export_is_given(tmp_path: Path) -> None:
    """The store's ontology graph was always the bundled ontology: a mapping's new class
    (medigy:OfferingListing ⊑ schema:Product) was in the dumps but its place in the ontology
    was not in the store, so no query could follow it. ``--ontology`` (which export --validate
    checks against) is now also the store's ontology graph, replaced when it changes."""
    from medigraph.resources import data_path
    from medigraph.store import ontology_graph, open_read_only

    ontology = tmp_path / "medigy.ttl"
    bundled = (data_path("ontology") / "medigy.ttl").read_text(encoding="utf-8")
    ontology.write_text(
        bundled + "\nmedigy:OfferingListing a owl:Class ; rdfs:subClassOf schema:Product .\n",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    offering = "<https://medigy.com/ontology/OfferingListing>"

    def ontology_says() -> bool:
        graph = ontology_graph().value
        ask = f"ASK {{ GRAPH <{graph}> {{ {offering} ?p ?o }} }}"
        return bool(open_read_only(store).query(ask))

    def run(*extra: str) -> int:
        args = ["export", str(SEED), "-o", str(tmp_path / "d.ttl"), "--store", str(store)]
        return CliRunner().invoke(cli, [*args, "--no-cache", *extra]).exit_code

    assert run("--ontology", str(ontology)) == 0 and ontology_says()
    assert run() == 0 and not ontology_says()  # the bundled one again
    broken = tmp_path / "broken.ttl"
    broken.write_text("medigy:x a", encoding="utf-8")
    assert run("--ontology", str(broken)) == 2 and not ontology_says()
    # with neither --validate nor a store, --ontology would be ignored: refused
    alone = ["export", str(SEED), "-o", "-", "--ontology", str(ontology)]
    done = CliRunner().invoke(cli, alone)
    assert done.exit_code == 2 and "has neither" in done.output
