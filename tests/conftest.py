"""Shared pytest fixtures for medigraph tests."""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import OxigraphServer, VirtuosoServer, require_servers


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[OxigraphServer]:
    """One Oxigraph server for the whole session; tests share its store."""
    require_servers(OxigraphServer)
    with OxigraphServer() as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_server() -> Iterator[VirtuosoServer]:
    """One Virtuoso server for the whole session; tests share its database."""
    require_servers(VirtuosoServer)
    with VirtuosoServer() as server:
        yield server


@pytest.fixture
def fresh_oxigraph() -> Iterator[OxigraphServer]:
    """A new Oxigraph server with an empty store, for tests that need isolation."""
    require_servers(OxigraphServer)
    with OxigraphServer() as server:
        yield server


MIXED_DATES = {
    0: "2023-12-01",  # a date without a time of day: an xsd:date
    1: "2023-12-01T05:00:00-05:00",  # an offset: 10:00 UTC
    2: "'2023-06-01'",  # a date exactly at a `since` boundary
    3: "2023-12-01 07:30:00",  # a YAML timestamp with a space, no timezone: 07:30 UTC
    4: "2023-12-01T08:00:00",  # no timezone: 08:00 UTC, undefined in SPARQL near a boundary
    5: "2023-11-30 23:15:00.5 -5",  # a space before an offset in hours: 04:15:00.5 UTC
    8: "March 2, 2099",  # not a moment (the export warns): counts as undated
    9: "2099-02-30",  # not a day: counts as undated
    10: "'2023-12-01-05:00'",  # a day with its timezone (xsd:date): from 05:00 UTC
    11: "2023-11-30Z",  # a day in UTC, written so
}
"""The dates given to the first documents of the example content by ``mixed_dates_corpus``."""

LEFT_OUT = {6: ("date", "lastMod"), 7: ("title",)}
"""Keys that ``mixed_dates_corpus`` removes from the next documents: one undated (without its
lastMod too, by which Hugo, and so the export, would date it), one untitled."""


@pytest.fixture(scope="session")
def mixed_dates_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example content with some documents dated as editors also write dates, one without
    a date and one without a title."""
    corpus = tmp_path_factory.mktemp("mixed-dates") / "content"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "content", corpus)
    files = sorted(corpus.rglob("*.md"))
    for index, date in MIXED_DATES.items():
        text = files[index].read_text(encoding="utf-8")
        redated = re.sub(r"(?m)^date: .*$", f"date: {date}", text, count=1)
        assert redated != text
        files[index].write_text(redated, encoding="utf-8")
    for index, keys in LEFT_OUT.items():
        text = files[index].read_text(encoding="utf-8")
        for key in keys:
            without = re.sub(rf"(?m)^{key}: .*\n", "", text, count=1)
            assert without != text
            text = without
        files[index].write_text(text, encoding="utf-8")
    return corpus


NAME_VARIANTS = [
    ("identifier: Chronic Care Management (CCM)", "identifier: chronic care management (ccm)"),
    ("brand: fiercehealthcare.com", "brand: FierceHealthcare.com"),
    ("- Vinit @maxinovip.com", "- vinit @MaxinoVIP.com"),
    ("- 'KLAS: Telehealth'", "- 'klas: telehealth'"),
]
"""(as the example content writes it, as ``name_variants_corpus`` writes it in one document)."""


@pytest.fixture(scope="session")
def name_variants_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example content where a few documents spell a shared thing (a community, a
    publisher, an author and their affiliation, a topic and its scheme) differently from the
    others: the same up to case and punctuation, so the same IRI."""
    corpus = tmp_path_factory.mktemp("name-variants") / "content"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "content", corpus)
    changed: set[Path] = set()
    for usual, variant in NAME_VARIANTS:
        for path in sorted(corpus.rglob("*.md")):
            text = path.read_text(encoding="utf-8")
            if path not in changed and f"\n{usual}\n" in text.replace("\n  ", "\n"):
                path.write_text(text.replace(usual, variant, 1), encoding="utf-8")
                changed.add(path)
                break
        else:
            raise AssertionError(f"no document left with {usual!r}")
    return corpus


NORMAL_FORM_NAMES = {
    "NFD": {
        "community": "Télésanté Québec",
        "topic": "Réseau: Télésanté",
        "author": "Amélie Côté",
        "publisher": "télésanté.ca",
        "scheme": "Réseau",
    },
    "NFC": {
        "community": "Santé Montréal",
        "topic": "Écoles: Santé",
        "author": "Zoé Hébert",
        "publisher": "santé.ca",
        "scheme": "Écoles",
    },
}
"""The names of ``normal_forms_corpus``'s two documents, by the Unicode normal form each is
written in (the parameter of the saved query that matches it, by its name)."""


@pytest.fixture(scope="session")
def normal_forms_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two documents whose names have accents: one written in NFD (``e`` + a combining
    accent, as some editors and file systems write it), one in NFC (``é``)."""
    corpus = tmp_path_factory.mktemp("normal-forms") / "content"
    corpus.mkdir(parents=True)
    for form, names in NORMAL_FORM_NAMES.items():
        text = (
            f"---\ntitle: Written in {form}\nowlType: Medigy Communities\n"
            f"identifier: {names['community']}\ncommunityTopics:\n- '{names['topic']}'\n"
            f"author:\n- {names['author']}\nlink:\n  brand: {names['publisher']}\n"
            f"  href: https://{names['publisher']}/news\ndate: '2023-05-02T00:00:00Z'\n---\nBody.\n"
        )
        written = unicodedata.normalize(form, text)
        (corpus / f"{form.lower()}.md").write_text(written, encoding="utf-8")
    return corpus


@pytest.fixture(scope="session")
def spread_names_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example content where a shared thing's other spelling is in another document's
    graph than the thing it names: a topic only one document has, under a scheme it spells
    `Klas` (the others `KLAS`); an author's affiliation `acme.com` that another document
    writes `Acme.com` as its publisher."""
    corpus = tmp_path_factory.mktemp("spread-names") / "content"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "content", corpus)
    first, second, third = sorted(corpus.rglob("*.md"))[:3]
    text = first.read_text(encoding="utf-8")
    topics = re.compile(r"(?m)^communityTopics:\n(?: {0,2}- .*\n)+")
    assert topics.search(text)
    first.write_text(
        topics.sub("communityTopics:\n  - 'Klas: Brand New Topic'\n", text, count=1),
        encoding="utf-8",
    )
    text = second.read_text(encoding="utf-8")
    authors = re.compile(r"(?m)^author:\n(?: {0,2}- .*\n)+")
    assert authors.search(text)
    second.write_text(
        authors.sub("author:\n  - Ann Lee @acme.com\n", text, count=1), encoding="utf-8"
    )
    text = third.read_text(encoding="utf-8")
    assert re.search(r"(?m)^  brand: .*$", text)
    third.write_text(re.sub(r"(?m)^  brand: .*$", "  brand: Acme.com", text, count=1), "utf-8")
    return corpus
