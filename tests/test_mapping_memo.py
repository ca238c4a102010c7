"""A worker remembers the shared resources it has built (topics, people, organisations) and
replays them in later documents: the result must be exactly what a fresh build gives."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from medigraph.documents import Document, parse_document
from medigraph.mapping import MappedDocument, Mapper, load_mapping


def document(number: int, **front_matter: Any) -> Document:
    fm: dict[str, Any] = {
        "owlType": "Medigy Communities",
        "mdName": f"doc-{number}",
        "title": f"Document {number}",
        "identifier": "Chronic Care Management (CCM)",
    }
    fm.update(front_matter)
    raw = f"---\n{yaml.safe_dump(fm, allow_unicode=True)}---\n<p>Body {number}.</p>\n"
    doc, problems = parse_document(raw.encode(), f"doc-{number}.md")
    assert doc is not None, problems
    return doc


def outcome(mapped: MappedDocument) -> tuple[bytes, list[str], list[str]]:
    """Everything a consumer sees: the triples in order, the shared subjects, the diagnostics."""
    data = ox.serialize(mapped.triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return data, sorted(n.value for n in mapped.shared), [d.format() for d in mapped.diagnostics]


DOCUMENTS = [
    # Two people of one organisation: the second person's build finds the organisation
    # already in the document; a later document naming only that person must still get it.
    {"author": ["Ann Lee @acme.com", "Bob Roe @acme.com"], "link": {"brand": "acme.com"}},
    {"author": ["Bob Roe @acme.com"]},
    {"author": ["Bob Roe @ACME.com", "bob roe @acme.com", "Carol"]},
    {"communityTopics": ["KLAS: Telehealth", "klas: telehealth", "KLAS: Tele: health"]},
    {"communityTopics": ["KLAS: Telehealth", "no separator"], "link": {"brand": "Acme Inc"}},
    {"communityTopics": ["KLAS: Tele: health"], "author": ["@acme.com", " Dee @x.org "]},
    {"author": ["Ann Lee @acme.com"], "communityTopics": ["Symplur: Virtual Care"]},
]


@pytest.mark.parametrize("order", [1, -1])
def test_replayed_resources_equal_fresh_ones(order: int) -> None:
    warm = load_mapping()
    docs = [document(i, **fm) for i, fm in enumerate(DOCUMENTS)][::order]
    for doc in docs + docs:
        assert outcome(warm.map(doc)) == outcome(load_mapping().map(doc)), doc.path
    assert warm.resources  # the memo was used


def test_a_resource_that_is_the_document_itself_is_never_replayed() -> None:
    """With a mapping where an organisation's IRI can be a document's, that organisation's
    triples rank first in that document: remembered from another document, they would not."""
    spec = copy.deepcopy(load_mapping().spec)
    spec["kinds"]["organization"]["iri"] = "content/{name}"
    docs = [
        document(1, link={"brand": "acme.com"}),
        document(2, mdName="acme.com", link={"brand": "acme.com"}),
        document(3, link={"brand": "acme.com"}),
    ]
    warm = Mapper(spec)
    for doc in docs:
        assert outcome(warm.map(doc)) == outcome(Mapper(spec).map(doc)), doc.path
    first = warm.map(docs[1]).triples
    assert first[0].subject == ox.NamedNode("https://medigy.com/content/acme.com")


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from medigraph import convert

    monkeypatch.setattr(convert, "_RESOURCE_LIMIT", 3)
    warm = load_mapping()
    for i in range(10):
        doc = document(i, author=[f"Person {i} @org{i}.com"], communityTopics=[f"S: T{i}"])
        assert outcome(warm.map(doc)) == outcome(load_mapping().map(doc))
        assert len(warm.resources) <= 3


def test_the_split_known_while_mapping_is_the_one_computed_from_the_triples() -> None:
    mapper = load_mapping()
    for i, fm in enumerate(DOCUMENTS):
        mapped = mapper.map(document(i, **fm))
        assert mapped.by_subject is not None
        assert mapped.split() == dataclasses.replace(mapped, by_subject=None).split()
