"""The SHACL shapes (shapes/medigy-shapes.ttl): well formed, grounded in the ontology, and they
accept the example content and refuse broken front matter with messages an editor understands.

Validation runs with pyshacl ``inference="none"`` on the mapped triples alone (the ontology is
not merged into the data graph), so sh:targetClass only reaches explicitly typed nodes: the
shapes name every concrete class they apply to (see the comment at the top of the shapes file).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
import rdflib.namespace
from rdflib.collection import Collection
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from medigraph.documents import parse_document, read_documents
from medigraph.mapping import MappedDocument, load_mapping

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "shapes" / "medigy-shapes.ttl"
ONTOLOGY = ROOT / "ontology" / "medigy.ttl"
EXAMPLES = ROOT / "examples" / "content"
BROKEN = ROOT / "examples" / "broken"
SEED = (
    EXAMPLES
    / "communities/chronic-care-management/curated-content/d12da9f4-80a4-53d7-ad46-1e538af2b729.md"
)
SEED_PATH = (
    "communities/chronic-care-management/curated-content/d12da9f4-80a4-53d7-ad46-1e538af2b729.md"
)

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
MGS = rdflib.Namespace("https://medigy.com/shapes/")
# A plain namespace: pytest probing rdflib's closed XSD namespace at collection warns.
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
MEDIGY = rdflib.Namespace("https://medigy.com/ontology/")
SCHEMA = rdflib.Namespace("http://schema.org/")
CONTENT = rdflib.Namespace("https://medigy.com/content/")
SEED_IRI = CONTENT["d12da9f4-80a4-53d7-ad46-1e538af2b729"]

# Standard vocabularies a shape may name, each with rdflib's closed list of its terms.
STANDARD = {
    "http://schema.org/": rdflib.namespace.SDO,  # https in rdflib: same local names
    str(SKOS): SKOS,
    str(PROV): PROV,
    str(XSD): rdflib.namespace.XSD,
    str(RDF): RDF,
    str(RDFS): RDFS,
    str(rdflib.namespace.DCTERMS): rdflib.namespace.DCTERMS,
}
# Parameters whose object is a class, a property or a datatype.
NAMING = (
    SH.targetClass,
    SH["class"],
    SH.path,
    SH.datatype,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
)
# Parameters that make a shape report something (so it needs an sh:message).
CONSTRAINTS = (
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH["class"],
    SH.nodeKind,
    SH.minLength,
    SH.maxLength,
    SH.pattern,
    SH.minExclusive,
    SH.minInclusive,
    SH.maxExclusive,
    SH.maxInclusive,
    SH["in"],
    SH["or"],
    SH["not"],
    SH["and"],
    SH.xone,
    SH.node,
    SH.hasValue,
    SH.qualifiedValueShape,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.equals,
    SH.disjoint,
)


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES, format="turtle")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY, format="turtle")


def to_rdflib(docs: list[MappedDocument]) -> rdflib.Graph:
    """Mapped documents merged into one rdflib graph (pyoxigraph → N-Triples → rdflib)."""
    triples = [t for d in docs for t in d.triples]
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()
    return rdflib.Graph().parse(data=text, format="nt")


def validate(data: rdflib.Graph, shapes: rdflib.Graph) -> list[dict[str, rdflib.term.Node | None]]:
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    results = []
    for r in report.objects(None, SH.result):  # not the sh:detail results nested in them
        source = report.value(r, SH.sourceShape)
        results.append(
            {
                "severity": report.value(r, SH.resultSeverity),
                "focus": report.value(r, SH.focusNode),
                "path": report.value(r, SH.resultPath),
                "value": report.value(r, SH.value),
                "message": report.value(r, SH.resultMessage),
                "shape": source,
                "component": report.value(r, SH.sourceConstraintComponent),
                "key": shapes.value(source, SH.name),
            }
        )
    assert conforms == (not any(r["severity"] == SH.Violation for r in results))
    return results


def violations(
    results: list[dict[str, rdflib.term.Node | None]],
) -> list[dict[str, rdflib.term.Node | None]]:
    return [r for r in results if r["severity"] == SH.Violation]


def map_text(text: str, path: str = SEED_PATH) -> MappedDocument:
    doc, problems = parse_document(text.encode("utf-8"), path)
    assert doc is not None, problems
    return load_mapping().map(doc)


def seed_with(replace: dict[str, str | None]) -> str:
    """The seed document with front-matter lines ``key: …`` replaced (or removed when None)."""
    text = SEED.read_text(encoding="utf-8")
    for key, line in replace.items():
        pattern = re.compile(rf"^{re.escape(key)}:.*(?:\n[ -].*)*\n", re.MULTILINE)
        assert pattern.search(text), key
        text = pattern.sub("" if line is None else line + "\n", text, count=1)
    return text


# -- the shapes graph itself ------------------------------------------------------------------


def test_shapes_conform_to_shacl_shacl(shapes: rdflib.Graph) -> None:
    shacl_shacl = os.path.join(os.path.dirname(pyshacl.__file__), "assets", "shacl-shacl.ttl")
    meta = rdflib.Graph().parse(shacl_shacl, format="turtle")
    conforms, _report, text = pyshacl.validate(shapes, shacl_graph=meta, inference="none")
    assert conforms, text
    # and pyshacl's own meta check accepts them before validating anything
    conforms, _report, _text = pyshacl.validate(rdflib.Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms


def test_shacl_shacl_check_can_fail() -> None:
    shacl_shacl = os.path.join(os.path.dirname(pyshacl.__file__), "assets", "shacl-shacl.ttl")
    meta = rdflib.Graph().parse(shacl_shacl, format="turtle")
    bad = rdflib.Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . <x:s> a sh:NodeShape ; sh:property [ sh:minCount -1 ] .",
        format="turtle",
    )
    assert not pyshacl.validate(bad, shacl_graph=meta, inference="none")[0]


def test_every_term_named_is_declared_or_standard(
    shapes: rdflib.Graph, ontology: rdflib.Graph
) -> None:
    declared = {
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind)
    }
    unknown = []
    for parameter in NAMING:
        for term in shapes.objects(None, parameter):
            if isinstance(term, rdflib.BNode):
                unknown.append((parameter, "complex path"))  # no complex paths are used
                continue
            iri = str(term)
            if iri.startswith(str(MEDIGY)):
                if term not in declared:
                    unknown.append((parameter, term))
                continue
            namespace = next((ns for ns in STANDARD if iri.startswith(ns)), None)
            if namespace is None:
                unknown.append((parameter, term))
                continue
            try:
                getattr(STANDARD[namespace], iri[len(namespace) :])
            except AttributeError:
                unknown.append((parameter, term))
    assert not unknown


def _shapes_with_constraints(shapes: rdflib.Graph) -> set[rdflib.term.Node]:
    """Node and property shapes that report results themselves (not shapes nested in sh:or/sh:not…)."""
    nested = set()
    for parameter in (SH["or"], SH["and"], SH.xone):
        for head in shapes.objects(None, parameter):
            nested |= set(Collection(shapes, head))
    nested |= set(shapes.objects(None, SH["not"])) | set(
        shapes.objects(None, SH.qualifiedValueShape)
    )
    found = set()
    for parameter in CONSTRAINTS:
        found |= set(shapes.subjects(parameter, None))
    return found - nested


def test_every_constraint_has_a_message(shapes: rdflib.Graph) -> None:
    silent = [s for s in _shapes_with_constraints(shapes) if shapes.value(s, SH.message) is None]
    silent += [c for c in shapes.objects(None, SH.sparql) if shapes.value(c, SH.message) is None]
    assert not silent


def test_core_messages_have_no_placeholders(shapes: rdflib.Graph) -> None:
    """pyshacl copies core-constraint messages verbatim: a {$value} there would reach the editor."""
    sparql = set(shapes.objects(None, SH.sparql))
    bad = [m for s, m in shapes.subject_objects(SH.message) if s not in sparql and "{" in str(m)]
    assert not bad


def test_every_property_shape_names_its_front_matter_key(shapes: rdflib.Graph) -> None:
    property_shapes = set(shapes.objects(None, SH.property))
    assert len(property_shapes) > 60
    unnamed = [
        p
        for p in property_shapes
        if shapes.value(p, SH.name) is None or shapes.value(p, SH.description) is None
    ]
    assert not unnamed


def test_messages_name_their_front_matter_key(shapes: rdflib.Graph) -> None:
    """An editor reads the key in the message: the message mentions the key of its shape."""
    wrong = []
    for p in set(shapes.objects(None, SH.property)):
        key = str(shapes.value(p, SH.name))
        messages = [str(m) for m in shapes.objects(p, SH.message)]
        messages += [str(shapes.value(c, SH.message)) for c in shapes.objects(p, SH.sparql)]
        if not key.startswith("(") and not any(key in m for m in messages):
            wrong.append((p, key))
    assert not wrong


def test_severities_are_deliberate(shapes: rdflib.Graph) -> None:
    severities = set(shapes.objects(None, SH.severity))
    assert severities == {SH.Violation, SH.Warning, SH.Info}
    assert shapes.value(MGS["Content-title-required"], SH.severity) == SH.Violation
    assert shapes.value(MGS["Content-description-recommended"], SH.severity) == SH.Warning
    assert shapes.value(MGS["Content-author-recommended"], SH.severity) == SH.Warning
    assert shapes.value(MGS["Content-topics-recommended"], SH.severity) == SH.Warning
    assert shapes.value(MGS["Content-mdName-recommended"], SH.severity) == SH.Info


def test_every_mapped_class_is_targeted(
    shapes: rdflib.Graph, ontology: rdflib.Graph, examples: rdflib.Graph
) -> None:
    targeted = set(shapes.objects(None, SH.targetClass))
    produced = set(examples.objects(None, RDF.type))
    content = {
        c
        for c in ontology.subjects(RDF.type, OWL.Class)
        if MEDIGY.Content in ontology.transitive_objects(c, RDFS.subClassOf)
    }
    assert len(produced) >= 15 and len(content) == 6
    assert produced - targeted == set()
    assert content - set(shapes.objects(MGS.ContentShape, SH.targetClass)) == set()


# -- the example content conforms --------------------------------------------------------------


@pytest.fixture(scope="module")
def mapped() -> list[MappedDocument]:
    mapper = load_mapping()
    docs = [
        mapper.map(doc) for doc, _problems in read_documents([str(EXAMPLES)]) if doc is not None
    ]
    assert len(docs) >= 19 and not any(d.rejected for d in docs)
    return docs


@pytest.fixture(scope="module")
def examples(mapped: list[MappedDocument]) -> rdflib.Graph:
    return to_rdflib(mapped)


def test_example_content_has_no_violations(examples: rdflib.Graph, shapes: rdflib.Graph) -> None:
    results = validate(examples, shapes)
    assert violations(results) == []
    # the one example without a description is reported, as a warning
    assert [(r["key"], r["severity"]) for r in results] == [
        (rdflib.Literal("description"), SH.Warning)
    ]


def test_each_example_document_alone_has_no_violations(
    mapped: list[MappedDocument], shapes: rdflib.Graph
) -> None:
    for doc in mapped:
        assert violations(validate(to_rdflib([doc]), shapes)) == [], doc.document.path


def test_seed_conforms_without_any_result(shapes: rdflib.Graph) -> None:
    assert validate(to_rdflib([map_text(SEED.read_text(encoding="utf-8"))]), shapes) == []


# -- broken front matter: the expected result, message and path ----------------------------------


def _only(
    results: list[dict[str, rdflib.term.Node | None]], **wanted: object
) -> dict[str, rdflib.term.Node | None]:
    found = [r for r in results if all(r[k] == v for k, v in wanted.items())]
    assert len(found) == 1, results
    return found[0]


def test_missing_title(shapes: rdflib.Graph) -> None:
    results = validate(to_rdflib([map_text(seed_with({"title": None}))]), shapes)
    r = _only(violations(results))
    assert r["message"] == rdflib.Literal("title is missing")
    assert r["path"] == SCHEMA.name
    assert r["focus"] == SEED_IRI
    assert r["key"] == rdflib.Literal("title")
    assert r["component"] == SH.MinCountConstraintComponent


def test_empty_title_is_not_written_so_reported_missing(shapes: rdflib.Graph) -> None:
    results = validate(to_rdflib([map_text(seed_with({"title": "title: ''"}))]), shapes)
    assert _only(violations(results))["message"] == rdflib.Literal("title is missing")


def test_lastmod_before_date(shapes: rdflib.Graph) -> None:
    text = seed_with({"lastMod": "lastMod: '2021-02-16T10:10:10Z'"})
    r = _only(violations(validate(to_rdflib([map_text(text)]), shapes)))
    assert r["path"] == SCHEMA.dateModified
    assert r["key"] == rdflib.Literal("lastMod")
    assert r["component"] == SH.SPARQLConstraintComponent
    message = str(r["message"])
    assert message.startswith("lastMod (2021-02-16T10:10:10") and message.endswith(
        ") is before date (2021-02-17T04:49:37.317526+00:00)"
    )


def test_lastmod_before_date_across_timezones(shapes: rdflib.Graph) -> None:
    # 09:00+05:30 is 03:30Z, before the date 04:49:37Z although the clock reads later
    text = seed_with({"lastMod": "lastMod: '2021-02-17T09:00:00+05:30'"})
    r = _only(violations(validate(to_rdflib([map_text(text)]), shapes)))
    assert r["path"] == SCHEMA.dateModified


def test_lastmod_equal_to_date_or_later_in_another_timezone_is_fine(shapes: rdflib.Graph) -> None:
    for lastmod in ("2021-02-17T04:49:37.317526Z", "2021-02-17T10:30:00+05:30"):
        text = seed_with({"lastMod": f"lastMod: '{lastmod}'"})
        assert violations(validate(to_rdflib([map_text(text)]), shapes)) == [], lastmod


def test_ill_typed_date(shapes: rdflib.Graph) -> None:
    doc = map_text(seed_with({"date": "date: '2026-13-45'"}))
    assert any(
        d.key == "date" for d in doc.diagnostics
    )  # the mapping warns, and writes it as typed
    results = validate(to_rdflib([doc]), shapes)  # must not crash on the ill-typed literal
    r = _only(violations(results))
    assert r["path"] == SCHEMA.datePublished
    assert r["key"] == rdflib.Literal("date")
    # a date-only value is written as xsd:date by the mapping: ill-typed all the same
    assert r["value"] == rdflib.Literal("2026-13-45", datatype=XSD.date)
    assert str(r["message"]).startswith("date is not a valid date and time")


def test_ill_typed_datetime(shapes: rdflib.Graph) -> None:
    doc = map_text(seed_with({"date": "date: '2026-13-45T10:00:00Z'"}))
    r = _only(violations(validate(to_rdflib([doc]), shapes)))
    assert (r["path"], str(r["key"])) == (SCHEMA.datePublished, "date")
    assert r["value"] == rdflib.Literal("2026-13-45T10:00:00Z", datatype=XSD.dateTime)
    assert r["component"] == SH.OrConstraintComponent


def test_ill_typed_datetime_fails_sh_datatype_in_pyshacl() -> None:
    """The premise of the date shapes: pyshacl checks the lexical form, not only the datatype IRI."""
    shapes = rdflib.Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <x:s> a sh:NodeShape ; sh:targetNode <x:a> ; sh:property [ sh:path <x:p> ; sh:datatype xsd:dateTime ] .""",
        format="turtle",
    )
    data = rdflib.Graph()
    data.add(
        (
            rdflib.URIRef("x:a"),
            rdflib.URIRef("x:p"),
            rdflib.Literal("2026-13-45", datatype=XSD.dateTime),
        )
    )
    assert not pyshacl.validate(data, shacl_graph=shapes, inference="none")[0]


