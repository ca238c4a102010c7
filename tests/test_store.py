"""The embedded store: export keeps it in step, incrementally, touching only its own graphs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from medigraph.cli import cli
from medigraph.export import export
from medigraph.store import StoreSync, ontology_graph, open_read_only, read_current_manifest
from medigraph.sync import manifest_graph

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "content"
DOCUMENTS = len(list(EXAMPLES.rglob("*.md")))


def graphs(store_path: Path) -> dict[str, set[ox.Quad]]:
    store = open_read_only(store_path)
    out: dict[str, set[ox.Quad]] = {}
    for quad in store.quads_for_pattern(None, None, None, None):
        if isinstance(quad.graph_name, ox.DefaultGraph):
            continue  # the union, checked by its own tests
        out.setdefault(quad.graph_name.value, set()).add(quad)
    return out


FOREIGN = ox.Quad(
    ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("mine"), ox.NamedNode("urn:x:g")
)
"""A statement medigraph did not write, in a graph no manifest lists."""


def add_to_store(store_path: Path, quad: ox.Quad) -> None:
    store = ox.Store(str(store_path))
    store.add(quad)
    del store  # closes RocksDB and releases its lock


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(EXAMPLES, copy)
    return copy


def test_export_builds_a_store_with_every_document_graph_the_ontology_and_the_manifest(
    corpus: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    report = export([corpus], tmp_path / "dump.trig", store=store, jobs=1)
    assert report.exit_code == 0
    assert (
        report.store
        == f"store {store}: {DOCUMENTS + 1} graphs added, 0 replaced, 0 removed, 0 unchanged"
    )
    found = graphs(store)
    documents = {g for g in found if "/graph/content/" in g}
    assert len(documents) == DOCUMENTS
    assert ontology_graph().value in found
    manifest = read_current_manifest(open_read_only(store))
    assert set(manifest) == documents | {ontology_graph().value}
    # The store holds exactly the dump's quads (plus ontology and manifest).
    # Compare through an in-memory store, which canonicalises literals as the disk store does.
    dump = ox.Store()
    dump.load(path=str(tmp_path / "dump.trig"), format=ox.RdfFormat.TRIG)
    assert {q for g in documents for q in found[g]} == set(dump)


def test_under_rdfs_the_manifest_makes_no_extra_document_graph(
    corpus: Path, tmp_path: Path
) -> None:
    """The manifest lists the ontology's graph too: with the ontology's domains and ranges,
    RDFS must not make it a medigy:DocumentGraph (one mapped from a Markdown file)."""
    import owlrl
    import rdflib

    store = tmp_path / "store"
    assert export([corpus], tmp_path / "dump.trig", store=store, jobs=1).exit_code == 0
    found = graphs(store)
    manifest = manifest_graph().value
    data = rdflib.Graph()  # the whole store as one graph, with the ontology
    data.parse(ROOT / "ontology" / "medigy.ttl")
    assert manifest in found
    for graph in found:
        for quad in found[graph]:
            data.add(tuple(rdflib.util.from_n3(str(t)) for t in quad.triple))  # type: ignore[arg-type]
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics).expand(data)
    medigy = rdflib.Namespace("https://medigy.com/ontology/")
    document_graphs = set(data.subjects(rdflib.RDF.type, medigy.DocumentGraph))
    listed = set(data.objects(None, medigy.listsGraph))
    assert rdflib.URIRef(ontology_graph().value) in listed
    assert len(listed) == DOCUMENTS + 1 and len(document_graphs) == DOCUMENTS
    assert rdflib.URIRef(ontology_graph().value) not in document_graphs


def test_reexporting_an_unchanged_corpus_changes_nothing(corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    before = graphs(store)
    report = export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    assert (
        report.store is not None
        and "0 graphs added, 0 replaced, 0 removed, 20 unchanged" in report.store
    )
    assert graphs(store) == before


def test_a_changed_document_replaces_its_graph_and_a_deleted_one_is_removed(
    corpus: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    files = sorted(corpus.rglob("*.md"))
    changed, deleted = files[0], files[1]
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: Revised — ", 1),
        encoding="utf-8",
    )
    deleted.unlink()
    before = graphs(store)
    report = export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    assert (
        report.store is not None
        and "0 graphs added, 1 replaced, 1 removed, 18 unchanged" in report.store
    )
    after = graphs(store)
    gone = set(before) - set(after)
    assert len(gone) == 1 and deleted.stem in gone.pop()
    changed_graph = next(g for g in after if g.endswith(changed.stem))
    titles = [
        q.object.value
        for q in after[changed_graph]
        if q.predicate.value == "http://schema.org/name" and q.subject.value.endswith(changed.stem)
    ]
    assert len(titles) == 1 and titles[0].startswith("Revised — ")
    unchanged = [
        g for g in after if g in before and g != changed_graph and g != manifest_graph().value
    ]
    assert all(after[g] == before[g] for g in unchanged)
    manifest = read_current_manifest(open_read_only(store))
    assert set(manifest) == {g for g in after if g != manifest_graph().value}


def test_graphs_not_in_the_manifest_are_never_touched(corpus: Path, tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    export([corpus], tmp_path / "a.ttl", store=store_path, jobs=1)
    foreign = FOREIGN
    add_to_store(store_path, foreign)
    sorted(corpus.rglob("*.md"))[0].unlink()
    export([corpus], tmp_path / "a.ttl", store=store_path, jobs=1)
    assert graphs(store_path)["urn:x:g"] == {foreign}


def test_a_rejected_document_keeps_its_previous_graph(corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    before = graphs(store)
    victim = sorted(corpus.rglob("*.md"))[0]
    victim.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    report = export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    assert report.rejected == 1
    after = graphs(store)
    assert after == before
    # Kept as the graph its file gave (the manifest records it), not as a removal held back.
    assert str(report.store).endswith("0 removed, 19 unchanged"), report.store


def test_a_document_the_mapping_rejects_keeps_its_graph_and_holds_nothing_back(
    corpus: Path, tmp_path: Path
) -> None:
    """Its IRI is known (it was read and keyed), so its last good graph stays and the graph
    of a document deleted meanwhile goes, as the summary says."""
    store = tmp_path / "store"
    export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    before = graphs(store)
    broken, deleted = sorted(corpus.rglob("*.md"))[:2]
    text = broken.read_text(encoding="utf-8")
    title = next(line for line in text.split("\n") if line.startswith("title:"))
    broken.write_text(text.replace(title, "title: [a, [b]]"), encoding="utf-8")
    deleted.unlink()
    report = export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    assert report.rejected == 1 and "1 removed" in str(report.store)
    after = graphs(store)
    assert len(after) == len(before) - 1
    kept = [g for g in before if g.endswith(broken.stem)]
    assert len(kept) == 1 and after[kept[0]] == before[kept[0]]


def rename_and_break(document: Path, name: str, title: str = "title: {a: b}") -> None:
    """A broken edit that also changes the name the document claims (its ``mdName``)."""
    text = document.read_text(encoding="utf-8")
    lines = text.split("\n")
    old_name = next(line for line in lines if line.startswith("mdName:"))
    old_title = next(line for line in lines if line.startswith("title:"))
    text = text.replace(old_name, f"mdName: {name}").replace(old_title, title)
    document.write_text(text, encoding="utf-8")


def test_a_broken_edit_that_renames_the_document_keeps_its_last_good_graph(
    corpus: Path, tmp_path: Path
) -> None:
    """The graph kept is the one the manifest records for the file, whatever name the broken
    edit claims; a document deleted meanwhile still goes. Once the edit is good, the rename
    is taken: the old graph goes, the new one comes."""
    store = tmp_path / "store"
    export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    before = graphs(store)
    broken, deleted = sorted(corpus.rglob("*.md"))[:2]
    old_graph = next(g for g in before if g.endswith("/" + broken.stem))
    text = broken.read_text(encoding="utf-8")
    rename_and_break(broken, "new-name")
    deleted.unlink()
    report = export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    assert report.rejected == 1
    assert str(report.store).endswith("0 graphs added, 0 replaced, 1 removed, 18 unchanged"), (
        report.store
    )
    after = graphs(store)
    assert after[old_graph] == before[old_graph]
    assert set(after) == set(before) - {g for g in before if g.endswith("/" + deleted.stem)}
    assert not any(g.endswith("/new-name") for g in after)
    broken.write_text(text.replace(f"mdName: {broken.stem}", "mdName: new-name"), "utf-8")
    report = export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    assert report.rejected == 0 and "1 graph added, 0 replaced, 1 removed" in str(report.store)
    after = graphs(store)
    assert old_graph not in after
    assert old_graph.replace(broken.stem, "new-name") in after


def forget_recorded_files(store: Path) -> None:
    """Make the store's manifest one written before it recorded files (as 4b91fd6 wrote it)."""
    source_path = "https://medigy.com/ontology/managedSource"
    writable = ox.Store(str(store))
    writable.update(
        f"DELETE WHERE {{ GRAPH <{manifest_graph().value}> {{ ?g <{source_path}> ?f }} }}"
    )
    del writable


