"""The Medigy ontology (ontology/medigy.ttl) declares, defines and aligns every term the mapping emits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import yaml
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from medigraph.documents import read_documents
from medigraph.mapping import MappedDocument, load_mapping

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "medigy.ttl"
MAPPING = ROOT / "ontology" / "mapping.yaml"
EXAMPLES = ROOT / "examples" / "content"

# A plain namespace: pytest probing rdflib's closed XSD namespace at collection warns.
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
MEDIGY = rdflib.Namespace("https://medigy.com/ontology/")
SCHEMA = rdflib.Namespace("http://schema.org/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")

# Declared although the examples never emit them: the abstract superclass of all content.
# Content is the abstract superclass; the sync terms are written by push and the store.
DELIBERATELY_UNUSED = {
    MEDIGY.Content,
    MEDIGY.SyncManifest,
    MEDIGY.ManagedGraph,  # the manifest's bookkeeping: what listsGraph names
    MEDIGY.listsGraph,
    MEDIGY.contentHash,
    MEDIGY.managedSource,
    MEDIGY.updating,
}


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY, format="turtle")


def _mapped() -> Iterator[MappedDocument]:
    mapper = load_mapping()
    for doc, _problems in read_documents([str(EXAMPLES)]):
        assert doc is not None
        yield mapper.map(doc)


@pytest.fixture(scope="module")
def mapped() -> list[MappedDocument]:
    docs = list(_mapped())
    assert len(docs) >= 19
    assert not any(d.rejected for d in docs)
    return docs


@pytest.fixture(scope="module")
def data(mapped: list[MappedDocument]) -> rdflib.Graph:
    """All example documents, mapped and merged (pyoxigraph → N-Triples → rdflib)."""
    triples = [t for d in mapped for t in d.triples]
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()
    return rdflib.Graph().parse(data=text, format="nt")


def _medigy(term: rdflib.term.Node) -> bool:
    return isinstance(term, rdflib.URIRef) and str(term).startswith(str(MEDIGY))


def _used_terms(data: rdflib.Graph) -> tuple[set[rdflib.URIRef], set[rdflib.URIRef]]:
    classes = {o for o in data.objects(None, RDF.type) if _medigy(o)}
    properties = {p for p in data.predicates() if _medigy(p)}
    return classes, properties  # type: ignore[return-value]


def _mapping_terms() -> set[rdflib.URIRef]:
    """Every medigy: CURIE written anywhere in mapping.yaml."""
    found: set[rdflib.URIRef] = set()

    def walk(value: object) -> None:
        if isinstance(value, str) and value.startswith("medigy:"):
            found.add(MEDIGY[value.split(":", 1)[1]])
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(yaml.safe_load(MAPPING.read_text(encoding="utf-8")))
    return found


def _superclasses(ontology: rdflib.Graph, cls: rdflib.URIRef) -> set[rdflib.term.Node]:
    return set(ontology.transitive_objects(cls, RDFS.subClassOf))


# -- parsing and header -----------------------------------------------------------------------


def test_parses_with_rdflib_and_pyoxigraph(ontology: rdflib.Graph) -> None:
    assert len(ontology) > 100
    with ONTOLOGY.open("rb") as f:
        quads = list(ox.parse(f, format=ox.RdfFormat.TURTLE))
    assert len(quads) == len(ontology)


def test_ontology_header(ontology: rdflib.Graph) -> None:
    onto = rdflib.URIRef(str(MEDIGY))
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(onto, OWL.versionInfo) == rdflib.Literal("0.1.0")
    assert isinstance(ontology.value(onto, DCTERMS.license), rdflib.URIRef)
    label = ontology.value(onto, RDFS.label)
    comment = ontology.value(onto, RDFS.comment)
    assert label is not None and label.language == "en"
    assert comment is not None and comment.language == "en"
    assert not list(ontology.objects(onto, OWL.imports))


# -- every term used is declared and explained --------------------------------------------------


def test_every_medigy_class_used_is_declared(ontology: rdflib.Graph, data: rdflib.Graph) -> None:
    classes, _ = _used_terms(data)
    assert MEDIGY.CuratedContent in classes and MEDIGY.DocumentGraph in classes
    undeclared = {c for c in classes if (c, RDF.type, OWL.Class) not in ontology}
    assert not undeclared


def test_every_medigy_property_used_is_declared(ontology: rdflib.Graph, data: rdflib.Graph) -> None:
    _, properties = _used_terms(data)
    assert MEDIGY.community in properties and MEDIGY.textSha256 in properties
    kinds = {OWL.ObjectProperty, OWL.DatatypeProperty}
    undeclared = {p for p in properties if not kinds & set(ontology.objects(p, RDF.type))}
    assert not undeclared


def test_object_and_datatype_properties_match_the_data(
    ontology: rdflib.Graph, data: rdflib.Graph
) -> None:
    wrong = set()
    for _s, p, o in data:
        if not _medigy(p):
            continue
        if (p, RDF.type, OWL.ObjectProperty) in ontology and not isinstance(o, rdflib.URIRef):
            wrong.add((p, "object property with a literal"))
        if (p, RDF.type, OWL.DatatypeProperty) in ontology and not isinstance(o, rdflib.Literal):
            wrong.add((p, "datatype property with an IRI"))
    assert not wrong


def test_every_medigy_term_named_by_the_mapping_is_declared(ontology: rdflib.Graph) -> None:
    named = _mapping_terms()
    assert MEDIGY.workflowStatus in named and MEDIGY.category in named
    declared = {s for s in ontology.subjects(RDF.type, None) if _medigy(s)}
    assert named - declared == set()


def test_nothing_declared_that_is_unused(ontology: rdflib.Graph, data: rdflib.Graph) -> None:
    classes, properties = _used_terms(data)
    declared = {
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind)
        if _medigy(s)
    }
    allowed = classes | properties | _mapping_terms() | DELIBERATELY_UNUSED
    assert declared - allowed == set()


def test_every_term_has_an_english_label_and_definition(ontology: rdflib.Graph) -> None:
    missing = []
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in ontology.subjects(RDF.type, kind):
            if not _medigy(term):
                continue
            labels = [x for x in ontology.objects(term, RDFS.label) if x.language == "en"]
            definitions = [
                x
                for p in (SKOS.definition, RDFS.comment)
                for x in ontology.objects(term, p)
                if isinstance(x, rdflib.Literal) and x.language == "en" and len(str(x)) > 20
            ]
            if len(labels) != 1 or not definitions:
                missing.append(term)
    assert not missing


def test_definitions_of_mapped_properties_name_their_front_matter_key(
    ontology: rdflib.Graph,
) -> None:
    spec = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    unexplained = []
    for key, rule in spec["keys"].items():
        props = rule.get("properties") or [rule.get("property")]
        for curie in props:
            if curie and curie.startswith("medigy:"):
                text = str(ontology.value(MEDIGY[curie.split(":", 1)[1]], SKOS.definition))
                if key not in text:
                    unexplained.append((curie, key))
    assert not unexplained


# -- classes: CreativeWork, disjointness ---------------------------------------------------------


def test_every_content_class_is_a_creative_work(
    ontology: rdflib.Graph, mapped: list[MappedDocument]
) -> None:
    content_classes = set()
    for d in mapped:
        for t in d.triples:
            if t.subject == d.subject and t.predicate.value == str(RDF.type):
                content_classes.add(rdflib.URIRef(t.object.value))
    spec = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    for entry in spec["classes"]:
        content_classes.add(MEDIGY[entry["class"].split(":", 1)[1]])
        for cls in entry.get("workPackageTypes", {}).values():
            content_classes.add(MEDIGY[cls.split(":", 1)[1]])
    assert len(content_classes) >= 5
    for cls in content_classes:
        assert SCHEMA.CreativeWork in _superclasses(ontology, cls), cls
        assert MEDIGY.Content in _superclasses(ontology, cls), cls


def _disjoint(ontology: rdflib.Graph, a: rdflib.URIRef, b: rdflib.URIRef) -> bool:
    if (a, OWL.disjointWith, b) in ontology or (b, OWL.disjointWith, a) in ontology:
        return True
    for group in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = set(rdflib.collection.Collection(ontology, ontology.value(group, OWL.members)))
        if a in members and b in members:
            return True
    return False


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (MEDIGY.CuratedContent, MEDIGY.NewsItem),
        (MEDIGY.CuratedContent, MEDIGY.EventListing),
        (MEDIGY.CuratedContent, MEDIGY.PodcastEpisode),
        (MEDIGY.NewsItem, MEDIGY.EventListing),
        (MEDIGY.NewsItem, MEDIGY.PodcastEpisode),
        (MEDIGY.EventListing, MEDIGY.PodcastEpisode),
        (MEDIGY.Content, MEDIGY.Community),
        (MEDIGY.Content, MEDIGY.WorkPackage),
        (MEDIGY.Community, MEDIGY.WorkPackage),
        (MEDIGY.Content, MEDIGY.DocumentGraph),
        (MEDIGY.DocumentGraph, MEDIGY.SourceFile),
    ],
)
def test_disjoint_classes(ontology: rdflib.Graph, a: rdflib.URIRef, b: rdflib.URIRef) -> None:
    assert _disjoint(ontology, a, b)


def _closure_types(
    ontology: rdflib.Graph, data: rdflib.Graph, node: rdflib.term.Node
) -> set[rdflib.term.Node]:
    types: set[rdflib.term.Node] = set()
    for t in data.objects(node, RDF.type):
        types |= _superclasses(ontology, t)  # type: ignore[arg-type]
    return types


def test_no_mapped_resource_falls_into_disjoint_classes(
    ontology: rdflib.Graph, data: rdflib.Graph
) -> None:
    groups = [
        set(rdflib.collection.Collection(ontology, ontology.value(g, OWL.members)))
        for g in ontology.subjects(RDF.type, OWL.AllDisjointClasses)
    ]
    assert groups
    clashes = []
    for node in set(data.subjects(RDF.type, None)):
        types = _closure_types(ontology, data, node)
        if any(len(types & g) > 1 for g in groups):
            clashes.append(node)
    assert not clashes


def test_domains_and_ranges_hold_on_the_examples(
    ontology: rdflib.Graph, data: rdflib.Graph
) -> None:
    """Declared domains and ranges are 'safe': the mapped data already satisfies them."""
    wrong = []
    for s, p, o in data:
        if not _medigy(p):
            continue
        domain = ontology.value(p, RDFS.domain)
        if domain is not None and domain not in _closure_types(ontology, data, s):
            wrong.append((s, p, "domain"))
        rng = ontology.value(p, RDFS.range)
        if rng is None:
            continue
        if isinstance(o, rdflib.Literal):
            datatype = o.datatype or XSD.string
            if datatype != rng:
                wrong.append((s, p, "range"))
        elif rng not in _closure_types(ontology, data, o):
            wrong.append((s, p, "range"))
    assert not wrong


# -- alignment with the standard vocabularies (design table) ------------------------------------

ALIGNMENT = [
    "medigy:Content rdfs:subClassOf schema:CreativeWork",
    "medigy:CommunityContent rdfs:subClassOf medigy:Content",
    "medigy:CuratedContent rdfs:subClassOf medigy:CommunityContent",
    "medigy:NewsItem rdfs:subClassOf schema:NewsArticle",
    "medigy:NewsItem rdfs:subClassOf medigy:CommunityContent",
    "medigy:EventListing rdfs:subClassOf medigy:CommunityContent",
    "medigy:PodcastEpisode rdfs:subClassOf schema:PodcastEpisode",
    "medigy:Community rdfs:subClassOf schema:Organization",
    "medigy:WorkPackage rdfs:subClassOf prov:Entity",
    "medigy:Attachment rdfs:subClassOf prov:Entity",
    "medigy:DocumentGraph rdfs:subClassOf prov:Entity",
    "medigy:SourceFile rdfs:subClassOf prov:Entity",
    "medigy:community rdfs:subPropertyOf schema:isPartOf",
    "medigy:community rdfs:range medigy:Community",
    "medigy:mastHead rdfs:subPropertyOf schema:alternateName",
    "medigy:category rdfs:subPropertyOf schema:keywords",
    "medigy:searchCategory rdfs:subPropertyOf schema:genre",
    "medigy:workPackage rdfs:subPropertyOf prov:wasDerivedFrom",
    "medigy:workPackage rdfs:range medigy:WorkPackage",
    "medigy:describes rdfs:subPropertyOf foaf:primaryTopic",
    "medigy:describes rdfs:domain medigy:DocumentGraph",
    "medigy:imageValidated rdfs:range xsd:boolean",
]

PREFIXES = """
PREFIX medigy: <https://medigy.com/ontology/>
PREFIX schema: <http://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.mark.parametrize("fact", ALIGNMENT)
def test_alignment(ontology: rdflib.Graph, fact: str) -> None:
    assert ontology.query(f"{PREFIXES} ASK {{ {fact} }}").askAnswer