def test_date_without_time_or_timezone_is_a_warning(shapes: rdflib.Graph) -> None:
    text = seed_with({"date": "date: '2021-02-17'", "lastMod": "lastMod: '2021-02-17T10:10:10'"})
    results = validate(to_rdflib([map_text(text)]), shapes)
    assert violations(results) == []
    messages = {(str(r["key"]), str(r["message"])) for r in results}
    assert messages == {
        ("date", "date has no time of day; write it like 2021-02-17T04:49:37Z"),
        ("lastMod", "lastMod has no timezone; add Z for UTC or an offset such as +05:30"),
    }


def test_negative_width(shapes: rdflib.Graph) -> None:
    text = seed_with(
        {
            "featuredImage": "featuredImage:\n  href: x.jpeg\n  format: JPEG\n  alt: x\n  size:\n  - -1200\n  - 675"
        }
    )
    r = _only(violations(validate(to_rdflib([map_text(text)]), shapes)))
    assert r["path"] == SCHEMA.width
    assert r["key"] == rdflib.Literal("featuredImage.size")
    assert r["value"] == rdflib.Literal(-1200)
    assert r["component"] == SH.MinExclusiveConstraintComponent
    assert str(r["message"]).startswith("featuredImage.size's width")


def _without_scheme(remove_type_only: bool) -> rdflib.Graph:
    """The mapping refuses a topic without 'Scheme:' so the graph is edited after mapping."""
    g = to_rdflib([map_text(SEED.read_text(encoding="utf-8"))])
    concept = rdflib.URIRef("https://medigy.com/topic/klas.telehealth")
    scheme = rdflib.URIRef("https://medigy.com/topic-scheme/klas")
    assert (concept, SKOS.inScheme, scheme) in g
    if remove_type_only:
        g.remove((scheme, RDF.type, SKOS.ConceptScheme))
    else:
        g.remove((concept, SKOS.inScheme, None))
        g.remove((concept, SKOS.topConceptOf, None))
    return g


