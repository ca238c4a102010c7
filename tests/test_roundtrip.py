"""Round trip: every output format parses strictly (pyoxigraph) and with rdflib, and holds
exactly the mapped graph — the union of the documents' triples (ttl, nt) or their quads, one
named graph per document (trig, nq, jsonld) — over the examples and over generated documents
full of characters that serializers get wrong.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from tests._robust import (
    BROKEN,
    EXAMPLES,
    expected_quads,
    expected_triples,
    export_to,
    mapped_documents,
    parse_dump,
    seed_document,
    to_rdflib,
    triples_of,
    write_doc,
)

FORMATS = ["ttl", "nt", "trig", "nq", "jsonld"]
DATASETS = {"trig", "nq", "jsonld"}
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "trig": "trig", "nq": "nquads", "jsonld": "json-ld"}

NASTY = [
    'say "hi"',
    'triple """ quotes """ and \'\'\'',
    "back\\slash \\n \\u0041 \\",
    "line\nbreak\n\nparagraph",
    "carriage\rreturn\r\nand crlf",
    "nul\x00byte",
    "\ufeffbom at start",
    "line\u2028separator\u2029paragraph\x85nel",
    "emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and 中文",
    "tab\tand trailing space ",
    "  leading space",
    "<html> & ampersand; &amp; > ^ ` { } |",
    "@prefix x: <http://evil/> . <a> <b> <c> .",
    '"}], "@id": "http://evil/"',
    "ends with backslash \\",
    "#not a comment",
    "- not a list",
    "'single' ''quoted''",
    "NO",
    "~",
    "null",
    "012345",
]


def generated_corpus(folder: Path) -> Path:
    """Documents whose every text value is hostile to some serializer, plus shared resources
    (topic, person, publisher) described differently by different documents."""
    for index, text in enumerate(NASTY):
        write_doc(
            folder,
            f"gen/{index:02d}.md",
            seed_document(
                mdName=f"gen-{index}",
                id=str(9000 + index),
                title=text,
                description=text + " (description)",
                tags=[text, "plain"],
                mastHead=text,
                author=[f"{text} @example.org", "Vinit @maxinovip.com"],
                communityTopics=["KLAS: Telehealth", f"Medigy: {text}" if text.strip() else "X: y"],
                identifier=f"Community {index % 3}",
            ),
            body=f"<p>{text.replace('<', '&lt;')}</p>\n",
        )
    # the same shared concept, spelled differently: one IRI, both labels kept
    write_doc(
        folder,
        "gen/case.md",
        seed_document(mdName="gen-case", communityTopics=["klas: TELEHEALTH", "KLAS: Telehealth"]),
    )
    return folder / "gen"


def _check_format(paths: list[Path], tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"dump.{fmt}"
    report = export_to(paths, out, fmt)
    mapped = mapped_documents(paths)
    assert report.exported == len(mapped) > 0
    got = parse_dump(out, fmt)  # strict: raises on any syntax or IRI error

    if fmt in DATASETS:
        want = expected_quads(mapped)
        assert got == want, (len(got - want), len(want - got))
        assert {q.graph_name for q in got} == {m.graph_name for m in mapped}
    else:
        want_t = expected_triples(mapped)
        assert all(isinstance(q.graph_name, ox.DefaultGraph) for q in got)
        assert triples_of(got) == want_t, (
            len(triples_of(got) - want_t),
            len(want_t - triples_of(got)),
        )

    # rdflib: an independent parser must read the same graph
    if fmt in DATASETS:
        ds = rdflib.Dataset()
        ds.parse(out, format=RDFLIB_FORMAT[fmt])
        rd_quads = {
            (s, p, o, g)
            for s, p, o, g in ds.quads((None, None, None, None))
            if g is not None and g != rdflib.URIRef("urn:x-rdflib:default")
        }
        want_rd = {
            (
                to_rdflib(q.subject),
                to_rdflib(q.predicate),
                to_rdflib(q.object),
                to_rdflib(q.graph_name),
            )
            for q in expected_quads(mapped)
        }
        assert rd_quads == want_rd
    else:
        g = rdflib.Graph()
        g.parse(out, format=RDFLIB_FORMAT[fmt])
        want_g = rdflib.Graph()
        for t in expected_triples(mapped):
            want_g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        assert len(g) == len(want_g)
        assert isomorphic(g, want_g)


@pytest.mark.parametrize("fmt", FORMATS)
def test_examples_round_trip(fmt: str, tmp_path: Path) -> None:
    _check_format([EXAMPLES, BROKEN], tmp_path, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_generated_round_trip(fmt: str, tmp_path: Path) -> None:
    corpus = generated_corpus(tmp_path / "in")
    _check_format([corpus], tmp_path, fmt)


def test_generated_values_exact(tmp_path: Path) -> None:
    """Not only the same graph as the mapping: the very strings typed, in every format."""
    corpus = generated_corpus(tmp_path / "in")
    for fmt in FORMATS:
        out = tmp_path / f"dump.{fmt}"
        report = export_to([corpus], out, fmt)
        assert report.exit_code == 0, [d.format() for d in report.diagnostics]
        names = {
            q.object for q in parse_dump(out, fmt) if q.predicate.value == "http://schema.org/name"
        }
        for text in NASTY:
            assert ox.Literal(text) in names, (fmt, text)


def test_shared_concept_spelled_twice_keeps_both_labels(tmp_path: Path) -> None:
    """Shared blocks are de-duplicated by content only: a topic described differently by two
    documents keeps both descriptions (nothing is lost to the de-duplication)."""
    corpus = generated_corpus(tmp_path / "in")
    out = tmp_path / "dump.ttl"
    export_to([corpus], out, "ttl")
    concept = ox.NamedNode("https://medigy.com/topic/klas.telehealth")
    labels = {
        q.object.value
        for q in parse_dump(out, "ttl")
        if q.subject == concept and q.predicate.value.endswith("#prefLabel")
    }
    assert labels == {"Telehealth", "TELEHEALTH"}
