"""One thing, one IRI; two things, two IRIs — across documents, and in every dump format."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from medigraph.diagnostics import Severity
from medigraph.export import export
from medigraph.validation import validate
from tests.test_validate import write_doc

WP = "https://medigy.com/work-package/"


def _quads(path: Path) -> set[ox.Quad]:
    return set(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


def test_a_work_package_number_with_leading_zeros_is_the_same_work_package(
    tmp_path: Path,
) -> None:
    doc = write_doc(tmp_path, "a", {"\nid: 4557\n": "\nid: 04557\n"})
    out = tmp_path / "d.nq"
    assert export([doc], out, jobs=1, cache=False).exit_code == 0
    quads = _quads(out)
    wps = {q.object.value for q in quads if q.object.value.startswith(WP)}
    assert wps == {WP + "4557"}
    # The canonical form: rdflib reads `04557` as 4557 and Oxigraph keeps it, so a dump holding
    # it would be two graphs to two readers.
    numbers = {q.object for q in quads if q.subject.value == WP + "4557"} & {
        ox.Literal(text, datatype=ox.NamedNode(str(rdflib.XSD.integer)))
        for text in ("04557", "4557")
    }
    assert numbers == {ox.Literal("4557", datatype=ox.NamedNode(str(rdflib.XSD.integer)))}
    report = validate([doc], jobs=1)
    assert [d.key for d in report.diagnostics if d.key == "featuredImage.workPackage"] == []


def test_two_web_domains_are_two_organisations(tmp_path: Path) -> None:
    """news-medical.net and news.medical.net are two sites: neither document is told that its
    publisher has two web sites."""
    write_doc(tmp_path, "a", {"  brand: healthleadersmedia.com": "  brand: news-medical.net"})
    write_doc(tmp_path, "b", {"  brand: healthleadersmedia.com": "  brand: news.medical.net"})
    report = validate([tmp_path], jobs=1)
    assert [d.format() for d in report.diagnostics if d.severity is Severity.ERROR] == []
    assert not [d for d in report.diagnostics if d.code == "map.spelling"]
    out = tmp_path / "d.nt"
    export([tmp_path], out, jobs=1, cache=False)
    urls = {t.object.value for t in ox.parse(path=str(out), format=ox.RdfFormat.N_TRIPLES)}
    assert {"https://news-medical.net/", "https://news.medical.net/"} <= urls


@pytest.mark.parametrize("invisible", ["\\u200e", "\\u2069", "\\u00ad"])
def test_a_domain_with_an_invisible_character_is_the_same_organisation(
    tmp_path: Path, invisible: str
) -> None:
    """A publisher or affiliation pasted with a left-to-right mark (or a combining accent) is
    the site it names: one organisation, one person, not a slugged organization/example-com."""
    write_doc(tmp_path, "a", {"  brand: healthleadersmedia.com": "  brand: krankenhaus-münchen.de"})
    write_doc(
        tmp_path,
        "b",
        {
            "  brand: healthleadersmedia.com": f'  brand: "krankenhaus-mu\\u0308nchen.de{invisible}"',
            "- Vinit @maxinovip.com": f'- "Vinit @maxinovip.com{invisible}"',
        },
    )
    out = tmp_path / "d.nq"
    report = export([tmp_path], out, jobs=1, cache=False)
    assert report.exit_code == 0
    assert not [d for d in report.diagnostics if d.code in ("map.person", "map.iri")]
    iris = {term.value for q in _quads(out) for term in (q.subject, q.object)}
    base = "https://medigy.com/"
    assert {i for i in iris if i.startswith(base + "organization/")} == {
        base + "organization/krankenhaus-münchen.de",
        base + "organization/maxinovip.com",
    }
    assert {i for i in iris if i.startswith(base + "person/")} == {
        base + "person/vinit.maxinovip.com"
    }
    names = {
        q.object.value
        for q in _quads(out)
        if q.subject.value == base + "organization/krankenhaus-münchen.de"
        and q.predicate.value == "http://schema.org/name"
    }
    assert names == {"krankenhaus-münchen.de"}


@pytest.mark.parametrize("fmt", ["ttl", "trig"])
@pytest.mark.parametrize("name", ["report-v2.", "a..", "x~."])
def test_an_iri_that_ends_in_a_dot_is_read_back_by_rdflib(
    tmp_path: Path, fmt: str, name: str
) -> None:
    """Turtle lets a prefixed name end in an escaped dot (content:report-v2\\.); rdflib cannot
    read it, so such an IRI is written in full."""
    doc = write_doc(tmp_path, "doc")
    doc.write_text(doc.read_text(encoding="utf-8").replace("mdName: doc", f"mdName: '{name}'"))
    out, reference = tmp_path / f"d.{fmt}", tmp_path / "d.nq"
    export([doc], out, jobs=1, cache=False)
    export([doc], reference, jobs=1, cache=False)
    expected = {(q.subject, q.predicate, q.object) for q in _quads(reference)}
    assert any(t[0].value.endswith("/" + name) for t in expected)
    data = out.read_bytes()
    assert f"<https://medigy.com/content/{name}>".encode() in data
    if fmt == "ttl":
        graph = rdflib.Graph().parse(data=data, format="turtle")
    else:
        graph = rdflib.Dataset().parse(data=data, format="trig")
    assert len(graph) == len(expected)
    parsed = ox.parse(data, format=ox.RdfFormat.TURTLE if fmt == "ttl" else ox.RdfFormat.TRIG)
    assert {(q.subject, q.predicate, q.object) for q in parsed} == expected


def test_answers_streamed_in_chunks_are_made_readable_whole() -> None:
    """serve streams a CONSTRUCT answer through ReadableLines; a chunk may end anywhere."""
    import io

    from medigraph.writers import ReadableLines, rdflib_readable

    prefixes = {"content": "https://medigy.com/content/", "schema": "http://schema.org/"}
    triples = [
        ox.Triple(
            ox.NamedNode(f"https://medigy.com/content/{name}"),
            ox.NamedNode("http://schema.org/name"),
            ox.Literal(f"back\\. slash content:{name}\\."),
        )
        for name in ("a.", "b", "c..", "d~.")
    ]
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""
    whole = rdflib_readable(data, prefixes)
    for size in (1, 7, 64):
        out = io.BytesIO()
        readable = ReadableLines(out, prefixes)
        for at in range(0, len(data), size):
            readable.write(data[at : at + size])
        readable.flush()
        assert out.getvalue() == whole
    graph = rdflib.Graph().parse(data=whole, format="turtle")
    assert {(str(s), str(o)) for s, _p, o in graph} == {
        (t.subject.value, t.object.value) for t in triples
    }


def test_files_with_the_same_name_under_several_paths_are_two_source_files(
    tmp_path: Path,
) -> None:
    """`a/index.md` and `b/index.md` given as `a` and `b`: their paths are relative to the
    common folder, so each has its own medigy:SourceFile, and validate (over the whole graph,
    whatever the batches) finds nothing wrong."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        write_doc(tmp_path / name, "index", {"mdName: index": f"mdName: doc-{name}"})
    paths = [tmp_path / "a", tmp_path / "b"]
    out = tmp_path / "d.nq"
    export(paths, out, jobs=1, cache=False)
    sources = {q.subject.value for q in _quads(out) if "/source/" in q.subject.value}
    assert sources == {
        "https://medigy.com/source/a/index.md",
        "https://medigy.com/source/b/index.md",
    }
    whole = export([tmp_path], tmp_path / "whole.nq", jobs=1, cache=False)
    assert whole.exit_code == 0
    assert _quads(out) == _quads(tmp_path / "whole.nq")  # as if the common folder was given
    for jobs, batch in ((1, 100), (2, 1)):
        report = validate(paths, jobs=jobs, batch_size=batch)
        assert [d.format() for d in report.diagnostics if d.severity is Severity.ERROR] == []