def test_topic_without_scheme(shapes: rdflib.Graph) -> None:
    found = violations(validate(_without_scheme(remove_type_only=False), shapes))
    assert {(r["focus"], r["path"], str(r["key"])) for r in found} == {
        (
            rdflib.URIRef("https://medigy.com/topic/klas.telehealth"),
            SKOS.inScheme,
            "communityTopics",
        ),
        (SEED_IRI, SCHEMA.about, "communityTopics"),
    }
    assert any(
        str(r["message"]).startswith("a communityTopics entry must name exactly one taxonomy")
        for r in found
    )


def test_topic_in_something_that_is_not_a_scheme(shapes: rdflib.Graph) -> None:
    found = violations(validate(_without_scheme(remove_type_only=True), shapes))
    messages = {str(r["message"]) for r in found if r["path"] in (SKOS.inScheme, SKOS.topConceptOf)}
    assert messages == {"a communityTopics entry names a taxonomy that is not known as one"}


def test_missing_community(shapes: rdflib.Graph) -> None:
    text = seed_with({"identifier": None})
    r = _only(violations(validate(to_rdflib([map_text(text)]), shapes)))
    assert r["path"] == MEDIGY.community
    assert str(r["message"]).startswith("identifier is missing")


def test_missing_description_and_author_are_warnings(shapes: rdflib.Graph) -> None:
    text = seed_with({"description": None, "author": None})
    results = validate(to_rdflib([map_text(text)]), shapes)
    assert violations(results) == []
    assert {(str(r["key"]), r["severity"], r["path"]) for r in results} == {
        ("description", SH.Warning, SCHEMA.description),
        ("author", SH.Warning, SCHEMA.author),
    }


