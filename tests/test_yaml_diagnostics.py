"""Front matter YAML cannot parse is told at the line an editor has to change, with the key
on it and the fix, in one line: not where PyYAML gave up."""

from __future__ import annotations

import pytest

from medigraph.documents import parse_document

FRONT = """\
aliases: /news/three-actions
archetype: curate-content
author:
- Vinit @maxinovip.com
communityTopics:
- 'Medigy: Fundamental Technologies'
- 'KLAS: Telehealth'
featuredImage:
  alt: Three Actions
  format: JPEG
  size:
  - 2732
  - 1200
  valid: true
link:
  brand: healthleadersmedia.com
  href: https://www.healthleadersmedia.com/telehealth/3
openProjectCustomFields:
  medigyTopics: '["Medigy: Fundamental Technologies","KLAS: Telehealth","Symplur:
    Virtual Care"]'
owlType: Medigy Communities
title: Three Actions Health Systems Should Take Now
type: communities/medigy-chronic-care-management
"""
"""Keys from the seed document: on line 2 of the file (after ``---``) is ``aliases``."""


def _line(key_text: str) -> int:
    """The line of the file (``---`` is line 1) on which ``key_text`` starts a line."""
    return next(i for i, text in enumerate(FRONT.split("\n"), 2) if text.startswith(key_text))


def _one_error(front: str | bytes) -> tuple[int | None, str | None, str, str]:
    raw = front if isinstance(front, bytes) else front.encode("utf-8")
    doc, problems = parse_document(b"---\n" + raw + b"---\nBody\n", "seed.md")
    assert doc is None and len(problems) == 1, problems
    (problem,) = problems
    assert "\n" not in problem.message
    return problem.line, problem.key, problem.code, problem.message


def _with(old: str, new: str) -> str:
    assert FRONT.count(old) == 1, old
    return FRONT.replace(old, new)


def test_the_seed_parses() -> None:
    doc, problems = parse_document(f"---\n{FRONT}---\nBody\n".encode(), "seed.md")
    assert doc is not None and problems == []


def test_a_quote_never_closed_is_told_where_it_opens_not_where_yaml_gave_up() -> None:
    """`archetype: "curate-content` runs on to the next `"` (line 20, medigyTopics) and
    failed there; a title's open quote failed at the end of the text."""
    line, key, code, message = _one_error(
        _with("archetype: curate-content", 'archetype: "curate-content')
    )
    assert (line, key, code) == (3, "archetype", "read.yaml")
    assert message == (
        'YAML does not parse: the quote " opened on line 3 is never closed: the value runs on'
        f" to line {_line('  medigyTopics')}; close it on line 3"
    )
    title = _line("title:")
    line, key, code, message = _one_error(
        _with("title: Three Actions Health", 'title: "Three Actions Health')
    )
    assert (line, key) == (title, "title")
    assert (
        message
        == f'YAML does not parse: the quote " opened on line {title} is never closed; close it'
    )


def test_a_list_item_whose_quote_is_never_closed_is_named_by_its_index() -> None:
    line, key, _, message = _one_error(_with("- 'KLAS: Telehealth'", "- 'KLAS: Telehealth"))
    assert (line, key) == (_line("- 'KLAS"), "communityTopics[1]")
    assert "the quote ' opened on line" in message


def test_a_legitimate_quoted_value_over_two_lines_is_no_runaway_quote() -> None:
    """medigyTopics' quoted value spans two lines; an error below it is not put on it."""
    line, key, _, message = _one_error(_with("owlType: Medigy", "owlType: *Medigy"))
    assert (line, key) == (_line("owlType"), "owlType")
    assert "never closed" not in message


@pytest.mark.parametrize(
    ("old", "new", "key", "advice"),
    [
        (
            "title: Three Actions Health Systems",
            "title: Telehealth: Three Actions Health Systems",
            "title",
            "a ': ' inside a value reads as a new key; put the value in quotes",
        ),
        (
            "  brand: healthleadersmedia.com",
            "  brand: @healthleadersmedia.com",
            "link.brand",
            "a value cannot start with @ in YAML (it is reserved); put it in quotes",
        ),
        (
            "- Vinit @maxinovip.com",
            "- `Vinit` @maxinovip.com",
            "author[0]",
            "a value cannot start with ` in YAML (it is reserved); put it in quotes",
        ),
        (
            "  format: JPEG",
            "  format: *jpeg",
            "featuredImage.format",
            "*jpeg refers to an anchor &jpeg that is not defined; if it is text, put the value"
            " in quotes",
        ),
        (
            "  format: JPEG",
            "  format: & JPEG",
            "featuredImage.format",
            "& at the start of a value names an anchor in YAML; if it is text, put the value"
            " in quotes",
        ),
        (
            "title: Three Actions",
            "title: [Draft] Three Actions",
            "title",
            "a value starting with [ is a list in YAML, and text follows its closing ]; if it"
            " is text, put the value in quotes",
        ),
        (
            "  - 1200",
            "  - |1200",
            "featuredImage.size[1]",
            "| at the start of a value begins a block of text in YAML; if it is the text itself,"
            " put the value in quotes",
        ),
    ],
)
def test_a_value_yaml_reserves_is_told_with_its_key_and_the_fix(
    old: str, new: str, key: str, advice: str
) -> None:
    line, found_key, code, message = _one_error(_with(old, new))
    assert (line, found_key, code) == (_line(old), key, "read.yaml")
    assert message == f"YAML does not parse: {advice}"