def test_file_names_that_differ_only_in_normalisation_are_two_source_files(
    tmp_path: Path,
) -> None:
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    for name, key in ((composed, "one"), (decomposed, "two")):
        doc = write_doc(tmp_path, key)
        doc.rename(tmp_path / f"{name}.md")
    out = tmp_path / "d.nq"
    export([tmp_path], out, jobs=1, cache=False)
    sources = {q.subject.value for q in _quads(out) if "/source/" in q.subject.value}
    assert len(sources) == 2


def test_an_author_at_an_internationalised_domain_keeps_the_affiliation(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "a", {"- Vinit @maxinovip.com": "- Emilie @münchen.de"})
    out = tmp_path / "d.nt"
    report = export([doc], out, jobs=1, cache=False)
    assert not [d for d in report.diagnostics if d.code == "map.person"]
    triples = {q.triple for q in ox.parse(path=str(out), format=ox.RdfFormat.N_TRIPLES)}
    person = ox.NamedNode("https://medigy.com/person/emilie.münchen.de")
    org = ox.NamedNode("https://medigy.com/organization/münchen.de")
    schema = "http://schema.org/"
    assert ox.Triple(person, ox.NamedNode(schema + "name"), ox.Literal("Emilie")) in triples
    assert ox.Triple(person, ox.NamedNode(schema + "affiliation"), org) in triples
    assert (
        ox.Triple(org, ox.NamedNode(schema + "url"), ox.NamedNode("https://münchen.de/")) in triples
    )


