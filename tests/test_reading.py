"""Reading shortcuts give what the straightforward code gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from medigraph import documents

LINES = st.lists(
    st.sampled_from(["---", "----", "--- ", "---x", "-", "\n", "\r", " ", "\t", "\u2028", "a: b"]),
    max_size=30,
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(LINES, st.integers(min_value=0, max_value=40))
def test_closing_boundary_is_the_regex_search(text: str, start: int) -> None:
    start = min(start, len(text))
    found = documents._closing_boundary(text, start)
    expected = documents._BOUNDARY.search(text, start)
    assert (found and found.span()) == (expected and expected.span())


def test_text_digest_is_the_file_digest_only_when_the_text_is_as_read() -> None:
    plain = b"---\ntitle: T\nowlType: Medigy Communities\n---\nBody\n"
    reference, _ = documents.parse_document(plain, "x.md")
    assert reference is not None
    for raw in (plain, b"\xef\xbb\xbf" + plain, plain.replace(b"\n", b"\r\n")):
        doc, problems = documents.parse_document(raw, "x.md")
        assert doc is not None, problems
        assert doc.text_sha256 == reference.text_sha256
        assert (doc.sha256 == doc.text_sha256) == (raw == plain)


def test_a_control_character_is_reported_at_its_line_and_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """YAML forbids raw control characters; the editor is told where, in one line."""
    from medigraph.documents import SourceFile, read_document

    for char in ("\x0c", "\x00", "\x1b", "\x9b"):
        text = f"---\ntitle: T\nlink:\n  href: https://e.org/\n  brand: a{char}b\nmdName: x\n---\nBody\n"
        path = tmp_path / "doc.md"
        path.write_text(text, encoding="utf-8")
        doc, problems = read_document(SourceFile(str(path), "doc.md", str(path)))
        assert doc is None
        assert [(p.line, p.key, p.code) for p in problems] == [(5, "link.brand", "read.yaml")]
        assert f"U+{ord(char):04X}" in problems[0].message and "\n" not in problems[0].message


def test_a_control_character_after_wide_characters_is_at_its_own_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """libyaml gives the position in bytes: three per CJK character above the error."""
    from medigraph.documents import SourceFile, read_document

    text = f'---\ntitle: "{"中文" * 15}"\nmdName: a1\ntags:\n- news\x01\ndescription: d\nslug: s\n---\n'
    path = tmp_path / "doc.md"
    path.write_text(text, encoding="utf-8")
    _doc, problems = read_document(SourceFile(str(path), "doc.md", str(path)))
    assert [(p.line, p.key) for p in problems] == [(5, "tags[0]")]


def test_a_dotted_key_keeps_its_own_line_and_leaves_the_nested_one_its_line() -> None:
    """`link.href:` at the top (a key with a dot in its name) beside `link:` / `href:`."""
    from medigraph.mapping import load_mapping

    for dotted_first in (False, True):
        nested = ["link:", "  brand: healthleadersmedia.com", "  href: see website"]
        dotted = ['"link.href": https://example.org/a']
        body = (dotted + nested) if dotted_first else (nested + dotted)
        text = "\n".join(["---", "title: t", "owlType: Medigy Communities", "mdName: c1", *body])
        doc, _ = documents.parse_document((text + "\n---\n").encode(), "doc.md")
        assert doc is not None
        href_line = 5 + body.index("  href: see website")
        dotted_line = 5 + body.index(dotted[0])
        assert doc.line_of("link.href") == href_line
        mapped = load_mapping().map(doc)
        found = {(d.key, d.code): d.line for d in mapped.diagnostics}
        assert found[("link.href", "map.iri")] == href_line
        assert found[("link.href", "map.key")] == dotted_line


def test_a_value_tag_on_a_list_or_mapping_is_an_error_not_ignored() -> None:
    """`link: !!null` above a mapping: PyYAML refuses it; writing the link anyway would be a
    guess at what the editor meant."""
    for yaml_text, line, key in [
        ("link: !!null\n  href: https://example.org/withdrawn\n", 3, "link"),
        ("tags: !!int [a, b]\n", 3, "tags"),
        ("x: !!map text\n", 3, "x"),
    ]:
        doc, problems = documents.parse_document(
            f"---\ntitle: t\n{yaml_text}---\n".encode(), "d.md"
        )
        assert doc is None
        assert [(p.line, p.key, p.code) for p in problems] == [(line, key, "read.yaml")]
    doc, problems = documents.parse_document(
        b"---\ntags: !!seq [a]\nl: !!map {a: b}\n---\n", "d.md"
    )
    assert doc is not None and problems == []


def test_a_control_character_is_told_at_the_key_whose_value_holds_it() -> None:
    """In a block scalar a line of text is no key; in a list of mappings the item counts."""
    for yaml_text, line, key in [
        ("description: |\n  Note: see below\n  bad\x01 here\nslug: s\n", 4, "description"),
        ("extra:\n- name: x\n  value: y\x01\n", 4, "extra[0].value"),
        ("title: t\x01\nx: y\x02\n", 2, "title"),
        ('a:\n  b:\n  - [1, 2]\n  - [3, "x\x07"]\n', 5, "a.b[1][1]"),
    ]:
        doc, problems = documents.parse_document(f"---\n{yaml_text}---\n".encode(), "d.md")
        assert doc is None
        assert [(p.line, p.key) for p in problems] == [(line, key)], yaml_text


def test_hidden_files_and_folders_are_skipped_and_hugos_markdown_names_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """As Hugo: every Markdown file it renders (`.md`, `.markdown`, `.mdown`) is a document,
    and nothing hidden is — version control, editors' locks and macOS's shadow files."""
    for name in [
        "a.md", "b.markdown", "c.mdown", "sub/d.md", ".hidden.md", "._a.md", ".git/x.md",
        "sub/.obsidian/t.md", "e.md~", "f.txt",
    ]:  # fmt: skip
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (tmp_path / ".#a.md").symlink_to("user@host.1234:1700000000")  # an Emacs lock: dangling
    found, problems = documents.discover([tmp_path])
    assert [f.path for f in found] == ["a.md", "b.markdown", "c.mdown", "sub/d.md"]
    assert problems == []
    assert documents.markdown_stem("x/b.markdown") == "x/b"
    # Named on the command line, a hidden file is read: the user asked for it.
    found, _ = documents.discover([tmp_path / ".hidden.md"])
    assert [f.path for f in found] == [".hidden.md"]


def test_utf16_json_and_tabs_are_named_for_what_they_are() -> None:
    """What a Hugo site may hold and medigraph does not read gets a message that says what
    it is, not "no front matter" or a bare YAML scanner error."""
    text = "---\ntitle: x\n---\nbody\n"
    for raw in (text.encode("utf-16"), text.encode("utf-16-le"), text.encode("utf-16-be")):
        doc, problems = documents.parse_document(raw, "a.md")
        assert doc is None and [p.message for p in problems] == [
            "file is UTF-16, not UTF-8; save it as UTF-8"
        ]
    doc, problems = documents.parse_document(b'{"title": "x"}\nbody\n', "a.md")
    assert doc is None and "JSON front matter" in problems[0].message
    doc, problems = documents.parse_document(b'{{< youtube id="x" >}}\nbody\n', "a.md")
    assert doc is None and "no front matter" in problems[0].message  # a shortcode, not JSON
    doc, problems = documents.parse_document(text.encode("utf-32"), "a.md")
    assert doc is None and "UTF-32" in problems[0].message
    doc, problems = documents.parse_document(b"\x00" * 4096, "a.md")
    assert doc is None and "only NUL bytes" in problems[0].message
    doc, problems = documents.parse_document(b"---\nlink:\n\thref: x\n---\n", "a.md")
    assert doc is None and (problems[0].line, problems[0].code) == (3, "read.yaml")
    assert "a tab in the indentation" in problems[0].message
    # A NUL inside a value is not UTF-16: it is told as the character it is.
    doc, problems = documents.parse_document(b"---\ntitle: a\x00b\n---\n", "a.md")
    assert doc is None and "U+0000" in problems[0].message


def test_a_leaf_bundle_is_one_page_and_its_other_markdown_files_are_resources(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """As Hugo: a folder with an index.md is a leaf bundle, one page; the Markdown files
    beside it and below it are its resources (notes, snippets), not pages. A branch bundle's
    _index.md is a page like any other, and so are the pages below it."""
    for name in [
        "post/index.md", "post/notes.md", "post/index.fr.md", "post/extra/snippet.md",
        "section/_index.md", "section/a.md", "section/b/index.md", "section/b/r.md",
    ]:  # fmt: skip
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (tmp_path / "section" / "index.old.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (tmp_path / "zz-note.md").symlink_to(tmp_path / "post" / "notes.md")
    found, problems = documents.discover([tmp_path])
    # (a translation comes right after the page it translates)
    assert [f.path for f in found] == [
        "post/index.md", "post/index.fr.md", "section/_index.md", "section/a.md",
        "section/b/index.md", "section/index.old.md", "zz-note.md",
    ]  # fmt: skip
    # `index.old.md` is no translation (not a language): its folder is no bundle. A link to a
    # resource is a document of its own, as the resource is not listed before it.
    assert [(p.code, p.path.rpartition(str(tmp_path))[2], p.severity.name) for p in problems] == [
        ("read.bundle", "/post/index.md", "WARNING"),
        ("read.bundle", "/section/b/index.md", "WARNING"),
    ]
    assert "notes.md" in problems[0].message
    assert "extra/snippet.md" in problems[0].message  # below it too, not dropped unsaid
    assert "2 other Markdown files in and below its folder" in problems[0].message


def test_the_markdown_files_below_a_leaf_bundle_are_told_as_its_resources(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A file in a subfolder of a leaf bundle (even an index.md there) is a resource of the
    bundle, as Hugo has it: it was passed over without a word, while one beside the index was
    told. Export and validate read the same walk, and say so alike."""
    from click.testing import CliRunner

    from medigraph.cli import cli

    content = tmp_path / "content"
    for name in ["p/index.md", "p/sub/x.md", "p/sub/index.md", "p/sub/.hidden.md", "q.md"]:
        target = content / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    found, problems = documents.discover([content])
    assert [f.path for f in found] == ["p/index.md", "q.md"]
    [told] = problems
    assert (told.code, told.severity.name) == ("read.bundle", "WARNING")
    assert told.path == str(content / "p" / "index.md")
    assert "2 other Markdown files in and below its folder (sub/index.md, sub/x.md)" in told.message
    assert "the page's resources, not documents" in told.message
    for command in (
        ["export", str(content), "-o", str(tmp_path / "d.nq"), "--no-store"],
        ["validate", str(content)],
    ):
        result = CliRunner().invoke(cli, command)
        said = [line for line in result.output.splitlines() if "leaf bundle" in line]
        assert len(said) == 1 and said[0].startswith(str(content / "p" / "index.md")), said
        assert "sub/x.md" in said[0] and "warning" in said[0]


