"""Minting IRIs: valid RFC 3987 IRIs from any text, the same on every run and machine.

Two kinds of path segment exist. ``segment()`` is injective — different identifiers never
give the same IRI — and is used for document keys. ``slug()`` folds case, spacing and
punctuation so that "KLAS: Telehealth" and "klas: telehealth" name one shared thing.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# RFC 3987 iunreserved (ASCII part) plus sub-delims that are harmless in a path segment.
_SAFE_ASCII = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@"
)
_ALL_SAFE_ASCII = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@]+")
_BIDI_FORMATTING = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""RFC 3987 §4.1: an IRI must not hold bidirectional formatting characters (LRM, RLM, LRE,
RLE, LRO, RLO, PDF; and the isolates Unicode added since): they would show it reordered."""
DOMAIN = r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}"
"""A web domain's labels, internationalised ones (``münchen.de``) included."""
_HOST = re.compile(DOMAIN)
_WHOLE = re.compile(r"[+-]?\d+")


def is_bidi(char: str) -> bool:
    """Whether ``char`` is a bidirectional formatting character (RFC 3987 §4.1)."""
    return char in _BIDI_FORMATTING


def is_ucschar(char: str) -> bool:
    """RFC 3987 ``ucschar``: non-ASCII characters allowed unescaped in an IRI."""
    code = ord(char)
    return char not in _BIDI_FORMATTING and (
        0xA0 <= code <= 0xD7FF
        or 0xF900 <= code <= 0xFDCF
        or 0xFDF0 <= code <= 0xFFEF
        # Planes 1-14 minus each plane's last two code points; RFC 3987 leaves out
        # E0000-E0FFF (tag characters) as well.
        or (
            0x10000 <= code <= 0xEFFFD
            and (code & 0xFFFF) < 0xFFFE
            and not 0xE0000 <= code <= 0xE0FFF
        )
    )


def _escape(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))


def segment(text: str, normalize: bool = True) -> str:
    """One IRI path segment that stands for exactly ``text`` (percent-encoding what must be).

    ``%`` itself is encoded, so the mapping is injective; ``.`` and ``..`` are encoded so that
    no IRI resolver treats them as dot-segments. An identifier is first made NFC (``é`` typed
    as ``e`` + accent is the same name); a file name is not (``normalize=False``): two files
    whose names differ only so are two files.
    """
    if text == "":
        raise ValueError("an IRI segment cannot be empty")
    if text in (".", ".."):
        return "%2E" * len(text)
    if _ALL_SAFE_ASCII.fullmatch(text):  # the common case (UUIDs, numbers): nothing to encode
        return text
    if normalize:
        text = unicodedata.normalize("NFC", text)
    out = []
    for char in text:
        # Spaces beyond ASCII (a no-break space, U+3000, U+2028) are allowed in an IRI, but
        # N-Triples readers such as rdflib's take them for the space between terms.
        if char in _SAFE_ASCII or (ord(char) > 0x7F and is_ucschar(char) and not char.isspace()):
            out.append(char)
        else:
            out.append(_escape(char))
    return "".join(out)


_VISIBLE = re.compile(
    "[^\\s\u00a0\u00ad\u1680\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff"
    "\u115f\u1160\u180e\u2800\u3164\uffa0]"
)
"""A character a reader sees: not white space, nor one of the invisible characters the
shapes' "a visible character" pattern names (no-break and zero-width spaces, soft hyphen,
bidi marks, word joiner, byte-order mark, the Mongolian vowel separator, and the blanks that
are letters or symbols: the Hangul fillers and the blank Braille pattern)."""


def blank(text: str) -> bool:
    """Whether ``text`` shows nothing (only spaces or invisible characters): as empty as
    ``""`` where a name or an identifier is meant, as the shapes read it."""
    stripped = text.strip()
    return not stripped or (not stripped.isascii() and _VISIBLE.search(stripped) is None)