@pytest.mark.parametrize(
    ("old", "new", "key", "at"),
    [
        # the first key of a block indented more than the rest: YAML fails on the second
        ("  alt: Three", "   alt: Three", "featuredImage.alt", "  alt:"),
        ("  alt: Three", " alt: Three", "featuredImage.alt", "  alt:"),
        ("- 'Medigy:", " - 'Medigy:", "communityTopics[0]", "- 'Medigy:"),
        ("aliases: /news", " aliases: /news", "aliases", "aliases:"),
        # a key indented more than the one before it, which has a value
        ("archetype: curate", " archetype: curate", "archetype", "archetype:"),
        ("  valid: true", "   valid: true", "featuredImage.valid", "  valid:"),
        ("  href: https", " href: https", "link.href", "  href:"),
        # a key dedented to column 0 out of its block: YAML fails on a key below it
        ("  size:", "size:", "featuredImage.size", "  size:"),
        ("  brand: health", "brand: health", "link.brand", "  brand:"),
        ("  alt: Three", "alt: Three", "featuredImage.alt", "  alt:"),
    ],
)
def test_a_key_indented_unlike_its_neighbours_is_told_at_its_own_line(
    old: str, new: str, key: str, at: str
) -> None:
    line, found_key, _, message = _one_error(_with(old, new))
    assert (line, found_key) == (_line(at), key)
    assert "line up the keys and items of one block" in message


def test_a_dotted_key_at_column_0_is_named_as_written() -> None:
    """`link.href:` at column 0 after a `link:` block, with an indented key below it: the
    error's key was `link.link.href`, the line mended into the block above; it is the key
    as the editor wrote it. Dedented plain keys still name the block they belong to."""
    front = _with("  href: https", "link.href: https").replace(
        "healthleadersmedia.com/telehealth/3\n",
        "healthleadersmedia.com/telehealth/3\n  original: https://example.org/b\n",
    )
    doc, problems = parse_document(b"---\n" + front.encode() + b"---\nBody\n", "seed.md")
    assert doc is None
    told = [(p.path, p.line, p.key, p.code, p.severity.name) for p in problems]
    assert told == [("seed.md", _line("  href: https"), "link.href", "read.yaml", "ERROR")]
    assert problems[0].message == (
        f"YAML does not parse: indented 0 spaces where line {_line('  href: https') + 1} has 2:"
        " YAML reads nesting from the indentation; line up the keys and items of one block"
    )
    # quoted, and a dotted key indented under a block: that block is its parent
    for written, key in (('"link.href": https', "link.href"), (" x.y: https", "link.x.y")):
        line, found_key, code, _ = _one_error(front.replace("link.href: https", written))
        assert (line, found_key, code) == (_line("  href: https"), key, "read.yaml")


def test_a_tab_in_the_indentation_names_the_key() -> None:
    for old, key in [
        ("  format: JPEG", "featuredImage.format"),
        ("- Vinit", "author[0]"),
        ("title: Three", "title"),
    ]:
        line, found_key, _, message = _one_error(_with(old, "\t" + old.lstrip(" ")))
        assert (line, found_key) == (_line(old), key)
        assert message == (
            "YAML does not parse: a tab in the indentation: YAML indents with spaces only;"
            " use spaces"
        )


def test_a_bracket_never_closed_is_told_where_it_opens() -> None:
    line, key, _, message = _one_error(_with("owlType: Medigy Communities", "owlType: [Medigy"))
    assert (line, key) == (_line("owlType"), "owlType")
    assert "the [ opened on line" in message and "never closed with ]" in message


def test_a_bracket_alone_at_the_end_of_its_line_is_told_where_it_opens() -> None:
    """`categories: [` with the next keys below: PyYAML names the list item two lines down
    as where it expected the list's next node; the editor is told the line of the [ (it
    was "indented 0 spaces, which lines up with no block above it", two lines below)."""
    for new, bracket in (("archetype: [", "["), ("archetype: {", "{"), ("archetype: [[a],", "[")):
        line, key, code, message = _one_error(_with("archetype: curate-content", new))
        assert (line, key, code) == (_line("archetype"), "archetype", "read.yaml")
        closer = "]" if bracket == "[" else "}"
        assert message == (
            f"YAML does not parse: the {bracket} opened on line {line} is never closed with"
            f" {closer} (or a comma is missing); close it"
        )