def test_non_image_format_is_a_warning(shapes: rdflib.Graph) -> None:
    text = seed_with(
        {
            "featuredImage": "featuredImage:\n  href: x.pdf\n  format: application/pdf\n  alt: x\n  size:\n  - 10\n  - 10"
        }
    )
    results = validate(to_rdflib([map_text(text)]), shapes)
    assert violations(results) == []
    r = _only(results)
    assert (r["severity"], r["path"], str(r["key"])) == (
        SH.Warning,
        SCHEMA.encodingFormat,
        "featuredImage.format",
    )


def test_shared_community_spelled_differently_is_a_warning(shapes: rdflib.Graph) -> None:
    one = map_text(SEED.read_text(encoding="utf-8"))
    other = map_text(
        seed_with(
            {
                "mdName": "mdName: 00000000-0000-0000-0000-000000000001",
                "mastHead": "mastHead: CCM CoP",
            }
        ),
        path="communities/chronic-care-management/curated-content/other.md",
    )
    results = validate(to_rdflib([one, other]), shapes)
    assert violations(results) == []
    assert _only(results)["message"] == rdflib.Literal(
        "mastHead has more than one value for this community (a list, or documents that disagree)"
    )


# -- the broken examples shipped with the project ---------------------------------------------


def test_broken_example_missing_title_and_lastmod_before_date(shapes: rdflib.Graph) -> None:
    raw = (BROKEN / "2d17fe5a-682d-580e-b356-af49467a076e.md").read_bytes()
    doc, _ = parse_document(raw, "2d17fe5a-682d-580e-b356-af49467a076e.md")
    assert doc is not None
    found = violations(validate(to_rdflib([load_mapping().map(doc)]), shapes))
    assert sorted((str(r["key"]), str(r["message"])) for r in found) == [
        (
            "lastMod",
            "lastMod (2023-04-09T08:14:27.266130+00:00) is before date (2023-04-11T16:25:58.903417+00:00)",
        ),
        ("title", "title is missing"),
    ]