def test_a_linked_folder_is_not_entered_and_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "content").mkdir()
    (tmp_path / "elsewhere").mkdir()
    for name in ("content/a.md", "elsewhere/b.md"):
        (tmp_path / name).write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (tmp_path / "content" / "shared").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "content" / "loop").symlink_to(".")
    found, problems = documents.discover([tmp_path / "content"])
    assert [f.path for f in found] == ["a.md"]
    assert [(p.path.rpartition("/")[2], p.severity.name, p.code) for p in problems] == [
        ("loop", "WARNING", "read.link"),
        ("shared", "WARNING", "read.link"),
    ]


def test_a_draft_is_what_hugo_reads_as_true() -> None:
    """Hugo reads `draft` with Go's strconv.ParseBool: `1`, `t` and `TRUE` are drafts too."""
    for value in ("true", "True", "TRUE", "t", "T", "1", " true "):
        assert documents.is_draft({"draft": value}), value
    for value in ("false", "0", "yes", "no", "", "truthy"):
        assert not documents.is_draft({"draft": value}), value
    assert not documents.is_draft({"draft": None}) and not documents.is_draft({})


def test_a_hugo_sites_root_is_refused_for_its_content_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`export .` in a site: its README, archetypes and themes are no content, and every
    document's path (so every graph) would change. The content folder is what to give."""
    (tmp_path / "content" / "news").mkdir(parents=True)
    (tmp_path / "content" / "news" / "a.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# Site\n", encoding="utf-8")
    (tmp_path / "hugo.toml").write_text('title = "x"\n', encoding="utf-8")
    found, problems = documents.discover([tmp_path])
    assert found == [] and [p.code for p in problems] == ["read.site"]
    assert f"under {tmp_path / 'content'}; give that folder" in problems[0].message
    found, problems = documents.discover([tmp_path / "content"])
    assert [f.path for f in found] == ["news/a.md"] and problems == []