UNALIGNED = {
    # the Hugo site's own workings
    "apiPath", "archetype", "contentCategory", "curationSource", "draft", "hugoSection",
    "layoutVariant", "sectionPath", "slug", "unpublished", "urlAlias", "weight",
    # OpenProject fields with no standard counterpart
    "imageValidated", "workPackageType",
    # medigraph's provenance and the sync manifest's bookkeeping
    "contentHash", "generatedBy", "listsGraph", "managedSource", "sourcePath", "updating",
}  # fmt: skip
"""The Medigy properties that state no alignment, as the ontology's header says: the site's
own workings and bookkeeping, for which no standard term is right."""


def test_every_class_and_every_property_but_the_sites_own_is_aligned(
    ontology: rdflib.Graph,
) -> None:
    """The header says every Medigy class and every property that a standard term covers
    states its alignment; a new property must state one or join the listed exceptions."""
    declared = {
        term
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
        for term in ontology.subjects(RDF.type, kind)
        if isinstance(term, rdflib.URIRef) and term.startswith(str(MEDIGY))
    }
    unaligned = {
        term
        for term in declared
        if not any(
            (term, link, None) in ontology
            for link in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentProperty)
        )
    }
    assert {term[len(str(MEDIGY)) :] for term in unaligned} == UNALIGNED
    assert not [term for term in unaligned if (term, RDF.type, OWL.Class) in ontology]


def test_standard_questions_over_the_examples(ontology: rdflib.Graph, data: rdflib.Graph) -> None:
    """With the ontology's alignment, a schema.org-only query finds every content item's community."""
    merged = data + ontology
    rows = merged.query(
        PREFIXES
        + """
        SELECT ?item ?community WHERE {
            ?item a/rdfs:subClassOf* schema:CreativeWork ;
                  ?p ?community .
            ?p rdfs:subPropertyOf* schema:isPartOf .
            ?community a/rdfs:subClassOf* schema:Organization .
        }"""
    )
    items = {r[0] for r in rows}  # type: ignore[index]
    assert len(items) == len(set(data.subjects(MEDIGY.community, None))) >= 19