def test_a_byte_that_is_not_utf8_is_told_by_its_line_key_and_text() -> None:
    raw = _with("  brand: healthleadersmedia.com", "  brand: Caf\udce9 au lait").encode(
        "utf-8", "surrogateescape"
    )
    line, key, code, message = _one_error(raw)
    assert (line, key, code) == (_line("  brand"), "link.brand", "read.encoding")
    assert message == (
        'file is not UTF-8: the byte 0xe9 after "brand: Caf" is not UTF-8 text'
        ' (in Windows-1252 it is "é"); save the file as UTF-8'
    )
    # in the body: the line, no key
    doc, problems = parse_document(f"---\n{FRONT}---\nCaf\xe9\n".encode("latin-1"), "d.md")
    assert doc is None
    assert [(p.line, p.key) for p in problems] == [(FRONT.count("\n") + 3, None)]


def test_a_line_that_is_no_key_is_told_at_itself_not_at_the_line_below() -> None:
    """PyYAML names the line after it ("while scanning a simple key")."""
    line, key, _, message = _one_error(
        _with("owlType: Medigy", "Medigy Communities\nowlType: Medigy")
    )
    assert (line, key) == (_line("owlType"), None)
    assert "a line that is not 'key: value' where a key is expected" in message
    # an invisible line break (U+2028, LS) in a plain value: libyaml ends the line there
    line, key, _, message = _one_error(
        _with("  brand: healthleadersmedia", "  brand: health\u2028leadersmedia")
    )
    assert (line, key) == (_line("  brand"), "link.brand")
    assert "an invisible line break (U+2028) in the value ends the line for YAML" in message


def _read(front: str) -> tuple[dict[str, object] | None, list[tuple[int | None, str | None, str]]]:
    doc, problems = parse_document(f"---\n{front}---\nBody\n".encode(), "seed.md")
    told = [(p.line, p.key, f"{p.severity.name.lower()}: {p.message}") for p in problems]
    return (dict(doc.front_matter) if doc else None), told


def test_a_comment_after_a_plain_value_is_told_where_it_cuts_the_value() -> None:
    """`title: Three Actions #1 for Telehealth` is "Three Actions" to YAML: told, not dropped."""
    front, told = _read(_with("title: Three Actions Health", "title: Three Actions #1 Health"))
    assert front is not None and front["title"] == "Three Actions"
    assert told == [
        (
            _line("title:"),
            "title",
            'warning: the text after " #" ("#1 Health Systems Should Take…") is read as a'
            ' YAML comment and dropped: the value is "Three Actions"; if the text belongs to'
            " the value, put the value in quotes",
        )
    ]
    # an item, and a value that is all comment
    _, told = _read(_with("- Vinit @maxinovip.com", "- Vinit #1 author"))
    assert [(line, key) for line, key, _ in told] == [(_line("- Vinit"), "author[0]")]
    _, told = _read(_with("owlType: Medigy Communities", "owlType: #1 Medigy"))
    assert told[0][:2] == (_line("owlType"), "owlType") and "the value is empty" in told[0][2]


@pytest.mark.parametrize(
    "title",
    [
        "title: 'Three Actions' # a note",  # after a quoted value
        "title: [Three, Actions] # a note",  # after a flow list
        "title: Three Actions#1 Health",  # no space before #: part of the value
        "title: Three Actions # a note",  # "# " is how a note is written: no text cut
        "title:  # to be written",  # empty, and said to be
        "# a comment line\ntitle: Three Actions",
    ],
)
def test_a_comment_that_cuts_no_plain_value_is_not_told(title: str) -> None:
    front, told = _read(_with("title: Three Actions Health Systems Should Take Now", title))
    assert front is not None and told == []


def test_an_alias_before_its_anchor_is_told_where_the_anchor_is() -> None:
    front = _with("  format: JPEG", "  format: *t").replace("title: ", "title: &t ")
    line, key, _, message = _one_error(front)
    assert (line, key) == (_line("  format"), "featuredImage.format")
    assert message == (
        f"YAML does not parse: *t refers to the anchor &t defined on line {_line('title')},"
        " after it: an anchor must come before its aliases; move the value with &t above"
        f" line {_line('  format')}, or write the value out here"
    )


def test_a_list_item_on_its_keys_line_is_told_in_an_editors_words() -> None:
    line, key, _, message = _one_error(_with("author:\n- Vinit", "author: - Vinit"))
    assert (line, key) == (_line("author"), "author")
    assert message == (
        "YAML does not parse: a list item '- ' cannot follow its key on the key's line; write"
        " the key alone on its line, and each item on a line of its own below it"
    )