def test_broken_example_negative_width(shapes: rdflib.Graph) -> None:
    raw = (BROKEN / "0c68b674-ffbf-5b7b-b83b-5d780fce5977.md").read_bytes()
    doc, _ = parse_document(raw, "0c68b674-ffbf-5b7b-b83b-5d780fce5977.md")
    assert doc is not None
    mapped = load_mapping().map(doc)
    assert mapped.rejected  # link.href "see website" is refused by the mapping itself
    found = violations(validate(to_rdflib([mapped]), shapes))
    assert (SCHEMA.width, "featuredImage.size") in {(r["path"], str(r["key"])) for r in found}


@pytest.mark.parametrize(
    ("last_mod", "before"),
    [
        ("'2024-01-05T10:00:00'", False),  # no timezone, years later: UTC, not before
        ("2024-01-05", False),  # a date alone, years later
        ("2021-02-17", False),  # the day of publication: not before
        ("2021-02-16", True),  # the day before
        ("'2021-02-16T23:00:00'", True),  # no timezone, the evening before (UTC)
        ("'2021-02-17T09:00:00+05:30'", True),  # 03:30Z, before 04:49Z
        ("'2021-02-17T05:00:00'", False),  # no timezone, after 04:49 UTC
    ],
)
def test_lastmod_before_date_whatever_the_form_of_either(
    shapes: rdflib.Graph, last_mod: str, before: bool
) -> None:
    text = seed_with({"lastMod": f"lastMod: {last_mod}"})
    found = [
        r
        for r in violations(validate(to_rdflib([map_text(text)]), shapes))
        if "is before date" in str(r["message"])
    ]
    assert len(found) == (1 if before else 0), found