def test_an_at_sign_before_no_domain_is_told(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "a", {"- Vinit @maxinovip.com": "- Bob @localhost"})
    report = export([doc], tmp_path / "d.nt", jobs=1, cache=False)
    told = [d for d in report.diagnostics if d.code == "map.person"]
    assert [(d.key, d.severity) for d in told] == [("author[0]", Severity.WARNING)]
    assert "not a web domain" in told[0].message


@pytest.mark.parametrize(
    ("written", "told"),
    [
        ("- Vinit @maxinovip.com, Geetha @citrusinformatics.com", "holds more than one @"),
        ("- Shahid N. Shah @netspective.com @medigy.com", "holds more than one @"),
        ("- jane@doe.com", "looks like an e-mail address"),
    ],
)
def test_an_author_the_pattern_reads_doubtfully_is_told(
    tmp_path: Path, written: str, told: str
) -> None:
    """Two authors in one item, or an e-mail address, give a person nobody meant: the editor
    hears it, at the item."""
    doc = write_doc(tmp_path, "a", {"- Vinit @maxinovip.com": written})
    report = export([doc], tmp_path / "d.nt", jobs=1, cache=False)
    found = [d for d in report.diagnostics if d.code == "map.person"]
    assert [(d.key, d.severity) for d in found] == [("author[0]", Severity.WARNING)]
    assert told in found[0].message


@pytest.mark.parametrize(
    "written",
    [
        "- Dr. Ngô Bảo Châu @medigy.com",
        "- Health@Scale Team @healthatscale.com",  # an @ that is part of the name
        "- Anna Lee (@annalee) @example.org",
    ],
)
def test_authors_written_as_the_seed_writes_them_are_not_told(tmp_path: Path, written: str) -> None:
    doc = write_doc(tmp_path, "a", {"- Vinit @maxinovip.com": written})
    report = export([doc], tmp_path / "d.nt", jobs=1, cache=False)
    assert not [d for d in report.diagnostics if d.code == "map.person"]


@pytest.mark.parametrize("fmt", ["ttl", "nt", "nq", "trig", "jsonld"])
def test_whole_numbers_are_written_in_their_canonical_form(tmp_path: Path, fmt: str) -> None:
    """Whole numbers written with a sign or leading zeros (``id``, ``featuredImage.size``) are
    written canonically, in every format: Oxigraph (the store, ``query``) keeps a lexical form
    as written, while rdflib reads ``04557`` as ``4557``, so the two saw different terms."""
    doc = write_doc(
        tmp_path,
        "a",
        {
            "\nid: 4557\n": "\nid: '+04557'\n",
            "  - 2732\n": "  - 02732\n",
            "  - 1200\n": "  - ' \u0661\u0662\u0660\u0660'\n",
        },
    )
    out = tmp_path / f"d.{fmt}"
    assert export([doc], out, jobs=1, cache=False).exit_code == 0
    rdf_format = ox.RdfFormat.from_extension(fmt)
    assert rdf_format is not None
    integer = ox.NamedNode(str(rdflib.XSD.integer))
    numbers = {
        q.object.value
        for q in ox.parse(path=str(out), format=rdf_format)
        if isinstance(q.object, ox.Literal) and q.object.datatype == integer
    }
    assert {"4557", "2732", "1200"} <= numbers
    assert not {"+04557", "02732", " \u0661\u0662\u0660\u0660"} & numbers