# The same topics, people and communities recur in every document.
@functools.lru_cache(maxsize=8192)
def slug(text: str) -> str:
    """A readable, case- and punctuation-folded segment: ``"KLAS: Telehealth"`` → ``klas-telehealth``.

    Each run of spaces and punctuation becomes one ``-``; letters, digits and their marks
    (the vowel signs of ``किताब``) are kept, and so are the signs that tell names apart:
    ``+`` and ``#`` (``C++``, ``C#``, ``A+``) and symbols beyond ASCII (``🙂``, ``€``).
    A name of no word (``???``, ``...``) is kept whole, percent-encoded, its dots too: a slug
    never holds a ``.``, so patterns may join slugs with one (``topic/{slug:scheme}.{slug:term}``
    and ``...: ....`` is not ``....: ...``).
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = "".join(map(_in_slug, folded)).split()
    joined = "-".join(words).strip("-")
    return segment(joined) if joined else segment(folded).replace(".", "%2E")


@functools.lru_cache(maxsize=4096)
def _in_slug(char: str) -> str:
    """What ``char`` is in a slug: itself, a word break (a space), or nothing: an invisible
    format character (a soft hyphen, a word joiner, a zero-width space, a bidi mark) is not
    seen by a reader, so ``Manage\u00adment`` is ``management``, not ``manage-ment``."""
    if char.isalnum() or char in "+#":  # "_" is punctuation: Health_IT is Health IT
        return char
    category = unicodedata.category(char)
    if category == "Cf":
        return ""
    return char if category[0] == "M" or (category[0] == "S" and ord(char) > 0x7F) else " "


@functools.lru_cache(maxsize=8192)
def host(text: str) -> str:
    """A web domain as it is, case folded (``News-Medical.net`` → ``news-medical.net``): its
    dots and hyphens tell sites apart, so they are not folded. The same site written another
    way is the same domain: as a web address (``https://www.x.com/``), with the root's dot
    (``x.com.``), with ``www.``, with an invisible mark pasted along or an accent typed as a
    combining one (:func:`as_seen`). Any other text is a :func:`slug`."""
    domain = site_domain(text)
    return slug(text) if domain is None else domain.casefold()


def as_seen(text: str) -> str:
    """``text`` as a reader sees it, as :func:`slug` reads it: NFKC (``u`` + a combining
    diaeresis is ``ü``, a full-width ``ｘ`` is ``x``) without invisible format characters (a
    left-to-right mark pasted after ``example.com``), so such a domain is still a domain, and
    the same one."""
    if text.isascii():  # the common case: nothing to normalise, nothing invisible
        return text
    folded = unicodedata.normalize("NFKC", text)
    return "".join(char for char in folded if unicodedata.category(char) != "Cf")


_WEB_ADDRESS = re.compile(r"(?i)https?://(?:[^/?#@]*@)?([^/?#:]+)(?::\d*)?/?")
"""A web address that names a site: its root, nothing after (``https://medium.com/@mayo`` is
one publisher on a platform, not the platform)."""


@functools.lru_cache(maxsize=8192)
def site_domain(text: str) -> str | None:
    """The web domain ``text`` names (``https://www.X.com/a`` → ``X.com``; ``X.com.`` →
    ``X.com``), as written but for those and for :func:`as_seen`; None when it names none."""
    written = as_seen(text).strip()
    if (address := _WEB_ADDRESS.fullmatch(written)) is not None:
        written = address.group(1)
    written = written.removesuffix(".")
    if written[:4].casefold() == "www." and _HOST.fullmatch(written[4:].casefold()):
        written = written[4:]
    return written if _HOST.fullmatch(written.casefold()) else None


INT64 = (-(2**63), 2**63 - 1)
"""The whole numbers SPARQL stores hold (``xsd:long``'s range in Oxigraph): compared beyond
it, a number matches nothing."""


def zone_in_range(zone: str) -> bool:
    """A timezone (``Z``, ``+05:30``) that xsd:dateTime and xsd:date allow: Z, or an offset
    of at most 14 hours (``+15:00`` is none, though Python reads it)."""
    if zone == "Z":
        return True
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    return minutes < 60 and hours * 60 + minutes <= 14 * 60


def whole_number(text: str) -> str | None:
    """The canonical ``xsd:integer`` form of a whole number as an editor writes one
    (``04557``, ``+4557``, `` 4557``, ``٤٥٥٧`` → ``4557``), or None for other text. Made
    from the digits, not by ``int``, which refuses more than 4 300 of them."""
    written = text.strip()
    if not _WHOLE.fullmatch(written):
        return None
    sign = "-" if written[0] == "-" else ""
    digits = written.lstrip("+-")
    if not digits.isascii():
        digits = "".join(str(unicodedata.decimal(char)) for char in digits)
    digits = digits.lstrip("0")
    return sign + digits if digits else "0"


def integer(text: str) -> str:
    """A whole number written as a number is (:func:`whole_number`); any other text is a
    :func:`segment` of itself."""
    number = whole_number(text)
    return segment(text) if number is None else segment(number)


def is_absolute_iri(text: str) -> bool:
    """A cheap syntactic check; the real proof is that pyoxigraph accepts the IRI."""
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", text))