@pytest.mark.parametrize(
    ("date", "last_mod", "before"),
    [
        ("'2024-03-10T12:00:00'", "'2024-03-01T00:00:00Z'", True),  # date without timezone
        ("'2024-03-11'", "'2024-03-01T00:00:00Z'", True),  # date alone
        ("'2024-03-11'", "'2024-03-01T00:00:00'", True),  # neither has a timezone
        ("'2024-03-10T12:00:00.5'", "'2024-03-01T12:00:00Z'", True),
        ("'2024-03-10T12:00:00'", "'2024-03-10T12:00:01Z'", False),
        ("'2024-03-10'", "'2024-03-10T00:00:00Z'", False),  # the day itself
        ("'2024-03-10T12:00:00+02:00'", "'2024-03-10T11:00:00Z'", False),  # 10:00Z then 11:00Z
        ("'2024-03-10T12:00:00Z'", "'2024-03-10T11:00:00Z'", True),
    ],
)
def test_lastmod_before_date_whatever_the_form_of_the_date(
    shapes: rdflib.Graph, date: str, last_mod: str, before: bool
) -> None:
    text = seed_with({"date": f"date: {date}", "lastMod": f"lastMod: {last_mod}"})
    found = [
        r
        for r in violations(validate(to_rdflib([map_text(text)]), shapes))
        if "is before date" in str(r["message"])
    ]
    assert len(found) == (1 if before else 0), found


def _refused_shapes(tmp_path: Path, written: str, typo: str) -> tuple[str, str]:
    """validate with the bundled shapes, ``written`` replaced by ``typo``: the refusal's
    message (ValidationSetupError, exit 2 on the command line) and the shapes file's name."""
    from medigraph.validation import ValidationSetupError, validate

    text = SHAPES.read_text(encoding="utf-8")
    assert written in text
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(text.replace(written, typo, 1), encoding="utf-8")
    with pytest.raises(ValidationSetupError) as refused:
        validate([SEED], shapes=str(shapes), jobs=1)
    return str(refused.value), str(shapes)