def test_invisible_format_characters_do_not_make_another_thing(tmp_path: Path) -> None:
    """A soft hyphen or a word joiner (text copied from a web page) is not seen by a reader:
    the community and the topic are the ones written without it."""
    write_doc(tmp_path, "a")
    write_doc(
        tmp_path,
        "b",
        {
            "identifier: Chronic Care Management (CCM)": (
                'identifier: "Chronic Care Manage\\u00adment (CCM)"'
            ),
            "- 'KLAS: Telehealth'": '- "KLAS: Tele\\u2060health"',
        },
    )
    out = tmp_path / "d.nq"
    assert export([tmp_path], out, jobs=1, cache=False).exit_code == 0
    quads = _quads(out)
    about = ox.NamedNode("http://schema.org/about")
    part_of = ox.NamedNode("https://medigy.com/ontology/community")
    for predicate in (about, part_of):
        by_document = {
            q.subject.value.rsplit("/", 1)[-1]: {
                r.object for r in quads if r.predicate == predicate and r.subject == q.subject
            }
            for q in quads
            if q.predicate == predicate
        }
        assert by_document["a"] == by_document["b"], predicate


@pytest.mark.parametrize(
    "brand",
    [
        "https://www.healthleadersmedia.com/",
        "healthleadersmedia.com.",
        "www.healthleadersmedia.com",
        "http://healthleadersmedia.com",
    ],
)
def test_a_publisher_written_another_way_is_the_same_organisation(
    tmp_path: Path, brand: str
) -> None:
    write_doc(tmp_path, "a")
    write_doc(tmp_path, "b", {"  brand: healthleadersmedia.com": f"  brand: '{brand}'"})
    out = tmp_path / "d.nq"
    report = export([tmp_path], out, jobs=1, cache=False)
    assert report.exit_code == 0
    quads = _quads(out)
    publisher = ox.NamedNode("http://schema.org/publisher")
    organisations = {q.object.value for q in quads if q.predicate == publisher}
    assert organisations == {"https://medigy.com/organization/healthleadersmedia.com"}
    names = {
        q.object.value
        for q in quads
        if q.subject.value in organisations and q.predicate.value == "http://schema.org/name"
    }
    assert names == {"healthleadersmedia.com"}
    told = [(d.key, d.code) for d in report.diagnostics if d.code == "map.organization"]
    assert told == ([("link.brand", "map.organization")] if "://" in brand else [])


@pytest.mark.parametrize("author", ["Vinit @maxinovip.com.", "Vinit @www.maxinovip.com"])
def test_an_affiliation_written_another_way_is_the_same_organisation(
    tmp_path: Path, author: str
) -> None:
    """An author's @domain with the root's dot (a sentence's full stop typed after it) or with
    www. is the site it names, as a publisher's is: the same person and affiliation, not a
    person named "Vinit @maxinovip.com." with none."""
    write_doc(tmp_path, "a")
    write_doc(tmp_path, "b", {"- Vinit @maxinovip.com": f"- '{author}'"})
    out = tmp_path / "d.nq"
    report = export([tmp_path], out, jobs=1, cache=False)
    assert report.exit_code == 0
    assert not [d for d in report.diagnostics if d.code == "map.person"]
    quads = _quads(out)
    base = "https://medigy.com/"
    people = {q.object.value for q in quads if q.predicate.value == "http://schema.org/author"}
    assert people == {base + "person/vinit.maxinovip.com"}
    facts = {(q.predicate.value, q.object.value) for q in quads if q.subject.value in people}
    assert ("http://schema.org/name", "Vinit") in facts
    assert ("http://schema.org/affiliation", base + "organization/maxinovip.com") in facts
    names = {
        q.object.value
        for q in quads
        if q.subject.value == base + "organization/maxinovip.com"
        and q.predicate.value == "http://schema.org/name"
    }
    assert names == {"maxinovip.com"}
    spelled = [d for d in report.diagnostics if d.code == "map.spelling"]
    assert [(Path(d.path).name, d.key) for d in spelled] == [("b.md", "author[0]")]