def test_a_store_from_before_files_were_recorded_learns_them_without_rewriting_graphs(
    corpus: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    before = graphs(store)
    manifest = manifest_graph().value
    source_path = "https://medigy.com/ontology/managedSource"
    forget_recorded_files(store)
    report = export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    assert str(report.store).endswith("0 removed, 20 unchanged"), report.store
    after = graphs(store)
    recorded = {q.object.value for q in after.pop(manifest) if q.predicate.value == source_path}
    assert recorded == {p.relative_to(corpus).as_posix() for p in corpus.rglob("*.md")}
    assert after == {g: q for g, q in before.items() if g != manifest}
    broken = sorted(corpus.rglob("*.md"))[0]
    rename_and_break(broken, "new-name")
    report = export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    assert "0 removed" in str(report.store) and set(graphs(store)) == set(before)


def test_a_manifest_that_recorded_files_by_source_path_is_cleaned_as_it_learns_them(
    corpus: Path, tmp_path: Path
) -> None:
    """A few commits recorded a graph's file in the manifest by medigy:sourcePath (the term
    of the graphs' own provenance): an export after the upgrade learnt the files again but
    left those statements, so the store differed from a fresh export's for good (and
    `?s medigy:sourcePath ?p` over the union gave the document graphs), also for graphs
    removed meanwhile. They go; the graphs' own provenance stays."""
    store, fresh = tmp_path / "store", tmp_path / "fresh"
    export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    manifest = manifest_graph().value
    managed = "https://medigy.com/ontology/managedSource"
    legacy = "https://medigy.com/ontology/sourcePath"
    writable = ox.Store(str(store))
    writable.update(
        f"DELETE {{ GRAPH <{manifest}> {{ ?g <{managed}> ?f }} }}"
        f" INSERT {{ GRAPH <{manifest}> {{ ?g <{legacy}> ?f }} }}"
        f" WHERE {{ GRAPH <{manifest}> {{ ?g <{managed}> ?f }} }}"
    )
    del writable
    sorted(corpus.rglob("*.md"))[0].unlink()
    export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    export([corpus], tmp_path / "b.trig", store=fresh, jobs=1)
    after = graphs(store)
    assert not any(q.predicate.value == legacy for q in after[manifest])
    assert after == graphs(fresh)
    assert any(q.predicate.value == legacy for g, qs in after.items() for q in qs)  # provenance


def test_a_broken_rename_on_the_first_export_after_files_were_recorded_keeps_the_graph(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first export over a store from before: the manifest knows no file yet, so the
    graph a broken rename's file gave is found from its own provenance and kept (the file
    recorded for next time); a deleted document's graph still goes. A store whose manifest
    records every file is never asked."""
    from medigraph import store as store_module

    asked: list[str] = []

    def provenance(store: ox.Store | None, base: str) -> object:
        asked.append(base)
        assert original is not None
        return original(store, base)

    original = getattr(store_module, "_provenance", None)
    monkeypatch.setattr(store_module, "_provenance", provenance, raising=False)
    store = tmp_path / "store"
    export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    before = graphs(store)
    forget_recorded_files(store)
    broken, deleted = sorted(corpus.rglob("*.md"))[:2]
    old_graph = next(g for g in before if g.endswith("/" + broken.stem))
    gone = next(g for g in before if g.endswith("/" + deleted.stem))
    rename_and_break(broken, "new-name")
    deleted.unlink()
    report = export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    assert str(report.store).endswith("0 graphs added, 0 replaced, 1 removed, 18 unchanged"), (
        report.store
    )
    assert report.rejected == 1 and len(asked) == 1
    after = graphs(store)
    manifest = manifest_graph().value
    recorded = {
        q.subject.value: q.object.value
        for q in after.pop(manifest)
        if q.predicate.value.endswith("/managedSource")
    }
    assert recorded[old_graph] == broken.relative_to(corpus).as_posix()
    assert after == {g: q for g, q in before.items() if g not in (gone, manifest)}
    report = export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    assert report.rejected == 1 and "0 removed" in str(report.store) and len(asked) == 1


def test_a_broken_file_whose_old_graph_a_good_document_now_claims_gives_it_up(
    corpus: Path, tmp_path: Path
) -> None:
    """Two files swap roles: the one that gave a graph is broken and renamed, another (good)
    now claims the graph's name. The good one's content is what the store holds."""
    store, fresh = tmp_path / "store", tmp_path / "fresh"
    export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    first, second = sorted(corpus.rglob("*.md"))[:2]
    rename_and_break(first, "new-name")
    second.write_text(
        second.read_text(encoding="utf-8").replace(
            f"mdName: {second.stem}", f"mdName: {first.stem}"
        ),
        encoding="utf-8",
    )
    report = export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    assert report.rejected == 1 and "1 replaced, 1 removed" in str(report.store), report.store
    export([corpus], tmp_path / "b.trig", store=fresh, jobs=1)
    assert graphs(store) == graphs(fresh)
    assert union(store) == union(fresh)


def test_a_clash_made_by_an_edit_keeps_the_files_last_good_graph(
    corpus: Path, tmp_path: Path
) -> None:
    """An edit that gives a published document another's ``mdName`` is rejected for the
    clash: the graph its file gave stays, as for any broken edit."""
    store = tmp_path / "store"
    export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    before = graphs(store)
    first, second = sorted(corpus.rglob("*.md"))[:2]
    second.write_text(
        second.read_text(encoding="utf-8").replace(
            f"mdName: {second.stem}", f"mdName: {first.stem}"
        ),
        encoding="utf-8",
    )
    report = export([corpus], tmp_path / "a.trig", store=store, jobs=1)
    assert report.rejected == 1 and "0 removed" in str(report.store), report.store
    assert graphs(store) == before


def test_a_document_without_owltype_holds_nothing_back(corpus: Path, tmp_path: Path) -> None:
    """A document without owlType is rejected, but its IRI does not depend on its class:
    known, it does not stop the graph of a deleted document from going (the store and the
    dump would disagree for as long as it is there)."""
    (corpus / "notes.md").write_text("---\ntitle: Communities\n---\n", encoding="utf-8")
    store = tmp_path / "store"
    first = export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    assert first.rejected == 1
    before = graphs(store)
    deleted = sorted(p for p in corpus.rglob("*.md") if p.name != "notes.md")[-1]
    deleted.unlink()
    report = export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    assert report.rejected == 1 and "1 removed" in str(report.store), report.store
    assert "kept" not in str(report.store)
    assert len(graphs(store)) == len(before) - 1


def test_a_draft_is_left_out_of_the_dump_and_the_store_unless_asked_for(
    corpus: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    before = graphs(store)
    target = sorted(corpus.rglob("*.md"))[0]
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("\ntitle:", "\ndraft: true\ntitle:", 1), encoding="utf-8")
    report = export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    assert (report.read, report.exported, report.drafts) == (DOCUMENTS, DOCUMENTS - 1, 1)
    assert "1 draft left out" in report.summary() and "1 removed" in str(report.store)
    assert len(graphs(store)) == len(before) - 1
    dump = ox.Store()
    dump.load(path=str(tmp_path / "a.ttl"), format=ox.RdfFormat.TURTLE)
    assert not dump.query("ASK { ?c <https://medigy.com/ontology/draft> ?d }")
    report = export([corpus], tmp_path / "a.ttl", store=store, jobs=1, drafts=True)
    assert (report.exported, report.drafts) == (DOCUMENTS, 0)
    assert set(graphs(store)) == set(before)
    dump = ox.Store()
    dump.load(path=str(tmp_path / "a.ttl"), format=ox.RdfFormat.TURTLE)
    assert dump.query("ASK { ?c <https://medigy.com/ontology/draft> true }")


@pytest.mark.parametrize(
    ("front_matter", "bundle"),
    [
        ("headless: true\n", True),
        ("Headless: TRUE\n", True),
        ("build:\n  render: never\n  list: never\n", False),
        ("_build:\n  Render: false\n  LIST: never\n", False),
    ],
)
def test_a_page_hugo_does_not_publish_is_left_out_as_a_draft_is(
    corpus: Path, tmp_path: Path, front_matter: str, bundle: bool
) -> None:
    """A headless leaf bundle and a page whose build says render and list never have no page
    on the site: left out and counted, its graph gone from the store, back with drafts (and
    so from the cache, which must remember why it was left out)."""
    store, cache = tmp_path / "store", tmp_path / "cache.sqlite"
    export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    before = graphs(store)
    target = sorted(corpus.rglob("*.md"))[0]
    text = target.read_text(encoding="utf-8").replace("\ntitle:", f"\n{front_matter}title:", 1)
    if bundle:  # the same page as a leaf bundle: its IRI is its mdName, not its path
        target.unlink()
        target = target.with_suffix("") / "index.md"
        target.parent.mkdir()
    target.write_text(text, encoding="utf-8")
    for _run in range(2):  # computed, then from the cache
        report = export([corpus], tmp_path / "a.ttl", store=store, jobs=1, cache=cache)
        assert (report.read, report.exported, report.drafts) == (DOCUMENTS, DOCUMENTS - 1, 0)
        assert report.unpublished == 1
        assert "1 unpublished page (headless or build: never) left out" in report.summary()
        assert len(graphs(store)) == len(before) - 1
    assert report.cached == DOCUMENTS
    report = export([corpus], tmp_path / "a.ttl", store=store, jobs=1, cache=cache, drafts=True)
    assert (report.exported, report.unpublished) == (DOCUMENTS, 0)
    assert set(graphs(store)) == set(before)


@pytest.mark.parametrize(
    "front_matter",
    [
        "headless: true\n",
        "build:\n  render: never\n  list: always\n",
        "build:\n  render: Never\n  list: never\n",
    ],
)
def test_a_page_hugo_lists_or_renders_is_published(
    corpus: Path, tmp_path: Path, front_matter: str
) -> None:
    """``headless`` means nothing outside a leaf bundle's index.md; a page Hugo lists is on the
    site; Hugo reads ``Never`` (not ``never``) as the default, always."""
    target = sorted(corpus.rglob("*.md"))[0]
    text = target.read_text(encoding="utf-8").replace("\ntitle:", f"\n{front_matter}title:", 1)
    target.write_text(text, encoding="utf-8")
    report = export([corpus], tmp_path / "a.ttl", jobs=1, cache=False)
    assert (report.exported, report.unpublished) == (DOCUMENTS, 0)


def test_a_section_pages_cascade_is_told_at_its_line(corpus: Path, tmp_path: Path) -> None:
    """Hugo gives a section's cascade keys to the pages below it; medigraph does not apply
    them, so pages relying on them lack them: a warning at the key, in a section page left
    out (no owlType) as in one exported, in any case. In a page, cascade is nothing to Hugo."""
    community = sorted(corpus.rglob("*.md"))[0].parent
    (corpus / "_index.md").write_text(
        "---\ntitle: Home\ncascade:\n  owlType: Medigy Communities\n---\n", encoding="utf-8"
    )
    pages = sorted(p for p in corpus.rglob("*.md") if p.name != "_index.md")
    text = pages[0].read_text(encoding="utf-8")
    pages[0].unlink()  # the same document, now as the section's page: exported
    section = community / "_index.md"
    section.write_text(text.replace("\ntitle:", "\nCascade:\n  mastHead: CoP\ntitle:", 1))
    text = pages[1].read_text(encoding="utf-8")
    pages[1].write_text(text.replace("\ntitle:", "\ncascade:\n  mastHead: CoP\ntitle:", 1))
    at = section.read_text(encoding="utf-8").split("\n").index("Cascade:") + 1
    report = export([corpus], tmp_path / "a.ttl", jobs=1, cache=False)
    assert (report.exported, report.sections) == (DOCUMENTS, 1)
    told = sorted((d.path, d.line, d.key) for d in report.diagnostics if d.code == "read.cascade")
    assert told == [(str(corpus / "_index.md"), 3, "cascade"), (str(section), at, "Cascade")]
    assert all(
        "write the keys in each page" in d.message
        for d in report.diagnostics
        if d.code == "read.cascade"
    )
    assert report.exit_code == 0
    from medigraph.validation import validate

    checked = validate([corpus], jobs=1)  # told by validate too, where an editor looks first
    told = sorted((d.path, d.line, d.key) for d in checked.diagnostics if d.code == "read.cascade")
    assert told == [(str(corpus / "_index.md"), 3, "cascade"), (str(section), at, "Cascade")]


def test_hugo_section_pages_are_left_out_not_rejected(corpus: Path, tmp_path: Path) -> None:
    """Every Hugo site has `_index.md` list pages, which name no owlType: they are not content
    (one with `type: communities/…` was exported as an undated content item), and must not
    fail the run. A section page that names an owlType is a document like any other."""
    from medigraph.validation import validate

    community = sorted(corpus.rglob("*.md"))[0].parent
    (corpus / "_index.md").write_text("---\ntitle: Home\n---\n", encoding="utf-8")
    (community / "_index.md").write_text(
        "---\ntitle: A community\ntype: communities/x\n---\nIntro.\n", encoding="utf-8"
    )
    report = export([corpus], tmp_path / "a.ttl", store=tmp_path / "store", jobs=1)
    assert (report.read, report.exported, report.rejected, report.sections) == (
        DOCUMENTS + 2,
        DOCUMENTS,
        0,
        2,
    )
    assert report.exit_code == 0 and "2 section pages (_index.md without owlType) left out" in (
        report.summary()
    )
    assert len(graphs(tmp_path / "store")) == DOCUMENTS + 2  # + the ontology and the manifest
    checked = validate([corpus], jobs=1)
    assert not [d for d in checked.diagnostics if "_index.md" in d.path]
    assert len(checked.checked) == DOCUMENTS
    assert f"{DOCUMENTS} documents checked" in checked.summary()
    assert "2 section pages (_index.md) passed over" in checked.summary()
    named = sorted(corpus.rglob("*.md"))[1]
    (community / "_index.md").write_text(named.read_text(encoding="utf-8"), encoding="utf-8")
    named.unlink()  # the same document, now as the section's page: it names an owlType
    report = export([corpus], tmp_path / "a.ttl", store=tmp_path / "store", jobs=1)
    assert (report.exported, report.sections) == (DOCUMENTS, 1)
    # in another case, as Hugo reads keys: still a document (it was taken for a list page,
    # and its graph removed from the store)
    page = community / "_index.md"
    page.write_text(page.read_text(encoding="utf-8").replace("\nowlType:", "\nOwlType:", 1))
    assert "\nOwlType:" in page.read_text(encoding="utf-8")
    report = export([corpus], tmp_path / "a.ttl", store=tmp_path / "store", jobs=1)
    assert (report.exported, report.sections) == (DOCUMENTS, 1)
    assert len(validate([corpus], jobs=1).checked) == DOCUMENTS


@pytest.mark.parametrize("left_out", ["0-draft.md", "_index.md"])
def test_a_left_out_file_before_a_clash_does_not_hide_it(
    corpus: Path, tmp_path: Path, left_out: str
) -> None:
    """A draft or a section page holds its place in the run: two documents after it that
    share an mdName are still a clash (they were merged into one graph, exit 0)."""
    seed = sorted(corpus.rglob("*.md"))[0]
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.md").write_bytes(seed.read_bytes())
    (folder / "b.md").write_bytes(seed.read_bytes())
    text = "---\ntitle: x\nmdName: other\n" + ("draft: true\n" if "draft" in left_out else "")
    (folder / left_out).write_text(text + "---\n", encoding="utf-8")
    report = export([folder], tmp_path / "d.nq", jobs=1, cache=False)
    assert (report.exported, report.rejected, report.exit_code) == (1, 1, 1)
    clash = [d for d in report.diagnostics if d.code == "map.collision"]
    assert len(clash) == 1 and clash[0].path.endswith("b.md") and "a.md" in clash[0].message


def test_a_translation_sharing_the_originals_mdname_does_not_replace_it(
    corpus: Path, tmp_path: Path
) -> None:
    """A translator copies `index.md` to `index.fr.md`, front matter and all: the original
    keeps its IRI and its published graph; the translation is the one told to get its own
    mdName (by path order it came first, and replaced the original)."""
    seed = sorted(corpus.rglob("*.md"))[0]
    bundle = tmp_path / "c" / "news" / "a"
    bundle.mkdir(parents=True)
    (bundle / "index.md").write_bytes(seed.read_bytes())
    store = tmp_path / "store"
    export([tmp_path / "c"], tmp_path / "d.nq", store=store, jobs=1, cache=False)
    before = graphs(store)
    text = seed.read_text(encoding="utf-8")
    title = next(line for line in text.split("\n") if line.startswith("title:"))
    (bundle / "index.fr.md").write_text(text.replace(title, "title: Titre"), encoding="utf-8")
    report = export([tmp_path / "c"], tmp_path / "d.nq", store=store, jobs=1, cache=False)
    clash = [d for d in report.diagnostics if d.code == "map.collision"]
    assert len(clash) == 1 and clash[0].path.endswith("index.fr.md"), report.diagnostics
    assert graphs(store) == before


def test_a_folder_of_drafts_and_section_pages_alone_empties_nothing(
    corpus: Path, tmp_path: Path
) -> None:
    """Only drafts and section pages: as empty as a checkout with no file. Written, the
    store would lose every graph; refused, the store is as it was and not marked half
    updated."""
    from medigraph.export import NothingFound

    store = tmp_path / "store"
    export([corpus], tmp_path / "a.nq", store=store, jobs=1, cache=False)
    before = graphs(store)
    only = tmp_path / "only"
    only.mkdir()
    (only / "_index.md").write_text("---\ntitle: Home\n---\n", encoding="utf-8")
    (only / "d.md").write_text("---\ntitle: x\ndraft: true\n---\n", encoding="utf-8")
    with pytest.raises(NothingFound, match="only 1 draft and 1 section page"):
        export([only], tmp_path / "a.nq", store=store, jobs=1, cache=False)
    assert graphs(store) == before
    assert (tmp_path / "a.nq").stat().st_size > 0
    done = CliRunner().invoke(cli, ["query", "--store", str(store), "ASK { ?s ?p ?o }"])
    assert done.exit_code == 0 and "half" not in done.output and "updating" not in done.output


def test_a_replace_batch_is_one_transaction(corpus: Path, tmp_path: Path) -> None:
    """A batch that replaces graphs runs as one SPARQL update: all of it or none."""
    store = tmp_path / "store"
    export([corpus], tmp_path / "a.ttl", store=store, jobs=1)
    sync = StoreSync(store)
    with sync:
        text = sync._update_text([(ontology_graph().value, "new-hash", [])], [])
    assert text.count("INSERT DATA") == 1 and "DROP SILENT GRAPH" in text


def test_export_cli_store_options(corpus: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    store = tmp_path / "s"
    result = runner.invoke(
        cli, ["export", str(corpus), "-o", str(tmp_path / "x.ttl"), "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    assert f"store {store}: 20 graphs added" in result.stderr
    result = runner.invoke(
        cli,
        [
            "export",
            str(corpus),
            "-o",
            str(tmp_path / "y.ttl"),
            "--no-store",
            "--store",
            str(tmp_path / "t"),
        ],
    )
    assert result.exit_code == 2, result.output  # contradictory: refused, nothing done
    assert "--store and --no-store" in result.output
    assert not (tmp_path / "t").exists() and not (tmp_path / "y.ttl").exists()


def test_leftovers_of_an_interrupted_bulk_load_are_replaced_not_merged(
    corpus: Path, tmp_path: Path
) -> None:
    """New graphs are bulk-loaded before their manifest entries: a run killed in between
    leaves graphs the manifest does not list, which the next run must replace whole."""
    store_path = tmp_path / "store"
    reference = tmp_path / "reference"
    export([corpus], tmp_path / "a.trig", store=reference, jobs=1)
    expected = graphs(reference)
    seed = next(g for g in expected if g.endswith("d12da9f4-80a4-53d7-ad46-1e538af2b729"))
    stale = ox.Quad(
        ox.NamedNode("https://medigy.com/content/d12da9f4-80a4-53d7-ad46-1e538af2b729"),
        ox.NamedNode("http://schema.org/name"),
        ox.Literal("a title from an earlier version"),
        ox.NamedNode(seed),
    )
    store = ox.Store(str(store_path))
    store.bulk_extend([stale])  # as if the earlier run died before writing its manifest
    del store
    export([corpus], tmp_path / "b.trig", store=store_path, jobs=1)
    found = graphs(store_path)
    assert stale not in found[seed]
    assert found[seed] == expected[seed]


def test_a_clashing_copy_does_not_stop_the_removal_of_deleted_documents(
    corpus: Path, tmp_path: Path
) -> None:
    """A document rejected for a clash has no graph of its own (its IRI is the first
    document's), so unlike an unreadable one it cannot be hiding one: removals go on."""
    seed = next(corpus.rglob("d12da9f4-80a4-53d7-ad46-1e538af2b729.md"))
    (corpus / "zz").mkdir()
    shutil.copy(seed, corpus / "zz" / "copy.md")
    store_path, fresh = tmp_path / "store", tmp_path / "fresh"
    export([corpus], tmp_path / "a.ttl", store=store_path, jobs=1)
    sorted(p for p in corpus.rglob("*.md") if p.name != seed.name and p.parent.name != "zz")[
        0
    ].unlink()
    report = export([corpus], tmp_path / "a.ttl", store=store_path, jobs=1)
    assert report.rejected == 1 and "1 removed" in str(report.store)
    export([corpus], tmp_path / "b.ttl", store=fresh, jobs=1)
    assert graphs(store_path) == graphs(fresh)
    assert union(store_path) == union(fresh)


def test_a_run_killed_between_bulk_load_and_manifest_leaves_nothing_unlisted(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after loading new graphs but before recording their hashes, then some of those
    documents deleted: the next run must remove their graphs, as a fresh build would."""
    store_path, fresh = tmp_path / "store", tmp_path / "fresh"

    def killed(self: StoreSync, batch: object) -> str:
        raise KeyboardInterrupt  # the process dies here

    with monkeypatch.context() as patch:
        patch.setattr(StoreSync, "_confirm_text", killed)
        with pytest.raises(KeyboardInterrupt):
            export([corpus], tmp_path / "a.ttl", store=store_path, jobs=1)
    assert len(graphs(store_path)) > DOCUMENTS  # the graphs were loaded
    for path in sorted(corpus.rglob("*.md"))[:3]:
        path.unlink()
    export([corpus], tmp_path / "a.ttl", store=store_path, jobs=1)
    export([corpus], tmp_path / "b.ttl", store=fresh, jobs=1)
    assert graphs(store_path) == graphs(fresh)
    assert union(store_path) == union(fresh)


def union(store_path: Path) -> set[tuple[object, object, object]]:
    store = open_read_only(store_path)
    return {
        (q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    }


def union_of_named_graphs(store_path: Path) -> set[tuple[object, object, object]]:
    """What the default graph must hold: every triple of every graph but the manifest."""
    return {
        (q.subject, q.predicate, q.object)
        for g, quads in graphs(store_path).items()
        if g != manifest_graph().value
        for q in quads
    }


def test_the_default_graph_is_the_deduplicated_union_of_the_document_graphs(
    corpus: Path, tmp_path: Path
) -> None:
    store_path = tmp_path / "store"
    export([corpus], tmp_path / "a.trig", store=store_path, jobs=1)
    expected = union_of_named_graphs(store_path)
    assert union(store_path) == expected
    # One community name, not one per document that mentions it.
    store = open_read_only(store_path)
    rows = list(
        store.query(
            "SELECT ?n WHERE { ?c a <https://medigy.com/ontology/Community> ; "
            '<http://schema.org/name> ?n FILTER(?n = "Chronic Care Management (CCM)") }'
        )
    )
    assert len(rows) == 1


def test_removing_a_document_keeps_shared_triples_others_still_state(
    corpus: Path, tmp_path: Path
) -> None:
    store_path = tmp_path / "store"
    export([corpus], tmp_path / "a.trig", store=store_path, jobs=1)
    seed = next(corpus.rglob("d12da9f4-80a4-53d7-ad46-1e538af2b729.md"))
    seed.unlink()
    other = next(corpus.rglob("*.md"))
    other.write_text(
        other.read_text(encoding="utf-8").replace("title: ", "title: Changed ", 1), encoding="utf-8"
    )
    export([corpus], tmp_path / "b.trig", store=store_path, jobs=1)
    expected = union_of_named_graphs(store_path)
    got = union(store_path)
    assert got == expected
    seed_node = ox.NamedNode("https://medigy.com/content/d12da9f4-80a4-53d7-ad46-1e538af2b729")
    assert not any(s == seed_node for s, _p, _o in got)
    telehealth = ox.NamedNode("https://medigy.com/topic/klas.telehealth")
    assert any(s == telehealth for s, _p, _o in got)  # other documents are about it too


def test_a_large_change_compacts_the_store_and_keeps_its_content(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import medigraph.store

    calls: list[int] = []
    original = ox.Store.optimize
    monkeypatch.setattr(medigraph.store, "OPTIMIZE_AFTER", DOCUMENTS)
    monkeypatch.setattr(ox.Store, "optimize", lambda self: calls.append(1) or original(self))
    export([corpus], tmp_path / "a.trig", store=tmp_path / "store", jobs=1)
    assert calls == [1]
    assert len([g for g in graphs(tmp_path / "store") if "/graph/content/" in g]) == DOCUMENTS


def test_a_compaction_that_fails_after_the_store_is_written_fails_nothing(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk as the store is compacted, once its content is complete: the export said
    "cannot write the store" (exit 2) and left the dump as it was, though the store was up to
    date. The compaction only makes queries faster: the dump is written, the store is whole
    and not taken for half updated, and a warning says what was not done."""
    import errno

    import medigraph.store

    def full(self: ox.Store) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(medigraph.store, "OPTIMIZE_AFTER", DOCUMENTS)
    monkeypatch.setattr(ox.Store, "optimize", full)
    dump, store = tmp_path / "d.ttl", tmp_path / "store"
    dump.write_text("old\n")
    runner = CliRunner()
    args = ["export", str(corpus), "-o", str(dump), "--store", str(store), "--no-cache"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "cannot write the store" not in result.stderr
    assert (
        f"medigraph: warning: the store at {store} is up to date, but compacting it failed"
        " (No space left on device)" in result.stderr
    )
    expected = tmp_path / "expected.ttl"
    export([corpus], expected, jobs=1, cache=False)
    assert dump.read_bytes() == expected.read_bytes()
    assert len([g for g in graphs(store) if "/graph/content/" in g]) == DOCUMENTS
    ask = runner.invoke(cli, ["query", "--store", str(store), "ASK { ?s ?p ?o }"])
    assert ask.exit_code == 0 and "did not finish" not in ask.stderr


def test_statements_move_to_the_default_graph_whole_lines_only() -> None:
    from medigraph.store import _in_default_graph

    graph = "https://medigy.com/graph/x"
    quads = [
        ox.Quad(
            ox.NamedNode("https://e.org/a"), ox.NamedNode("https://e.org/p"), o, ox.NamedNode(graph)
        )
        for o in (
            ox.Literal(f"ends like a quad <{graph}> .\n and goes on"),
            ox.NamedNode("https://e.org/b"),
            ox.Literal("x", language="en"),
        )
    ]
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    expected = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
    assert _in_default_graph(data, graph) == expected  # one replacement per line
    assert _in_default_graph(data.rstrip(b"\n") + b"\n\n", graph) == expected  # line by line
    assert _in_default_graph(b"", graph) == b""
    other = ox.serialize(
        [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(graph + "y")) for q in quads[:1]],
        format=ox.RdfFormat.N_QUADS,
    )
    with pytest.raises(ValueError, match="is not in that graph"):
        _in_default_graph(data + (other or b""), graph)


@pytest.mark.parametrize("foreign_graph", [False, True])
def test_an_export_under_another_base_replaces_the_graphs_of_the_old_one(
    corpus: Path, tmp_path: Path, foreign_graph: bool
) -> None:
    """The store follows the export: after ``--base`` changes, the old base's graphs go (the
    union would count every document twice), graphs no manifest lists stay."""
    store_path, fresh = tmp_path / "store", tmp_path / "fresh"
    export([corpus], tmp_path / "a.ttl", store=store_path, jobs=1)
    foreign = FOREIGN
    if foreign_graph:
        add_to_store(store_path, foreign)
    base = "https://kg.example.com/"
    report = export([corpus], tmp_path / "a.ttl", store=store_path, jobs=1, base=base)
    assert f"{DOCUMENTS + 1} graphs of an export under base https://medigy.com/ removed" in str(
        report.store
    )
    export([corpus], tmp_path / "b.ttl", store=fresh, jobs=1, base=base)
    got = graphs(store_path)
    if foreign_graph:
        assert got.pop("urn:x:g") == {foreign}
    assert got == graphs(fresh)
    assert union(store_path) == union(fresh)


def test_only_the_default_dump_keeps_the_default_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another dump under ./output (one community's) must not make the analysts' store hold
    only its documents."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["export", str(EXAMPLES), "-q"]).exit_code == 0
    store = tmp_path / "output" / "store"
    before = sorted(open_read_only(store).named_graphs(), key=str)
    one = next(p for p in EXAMPLES.iterdir() if p.is_dir())
    part = runner.invoke(cli, ["export", str(one), "-o", "output/one.ttl"])
    assert part.exit_code == 0, part.output
    assert "store" not in part.stderr
    assert sorted(open_read_only(store).named_graphs(), key=str) == before
    trig = runner.invoke(cli, ["export", str(EXAMPLES), "-o", "output/medigraph.trig"])
    assert f"store {os.path.join('output', 'store')}" in trig.stderr


def test_a_folder_that_cannot_be_listed_unpublishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """chmod 000 on a community's folder (or a network share gone) hides its documents; they
    are not deleted, and their graphs stay in the store."""
    from tests._robust import hide_a_community

    corpus = tmp_path / "content"
    shutil.copytree(EXAMPLES, corpus)
    store = tmp_path / "store"
    export([corpus], tmp_path / "d.ttl", store=store, jobs=1, cache=False)
    before = sorted(open_read_only(store).named_graphs(), key=str)
    hide_a_community(corpus, monkeypatch)
    report = export([corpus], tmp_path / "d.ttl", store=store, jobs=1, cache=False)
    assert report.exit_code == 1
    assert any("cannot list folder" in d.message for d in report.diagnostics)
    assert sorted(open_read_only(store).named_graphs(), key=str) == before
    assert "could not be listed" in (report.store or "")


def test_a_store_an_export_left_half_updated_is_told_to_the_querier(tmp_path: Path) -> None:
    """A killed or failed export leaves the store part old, part new; query and serve say so
    until an export finishes."""
    store = tmp_path / "store"
    export([EXAMPLES], tmp_path / "d.ttl", store=store, jobs=1, cache=False)
    runner = CliRunner()
    ask = ["query", "--store", str(store), "ASK { ?s ?p ?o }"]
    assert "did not finish" not in runner.invoke(cli, ask).stderr

    seen = []

    def stop_midway(item: object) -> None:
        seen.append(item)
        if len(seen) == 5:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        export(
            [EXAMPLES],
            tmp_path / "d.ttl",
            store=store,
            jobs=1,
            cache=False,
            on_document=stop_midway,
        )
    warned = runner.invoke(cli, ask)
    assert warned.exit_code == 0
    assert "did not finish" in warned.stderr and "export again" in warned.stderr
    export([EXAMPLES], tmp_path / "d.ttl", store=store, jobs=1, cache=False)
    assert "did not finish" not in runner.invoke(cli, ask).stderr


HALF_MADE = ROOT / "tests" / "fixtures" / "half_made_store"
"""The files RocksDB had written when an export into a new store was killed (SIGKILL) about
a second in: a store folder with no column families yet."""


def test_a_half_made_store_is_a_clear_usage_error_for_query_and_serve(tmp_path: Path) -> None:
    from medigraph.serve import make_server
    from medigraph.store import StoreError

    store = tmp_path / "store"
    shutil.copytree(HALF_MADE, store)
    before = sorted(p.name for p in store.iterdir())
    runner = CliRunner()
    result = runner.invoke(cli, ["query", "--store", str(store), "ASK { ?s ?p ?o }"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"the store at {store} is incomplete" in result.stderr
    assert "medigraph export" in result.stderr
    with pytest.raises(StoreError, match="is incomplete"):
        make_server(store, port=0)
    # Neither completed it into an empty store (the next export builds it); only the read
    # lock a query takes may have appeared.
    assert sorted(p.name for p in store.iterdir() if p.name != "medigraph.lock") == before


def test_a_store_no_export_finished_in_is_told_not_answered_silently(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ox.Store(str(store)).flush()  # what an export killed before its first batch leaves
    result = CliRunner().invoke(cli, ["query", "--store", str(store), "ASK { ?s ?p ?o }"])
    assert result.exit_code == 0
    assert f"no export has finished in {store}" in result.stderr


def test_serve_serves_a_store_it_cannot_write_without_its_lock(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store on a read-only volume (or one the user may only read) cannot be opened for
    writing, which serve does only to hold the lock: it is served read-only, and said so."""
    from medigraph import serve
    from medigraph.store import StoreError

    store = tmp_path / "store"
    assert export([corpus], tmp_path / "d.ttl", store=store, jobs=1).exit_code == 0

    def read_only_volume(path: object, wait: float = 0) -> ox.Store:
        cause = OSError(
            "IO error: While open a file for appending: store/LOG: Read-only file system"
        )
        raise StoreError(f"cannot open the store at {path}: {cause}") from cause

    monkeypatch.setattr(serve, "open_writable", read_only_volume)
    server = serve.make_server(store, port=0)
    try:
        assert server.holds_lock is False
        assert server.store is not None and len(server.store) > 0
    finally:
        server.server_close()

    def locked(path: object, wait: float = 0) -> ox.Store:
        raise StoreError(f"the store at {path} is in use by another process")

    monkeypatch.setattr(serve, "open_writable", locked)
    with pytest.raises(StoreError, match="in use"):
        serve.make_server(store, port=0)


def test_a_query_waits_for_an_export_updating_the_store_and_an_export_for_a_query(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RocksDB lets a reader open a store another process is writing, and what it reads is
    then undefined (documents missing from the union, files compacted away under it): a
    query waits for the export (up to its timeout), and an export for the queries."""
    import fcntl
    import subprocess
    import threading
    import time

    from medigraph import store as store_module
    from medigraph.query import run_embedded
    from medigraph.store import READ_LOCK, StoreError, StoreSync, reading
    from tests._robust import medigraph_command

    store = tmp_path / "store"
    assert export([corpus], tmp_path / "d.ttl", store=store, jobs=1).exit_code == 0
    ask = "ASK { ?s ?p ?o }"
    gate = os.open(store, os.O_RDONLY)  # an export updating the store holds its folder too
    fcntl.flock(gate, fcntl.LOCK_EX)
    with open(store / READ_LOCK, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        started = time.monotonic()
        result = subprocess.run(
            [*medigraph_command(), "query", "--store", str(store), "--timeout", "1", ask],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2, result.stderr
        assert "medigraph: warning: waiting for the export that is updating" in result.stderr
        assert "still updating the store" in result.stderr
        assert 0.9 < time.monotonic() - started < 10
        threading.Timer(0.5, lambda: fcntl.flock(held, fcntl.LOCK_UN)).start()
        threading.Timer(0.5, lambda: os.close(gate)).start()
        assert run_embedded(ask, store=store, timeout=10).boolean is True  # once it is done
    monkeypatch.setattr(store_module, "LOCK_WAIT_S", 0.3)
    refused = pytest.raises(StoreError, match="being read by `medigraph query`")
    with reading(store), refused, StoreSync(store):
        pass
    with StoreSync(store):  # no reader left: the export goes on
        pass


def test_a_query_on_a_folder_that_is_no_store_writes_nothing_there(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: a\n---\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["query", "--store", str(folder), "ASK { ?s ?p ?o }"])
    assert result.exit_code == 2
    assert sorted(p.name for p in folder.iterdir()) == ["a.md"]


def test_queries_that_overlap_do_not_keep_an_export_out(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers that always overlap left no moment free for an export's exclusive lock: an
    export now closes the gate to new readers and waits only for those already reading."""
    import threading
    import time

    from medigraph import store as store_module
    from medigraph.store import StoreSync, reading

    store = tmp_path / "store"
    assert export([corpus], tmp_path / "d.ttl", store=store, jobs=1).exit_code == 0
    monkeypatch.setattr(store_module, "LOCK_WAIT_S", 3.0)
    stop = threading.Event()

    def reader(offset: float) -> None:
        time.sleep(offset)
        while not stop.is_set():
            with reading(store, wait=30):
                time.sleep(0.4)  # a query reading; the next one starts while the other reads

    readers = [threading.Thread(target=reader, args=(i * 0.2,)) for i in range(2)]
    for thread in readers:
        thread.start()
    try:
        time.sleep(0.5)
        started = time.monotonic()
        with StoreSync(store):  # got in: the readers reading when it asked were let finish
            took = time.monotonic() - started
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert took < 2.0


def test_serve_and_query_while_an_export_holds_the_store_and_under_another_base(
    corpus: Path, tmp_path: Path
) -> None:
    """serve looked at the store without the read lock while an export wrote it, and called
    it corrupt; the "no export has finished" warning looked for the --base's manifest only."""
    import fcntl
    import time

    from medigraph.query import run_embedded
    from medigraph.serve import make_server
    from medigraph.store import READ_LOCK, StoreError, unfinished_update

    store = tmp_path / "store"
    base = "https://example.org/"
    assert export([corpus], tmp_path / "d.ttl", store=store, base=base, jobs=1).exit_code == 0
    assert unfinished_update(store) is None  # the default base: the store is whole all the same
    gate = os.open(store, os.O_RDONLY)
    try:
        fcntl.flock(gate, fcntl.LOCK_EX)
        with open(store / READ_LOCK, "rb") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            with pytest.raises(StoreError, match="in use by another process"):
                make_server(store, port=0)
            started = time.monotonic()
            with pytest.raises(StoreError, match="still updating"):
                run_embedded("ASK { ?s ?p ?o }", store=store, timeout=1)
            assert time.monotonic() - started < 1.5  # one --timeout for the wait and the query
    finally:
        os.close(gate)


def test_an_export_waits_for_readers_before_rocksdb_opens_the_store(
    corpus: Path, tmp_path: Path
) -> None:
    """Opening a store for writing already replaces some of its files: a query opening it in
    that moment failed ("Corruption … No such file"). The export takes its turn first; and
    its forked workers do not keep the locks after it."""
    import threading
    import time

    from medigraph import store as store_module
    from medigraph.store import StoreSync, reading

    store = tmp_path / "store"
    assert export([corpus], tmp_path / "d.ttl", store=store, jobs=1).exit_code == 0
    entered = threading.Event()

    def exporting() -> None:
        with StoreSync(store):
            entered.set()
            child = os.fork()
            if child == 0:  # a worker forked by the export holds no lock of it
                os._exit(0 if not store_module._HELD else 1)
            assert os.waitpid(child, 0)[1] == 0

    with reading(store):
        before = sorted((p.name, p.stat().st_mtime_ns) for p in store.iterdir())
        thread = threading.Thread(target=exporting)
        thread.start()
        time.sleep(0.6)
        assert not entered.is_set()
        assert sorted((p.name, p.stat().st_mtime_ns) for p in store.iterdir()) == before
    thread.join(15)
    assert entered.is_set()


def test_shards_run_in_turn_on_one_store_leave_it_as_an_unsharded_export_does(
    corpus: Path, tmp_path: Path
) -> None:
    """A shard removes the graphs of its own files that are gone (deleted, made a draft,
    moved to a file of another shard), which the manifest tells by each graph's file, and
    leaves the other shards' graphs alone: the shards run in turn on one store (as with the
    default dump, `export --shard K/N` keeps output/store) leave it as an unsharded export
    of the same corpus leaves an empty store (a shard once removed none, so a deleted or
    unpublished document stayed in the store for good)."""
    from medigraph.pipeline import shard_of

    store = tmp_path / "store"
    export([corpus], tmp_path / "all.nq", store=store, jobs=1, cache=False)
    files = sorted(corpus.rglob("*.md"))
    in_shard = {
        k: [f for f in files if shard_of(f.relative_to(corpus).as_posix(), 2) == k] for k in (0, 1)
    }
    assert all(len(in_shard[k]) >= 3 for k in (0, 1))
    in_shard[0][0].unlink()  # deleted
    in_shard[1][0].unlink()
    draft = in_shard[1][1]  # made a draft
    draft.write_text(draft.read_text(encoding="utf-8").replace("---\n", "---\ndraft: true\n", 1))
    # moved to a file of the other shard, same mdName: the same graph, now the other's
    moved = in_shard[0][1]
    target = next(corpus / f"moved-{n}.md" for n in range(100) if shard_of(f"moved-{n}.md", 2) == 1)
    moved.rename(target)
    removed = []
    for k in (1, 2):
        report = export(
            [corpus], tmp_path / f"s{k}.nq", store=store, jobs=1, cache=False, shard=(k, 2)
        )
        assert report.exit_code == 0
        removed.append(report.store)
    fresh = tmp_path / "fresh"
    export([corpus], tmp_path / "fresh.nq", store=fresh, jobs=1, cache=False)
    assert graphs(store) == graphs(fresh), removed
    union = open_read_only(store).quads_for_pattern(None, None, None, ox.DefaultGraph())
    assert set(union) == set(
        open_read_only(fresh).quads_for_pattern(None, None, None, ox.DefaultGraph())
    )


def test_the_store_keeps_dates_and_booleans_in_canonical_form_the_dump_as_typed(
    tmp_path: Path,
) -> None:
    """What docs/reliability.md says: the dump keeps ``.000000Z``, ``+00:00`` and
    ``"1"^^xsd:boolean`` as typed; the embedded store, as any Oxigraph store, keeps the same
    values in canonical form, which ``query`` shows, and a comparison with the typed form
    still matches."""
    from tests.test_validate import write_doc

    content = tmp_path / "content"
    content.mkdir()
    write_doc(
        content,
        "doc",
        {
            "date: '2021-02-17T04:49:37.317526Z'": "date: '2021-02-17T04:49:37.000000Z'",
            "lastMod: '2021-02-17T10:10:10.785753Z'": "lastMod: '2021-02-17T10:10:10+00:00'",
            "  valid: true": "  valid: 1",
        },
    )
    store = tmp_path / "store"
    assert export([content], tmp_path / "d.nq", store=store, jobs=1).exit_code == 0
    typed = {
        "2021-02-17T04:49:37.000000Z": "2021-02-17T04:49:37Z",
        "2021-02-17T10:10:10+00:00": "2021-02-17T10:10:10Z",
        "1": "true",
    }
    dumped = {
        q.object.value for q in ox.parse(path=str(tmp_path / "d.nq"), format=ox.RdfFormat.N_QUADS)
    }
    assert set(typed) <= dumped
    stored = {q.object.value for quads in graphs(store).values() for q in quads}
    assert set(typed.values()) <= stored and not set(typed) & stored
    done = CliRunner().invoke(
        cli,
        [
            "query", "--store", str(store), "-q", "--format", "csv",
            "SELECT ?d WHERE { ?c schema:datePublished ?d"
            ' FILTER(?d = "2021-02-17T04:49:37.000000Z"^^xsd:dateTime) }',
        ],
    )  # fmt: skip
    assert done.exit_code == 0 and done.stdout.splitlines() == ["d", "2021-02-17T04:49:37Z"]


@pytest.mark.parametrize("kind", ["dangling-link", "loop", "file-on-the-way"])
def test_a_store_path_that_cannot_be_a_folder_is_said_so(
    corpus: Path, tmp_path: Path, kind: str
) -> None:
    """--store a dangling link, a link that loops, or a path under a file: it was "cannot
    open the store at s: [Errno 17] File exists: 's'" (or "Not a directory"), which says
    neither what is wrong nor where. Nothing is written, exit 2, as before."""
    if kind == "dangling-link":
        store = tmp_path / "s"
        store.symlink_to(tmp_path / "gone" / "store")
        said = f"{store} is a link to {tmp_path / 'gone' / 'store'}, which does not exist"
    elif kind == "loop":
        store = tmp_path / "s"
        store.symlink_to("s")
        said = f"{store} is a symbolic link that loops"
    else:
        (tmp_path / "notes").write_text("x\n")
        store = tmp_path / "notes" / "store"
        said = f"{tmp_path / 'notes'} is a file, not a folder"
    out = tmp_path / "d.ttl"
    result = CliRunner().invoke(
        cli, ["export", str(corpus), "-o", str(out), "--store", str(store), "-j", "1"]
    )
    assert result.exit_code == 2, result.output
    assert f"cannot open the store at {store}: {said}" in result.stderr, result.stderr
    assert "Errno" not in result.stderr and not out.exists()