@pytest.mark.parametrize(
    ("written", "typo"),
    [
        ("sh:class medigy:Community", "sh:class medigy:Comunity"),
        ("sh:targetClass medigy:WorkPackage", "sh:targetClass medigy:WorkPackge"),
    ],
)
def test_a_shape_naming_a_medigy_term_the_ontology_does_not_declare_is_refused(
    tmp_path: Path, written: str, typo: str
) -> None:
    """A shape whose class or target class is a Medigy term the ontology does not declare (a
    typo, or a class not yet added to the ontology) made every document fail, or none be
    checked, with messages blaming the editors' keys; the shapes file is refused (exit 2),
    naming the shape and the term."""
    said, shapes = _refused_shapes(tmp_path, written, typo)
    assert typo.split()[-1] in said and shapes in said
    assert "does not declare" in said


@pytest.mark.parametrize(
    ("written", "typo", "term"),
    [
        ("sh:path medigy:mastHead", "sh:path medigy:masthead", "medigy:masthead"),
        (
            "sh:path medigy:mastHead",
            "sh:path ( medigy:mastHead medigy:mastHeed )",
            "medigy:mastHeed",
        ),
        (
            "sh:path medigy:mastHead",
            "sh:path [ sh:alternativePath ( medigy:mastHead [ sh:inversePath medigy:mstHead ] ) ]",
            "medigy:mstHead",
        ),
    ],
)
def test_a_shape_path_through_an_undeclared_medigy_property_is_warned_of(
    tmp_path: Path, written: str, typo: str, term: str
) -> None:
    """A typo in a shape's sh:path (medigy:masthead) made the shape check nothing, silently:
    no document writes the term, so the undeclared-term check never saw it. The run warns,
    naming the shapes file, the shape and the term, in a plain path as in a sequence,
    alternative or inverse one."""
    from medigraph.diagnostics import Severity
    from medigraph.validation import validate

    text = SHAPES.read_text(encoding="utf-8")
    assert written in text
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(text.replace(written, typo, 1), encoding="utf-8")
    report = validate([SEED], shapes=str(shapes), jobs=1)
    told = [d for d in report.diagnostics if d.code == "shapes.declared-path"]
    assert len(told) == 1, told
    assert told[0].severity == Severity.WARNING
    assert term in told[0].message and str(shapes) in told[0].message
    assert "CommunityShape" in told[0].message
    # on the shapes file, at the statement's line (the shape is a blank node of
    # CommunityShape's): annotations and code scanning alerts are on the file to fix
    assert told[0].path == str(shapes)
    assert told[0].line == text[: text.index(written)].count("\n") + 1
    # the bundled shapes name no undeclared property
    assert not [d for d in validate([SEED], jobs=1).diagnostics if d.code == "shapes.declared-path"]


def test_export_validate_tells_a_shape_path_through_an_undeclared_medigy_property(
    tmp_path: Path,
) -> None:
    """export --validate keeps the shapes' own warning, as it keeps the shapes' results; a
    property target is told as a path is."""
    from medigraph.export import export

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        SHAPES.read_text(encoding="utf-8").replace(
            "sh:path medigy:mastHead", "sh:path medigy:masthead", 1
        )
        + "\nmgs:ByTarget a sh:NodeShape ; sh:targetSubjectsOf medigy:mstHead ;"
        " sh:property [ sh:path rdfs:label ; sh:minCount 1 ] .\n",
        encoding="utf-8",
    )
    report = export(
        [SEED], tmp_path / "out.nq", validate=True, shapes=str(shapes), jobs=1, cache=False
    )
    told = sorted(d.message for d in report.diagnostics if d.code == "shapes.declared-path")
    assert len(told) == 2, told
    assert any("has a path through medigy:masthead" in m for m in told), told
    assert any("ByTarget targets the subjects of medigy:mstHead" in m for m in told), told


@pytest.mark.parametrize(
    ("written", "typo"),
    [
        ("sh:node mgs:TopicInSchemeShape", "sh:node mgs:TopicInSchemShape"),
        ("sh:node mgs:TopicInSchemeShape", "sh:or ( mgs:TopicInSchemShape )"),
    ],
)
def test_a_shape_naming_a_shape_the_file_does_not_describe_is_refused(
    tmp_path: Path, written: str, typo: str
) -> None:
    """sh:node mgs:TopicInSchemShape (a typo) named an empty shape, which every value conforms
    to: the topics' scheme check was gone and validate said the documents conform. The shapes
    file is refused (exit 2), naming the shape and the shape it names."""
    said, shapes = _refused_shapes(tmp_path, written, typo)
    assert "TopicInSchemShape" in said and shapes in said and "does not describe" in said