def test_an_attachment_needs_a_whole_work_package_number(tmp_path: Path) -> None:
    """attachment/{work package}-{file name}: work package 12 with 3-x.png and work package
    "12-3" with x.png would be one IRI. A work package that is no number writes no
    attachment, and says why."""
    write_doc(
        tmp_path,
        "a",
        {
            "  workPackage: 4557": "  workPackage: 12",
            "fileName: Curated_Featured_Image.jpg": "fileName: 3-x.png",
        },
    )
    write_doc(
        tmp_path,
        "b",
        {
            "  workPackage: 4557": "  workPackage: 12-3",
            "fileName: Curated_Featured_Image.jpg": "fileName: x.png",
        },
    )
    out = tmp_path / "d.nq"
    report = export([tmp_path], out, jobs=1, cache=False)
    attachments = {
        (q.graph_name.value.rsplit("/", 1)[-1], q.subject.value)
        for q in _quads(out)
        if q.subject.value.startswith("https://medigy.com/attachment/")
    }
    assert attachments == {("a", "https://medigy.com/attachment/12-3-x.png")}
    told = {d.message for d in report.diagnostics if d.code == "map.node"}
    assert told == {
        "not written: the imageAttachment it describes needs featuredImage.workPackage as a whole number"
    }


def test_file_names_give_the_same_iris_whatever_the_locale(tmp_path: Path) -> None:
    """Python decodes file names by the locale's encoding: under LC_ALL=C (ASCII) or Latin-1,
    `café.md` was read as other text (an internal error, or `cafÃ©` in every IRI). The
    name's UTF-8 bytes are what the graph holds, on any machine."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "Ünïcode dir" / "Café news"
    folder.mkdir(parents=True)
    write_doc(folder, "café")
    dumps = {}
    for name, extra in (
        ("utf8", {"LC_ALL": "C.UTF-8"}),
        ("ascii", {"LC_ALL": "C", "PYTHONUTF8": "0"}),
    ):
        out = tmp_path / f"{name}.nt"
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **extra}
        command = [sys.executable, "-m", "medigraph", "export", "Ünïcode dir", "-o", out.name]
        done = subprocess.run(
            [*command, "-q", "--no-store", "--no-cache"],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
        )
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        dumps[name] = out.read_bytes()
    assert dumps["utf8"] == dumps["ascii"]
    assert '"Café news/café.md"'.encode() in dumps["utf8"]


def test_a_topic_typed_with_a_full_width_colon_is_the_same_topic(tmp_path: Path) -> None:
    """`KLAS： Telehealth` (U+FF1A, an East Asian keyboard's colon) is NFKC's `KLAS: Telehealth`,
    as its IRI is: the same topic, with the spelling told, not a document rejected."""
    write_doc(tmp_path, "a")
    write_doc(tmp_path, "b", {"- 'KLAS: Telehealth'": "- 'KLAS\uff1a Telehealth'"})
    out = tmp_path / "d.nq"
    report = export([tmp_path], out, jobs=1, cache=False)
    assert report.exit_code == 0, [d.format() for d in report.diagnostics]
    about = ox.NamedNode("http://schema.org/about")
    topics = {
        q.graph_name.value.rsplit("/", 1)[-1]: {
            r.object for r in _quads(out) if r.predicate == about and r.graph_name == q.graph_name
        }
        for q in _quads(out)
        if q.predicate == about
    }
    assert topics["a"] == topics["b"] and len(topics["a"]) == 3


def test_topics_made_of_dots_only_are_two_topics(tmp_path: Path) -> None:
    """'...: ....' and '....: ...' differ where the pattern's dot goes: two IRIs, no spelling
    warning saying they are one topic."""
    doc = write_doc(tmp_path, "a", {"- 'KLAS: Telehealth'": "- '...: ....'\n- '....: ...'"})
    out = tmp_path / "d.nq"
    report = export([doc], out, jobs=1, cache=False)
    assert not [d for d in report.diagnostics if d.code == "map.spelling"]
    about = ox.NamedNode("http://schema.org/about")
    topics = {q.object.value for q in _quads(out) if q.predicate == about}
    assert {"https://medigy.com/topic/%2E%2E%2E.%2E%2E%2E%2E"} < topics
    assert {"https://medigy.com/topic/%2E%2E%2E%2E.%2E%2E%2E"} < topics


def test_a_publisher_on_a_platform_is_not_the_platform(tmp_path: Path) -> None:
    """`https://medium.com/@mayoclinic` names one publisher on medium.com: folding every web
    address to its site would make every such publisher one organisation."""
    write_doc(
        tmp_path,
        "a",
        {"  brand: healthleadersmedia.com": "  brand: https://medium.com/@mayoclinic"},
    )
    write_doc(
        tmp_path,
        "b",
        {"  brand: healthleadersmedia.com": "  brand: https://medium.com/@clevelandclinic"},
    )
    out = tmp_path / "d.nq"
    report = export([tmp_path], out, jobs=1, cache=False)
    publisher = ox.NamedNode("http://schema.org/publisher")
    assert len({q.object for q in _quads(out) if q.predicate == publisher}) == 2
    assert [d for d in report.diagnostics if d.code == "map.organization"] == []


def test_a_whole_number_of_any_length_is_written(tmp_path: Path) -> None:
    """Python's int() refuses more than 4 300 digits: the number was an internal error."""
    digits = "1" * 5000
    doc = write_doc(tmp_path, "a", {"\nid: 4557\n": f"\nid: {digits}\n"})
    out = tmp_path / "d.nq"
    report = export([doc], out, jobs=1, cache=False)
    assert report.exit_code == 0, [d.format() for d in report.diagnostics]
    assert any(q.object.value == digits for q in _quads(out) if isinstance(q.object, ox.Literal))


def test_reports_and_shards_name_files_as_their_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """Under an ASCII locale, reports named `Café/naïve.md` by escapes; a shard that held a
    name that is not UTF-8 stopped the run with a traceback, where the file is refused."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "content" / "Café"
    folder.mkdir(parents=True)
    write_doc(folder, "naïve")
    (tmp_path / "content" / os.fsdecode(b"caf\xe9.md")).write_bytes(
        (folder / "naïve.md").read_bytes()
    )
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LC_ALL": "C",
        "PYTHONUTF8": "0",
    }
    entry = [sys.executable, "-m", "medigraph"]
    done = subprocess.run(
        [*entry, "validate", "content", "--format", "junit"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
    )
    assert 'name="content/Café/naïve.md"'.encode() in done.stdout, done.stdout[:2000]
    codes = []
    for shard in ("1/2", "2/2"):
        done = subprocess.run(
            [
                *entry,
                "export",
                "content",
                "--shard",
                shard,
                "-o",
                f"s{shard[0]}.nq",
                "--no-store",
                "--no-cache",
            ],
            cwd=tmp_path,
            capture_output=True,
        )
        assert b"Traceback" not in done.stderr, done.stderr.decode("utf-8", "replace")
        codes.append(done.returncode)
    assert sorted(codes) == [0, 1]  # the shard holding the name refuses it, as a whole run does


def test_a_run_started_with_standard_error_closed_still_writes_its_dump(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "content").mkdir()
    write_doc(tmp_path / "content", "a")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "medigraph",
            "export",
            "content",
            "-o",
            "d.ttl",
            "--no-store",
            "--no-cache",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(2),
    )
    assert done.returncode == 0 and (tmp_path / "d.ttl").stat().st_size > 0


def test_a_document_keyed_by_its_work_package_is_keyed_by_the_number(tmp_path: Path) -> None:
    """Without mdName, a document is named by its id: `042` and `42` are one work package,
    so one document, and the second is a clash, as for one mdName twice."""
    for name, written in (("a", "42"), ("b", "042")):
        doc = write_doc(tmp_path, name, {"\nid: 4557\n": f"\nid: '{written}'\n"})
        text = doc.read_text(encoding="utf-8").replace(f"mdName: {name}\n", "")
        doc.write_text(text, encoding="utf-8")
    out = tmp_path / "d.nq"
    report = export([tmp_path], out, jobs=1, cache=False)
    graphs = {q.graph_name.value for q in _quads(out)}
    assert graphs == {"https://medigy.com/graph/content/42"}
    assert report.exit_code == 1 and report.rejected == 1


def test_numbers_and_moments_that_stores_cannot_hold_are_told(tmp_path: Path) -> None:
    doc = write_doc(
        tmp_path,
        "a",
        {
            "  - 2732\n": "  - 123456789012345678901234567890\n",
            "date: '2021-02-17T04:49:37.317526Z'": "date: '2021-02-17T04:49:37.1111111111111111111Z'",
        },
    )
    report = export([doc], tmp_path / "d.nt", jobs=1, cache=False)
    told = {(d.key, d.code) for d in report.diagnostics}
    assert ("featuredImage.size[0]", "map.integer") in told
    assert ("date", "map.datetime") in told