def _described(block: str) -> str:
    """FRONT with ``block`` (a ``description:`` key and its lines) before ``featuredImage``."""
    return _with("featuredImage:\n", f"{block}featuredImage:\n")


@pytest.mark.parametrize(
    ("block", "at", "advice"),
    [
        (
            "description: |\n  While many\n to continue\n  hit the pause.\n",
            2,
            "indented 1 space, less than the first line of the block of text started with |"
            " on line {key} (2), which sets the block's indentation; indent every line of the"
            " block at least as deep as its first line",
        ),
        (
            "description: >\n    While many\n  to continue\n",
            2,
            "indented 2 spaces, less than the first line of the block of text started with >"
            " on line {key} (4), which sets the block's indentation; indent every line of the"
            " block at least as deep as its first line",
        ),
        (
            "description: |\n  While many\n# a note\n  to continue\n",
            2,
            "a comment line inside the block of text started with | on line {key}, indented"
            " less than the block, ends it; a block of text holds no comments: indent the"
            " line as text, or remove it",
        ),
        (
            "description: >\nWhile many\nto continue\n",
            1,
            "the lines of the block of text started with > on line {key} are not indented"
            " under its key; indent every line of the block deeper than the key",
        ),
    ],
)
def test_a_block_of_text_indented_wrong_is_told_by_its_own_indentation(
    block: str, at: int, advice: str
) -> None:
    """The block's first line sets its indentation, not the key's; told at the line that
    breaks it, under the key whose value it is."""
    line, key, _, message = _one_error(_described(block))
    first = _line("featuredImage")
    assert (line, key) == (first + at, "description")
    assert message == "YAML does not parse: " + advice.format(key=first)


def test_a_line_that_is_no_key_is_told_with_the_key_it_was_meant_for() -> None:
    # a key with no space after its colon
    line, key, _, message = _one_error(_with("title: Three", "title:Three"))
    assert (line, key) == (_line("title"), "title")
    assert (
        message
        == "YAML does not parse: a key needs a space after its ':'; write 'title: Three Actions Health…'"
    )
    # a plain value's next line not indented: the key whose value it continues
    for lines in ("description: While many\nto continue\n", "description: While\n  many\nto go\n"):
        line, key, _, message = _one_error(_described(lines))
        assert (line, key) == (_line("featuredImage") + lines.count("\n") - 1, "description")
        assert "a line that is not 'key: value' where a key is expected" in message


def test_a_comment_that_cuts_a_value_of_several_lines_is_told_where_it_is() -> None:
    line, key, _, message = _one_error(
        _described("description: While many\n  to #1 continue\n  the acceleration\n")
    )
    assert (line, key) == (_line("featuredImage") + 1, "description")
    assert message == (
        'YAML does not parse: the text after " #" is read as a YAML comment, which ends the'
        " value: the lines below no longer continue it; put the value in quotes"
    )


@pytest.mark.parametrize(
    ("old", "key"),
    [
        ("  alt: Three", "featuredImage.alt"),  # YAML fails on the next key
        ("- 'KLAS", "communityTopics[1]"),
        ("type: communities", "type"),  # the last key: it parses, as a key named " type"
    ],
)
def test_a_no_break_space_in_the_indentation_is_named(old: str, key: str) -> None:
    """Pasted from a web page: U+00A0 looks like a space, but YAML takes it for text."""
    line, found_key, code, message = _one_error(_with(old, "\u00a0\u00a0" + old.lstrip(" ")))
    assert (line, found_key, code) == (_line(old), key, "read.yaml")
    assert message.endswith(
        f"a no-break space (U+00A0) in the indentation of line {_line(old)}: YAML indents"
        " with spaces only; use spaces"
    )


def test_a_no_break_space_before_a_nested_key_names_its_whole_path() -> None:
    """Before a key of a nested block, the space is told under that block's key (it was
    told as a top-level key named "0")."""
    raw = b"---\ntitle: x\ncategories:\n  \xc2\xa00: a\n---\n"
    _doc, problems = parse_document(raw, "a.md")
    assert [(d.line, d.key, d.code) for d in problems] == [(4, "categories.0", "read.yaml")]


def test_a_no_break_space_in_a_flow_mapping_is_no_indentation() -> None:
    """In ``{…}`` no line is indented: no diagnostic of indentation, the value is read."""
    raw = b"---\ntitle: x\ncategories: {\xc2\xa00: a}\n---\n"
    doc, problems = parse_document(raw, "a.md")
    assert problems == []
    assert doc is not None and doc.front_matter["categories"] == {"\u00a00": "a"}
