"""Baseline (b): the script a competent user would write with python-frontmatter and rdflib.

Reads every ``*.md`` with python-frontmatter, adds the same fields medigraph maps (class,
name, description, dates, authors with affiliation, publisher, original article, featured
image, topics in their SKOS schemes, community, keywords, identifiers, work package, body as
plain text) to one rdflib ``Graph`` and serializes it as Turtle. No medigraph code is used.

    python benchmarks/naive_rdflib.py CORPUS OUTPUT.ttl
"""

from __future__ import annotations

import html
import re
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import frontmatter
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, SKOS

SCHEMA = Namespace("http://schema.org/")
MEDIGY = Namespace("https://medigy.com/ontology/")
BASE = "https://medigy.com/"
CLASSES = {
    "Curated Content": MEDIGY.CuratedContent,
    "News": MEDIGY.NewsItem,
    "Events": MEDIGY.EventListing,
    "Podcasts": MEDIGY.PodcastEpisode,
}
PERSON = re.compile(r"^(?P<name>.*?)\s*@(?P<domain>[A-Za-z0-9.-]+\.[A-Za-z]{2,})$")
TAGS = re.compile(r"<[^>]+>")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or quote(text, safe="")


def seg(text: object) -> str:
    return quote(str(text), safe="")


def add_document(g: Graph, fm: dict[str, Any], body: str, path: str) -> None:
    key = str(fm.get("mdName") or fm.get("id") or path)
    doc = URIRef(BASE + "content/" + seg(key))
    graph_node = URIRef(BASE + "graph/content/" + seg(key))
    g.add((doc, RDF.type, MEDIGY.CommunityContent))
    if fm.get("openProjectWorkPackageType") in CLASSES:
        g.add((doc, RDF.type, CLASSES[fm["openProjectWorkPackageType"]]))
    for field, prop in (
        ("title", SCHEMA.name),
        ("description", SCHEMA.description),
        ("mdName", SCHEMA.identifier),
        ("slug", MEDIGY.slug),
        ("aliases", MEDIGY.urlAlias),
        ("archetype", MEDIGY.archetype),
        ("basePath", MEDIGY.sectionPath),
        ("searchCategory", MEDIGY.searchCategory),
        ("source", MEDIGY.curationSource),
        ("sub", MEDIGY.layoutVariant),
        ("contentCategories", MEDIGY.contentCategory),
        ("status", MEDIGY.workflowStatus),
    ):
        if fm.get(field):
            g.add((doc, prop, Literal(str(fm[field]))))
    for field, prop in (("date", SCHEMA.datePublished), ("lastMod", SCHEMA.dateModified)):
        if fm.get(field):
            g.add((doc, prop, Literal(str(fm[field]), datatype=XSD.dateTime)))
    for tag in fm.get("tags") or []:
        g.add((doc, SCHEMA.keywords, Literal(tag)))
    for category in fm.get("categories") or []:
        g.add((doc, MEDIGY.category, Literal(category)))
    for author in fm.get("author") or []:
        m = PERSON.match(author.strip())
        name, domain = (m["name"], m["domain"]) if m else (author.strip(), None)
        person = URIRef(
            BASE + "person/" + (f"{slug(domain)}/{slug(name)}" if domain else slug(name))
        )
        g.add((person, RDF.type, SCHEMA.Person))
        g.add((person, SCHEMA.name, Literal(name)))
        if domain:
            org = URIRef(BASE + "organization/" + slug(domain))
            g.add((org, RDF.type, SCHEMA.Organization))
            g.add((org, SCHEMA.name, Literal(domain.lower())))
            g.add((org, SCHEMA.url, URIRef(f"https://{domain.lower()}/")))
            g.add((person, SCHEMA.affiliation, org))
        g.add((doc, SCHEMA.author, person))
    link = fm.get("link") or {}
    if link.get("brand"):
        org = URIRef(BASE + "organization/" + slug(link["brand"]))
        g.add((org, RDF.type, SCHEMA.Organization))
        g.add((org, SCHEMA.name, Literal(link["brand"])))
        g.add((org, SCHEMA.url, URIRef(f"https://{link['brand'].lower()}/")))
        g.add((doc, SCHEMA.publisher, org))
    href = link.get("href") or link.get("original")
    if href:
        g.add((doc, SCHEMA.isBasedOn, URIRef(href)))
    for topic in fm.get("communityTopics") or []:
        scheme, _, term = topic.partition(":")
        concept = URIRef(f"{BASE}topic/{slug(scheme)}/{slug(term)}")
        scheme_node = URIRef(f"{BASE}topic-scheme/{slug(scheme)}")
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, SKOS.prefLabel, Literal(term.strip())))
        g.add((concept, SKOS.notation, Literal(topic)))
        g.add((concept, SKOS.inScheme, scheme_node))
        g.add((concept, SKOS.topConceptOf, scheme_node))
        g.add((scheme_node, RDF.type, SKOS.ConceptScheme))
        g.add((scheme_node, SKOS.prefLabel, Literal(scheme.strip())))
        g.add((doc, SCHEMA.about, concept))
    if fm.get("identifier"):
        community = URIRef(BASE + "community/" + slug(fm["identifier"]))
        g.add((community, RDF.type, MEDIGY.Community))
        g.add((community, SCHEMA.name, Literal(fm["identifier"])))
        if fm.get("mastHead"):
            g.add((community, MEDIGY.mastHead, Literal(fm["mastHead"])))
        if fm.get("type"):
            g.add((community, MEDIGY.hugoSection, Literal(fm["type"])))
        g.add((doc, MEDIGY.community, community))
    if fm.get("id") is not None:
        wp = URIRef(f"{BASE}work-package/{seg(fm['id'])}")
        g.add((wp, RDF.type, MEDIGY.WorkPackage))
        g.add((wp, SCHEMA.identifier, Literal(str(fm["id"]), datatype=XSD.integer)))
        g.add((wp, MEDIGY.workPackageType, Literal(fm.get("openProjectWorkPackageType", ""))))
        g.add((doc, MEDIGY.workPackage, wp))
        g.add((graph_node, PROV.wasDerivedFrom, wp))
    image = fm.get("featuredImage")
    if isinstance(image, dict):
        img = URIRef(BASE + "image/" + seg(key))
        g.add((img, RDF.type, SCHEMA.ImageObject))
        g.add((doc, SCHEMA.image, img))
        if image.get("alt"):
            g.add((img, SCHEMA.caption, Literal(image["alt"])))
        if image.get("format"):
            g.add((img, SCHEMA.encodingFormat, Literal("image/" + str(image["format"]).lower())))
        if image.get("href"):
            g.add(
                (
                    img,
                    SCHEMA.contentUrl,
                    URIRef(BASE + fm.get("basePath", "/").strip("/") + "/" + seg(image["href"])),
                )
            )
        size = image.get("size") or []
        if len(size) == 2:
            g.add((img, SCHEMA.width, Literal(str(size[0]), datatype=XSD.integer)))
            g.add((img, SCHEMA.height, Literal(str(size[1]), datatype=XSD.integer)))
        if "valid" in image:
            g.add(
                (
                    img,
                    MEDIGY.imageValidated,
                    Literal(str(image["valid"]).lower(), datatype=XSD.boolean),
                )
            )
        attachment = image.get("wpAttachment") or {}
        if attachment.get("fileName"):
            att = URIRef(
                f"{BASE}attachment/{seg(image.get('workPackage'))}-{seg(attachment['fileName'])}"
            )
            g.add((att, RDF.type, MEDIGY.Attachment))
            g.add((att, SCHEMA.name, Literal(attachment["fileName"])))
            g.add((att, MEDIGY.apiPath, Literal(attachment.get("link", ""))))
            g.add((img, PROV.wasDerivedFrom, att))
    if body.strip():
        g.add((doc, SCHEMA.articleBody, Literal(html.unescape(TAGS.sub(" ", body)).strip())))
    source = URIRef(BASE + "source/" + "/".join(seg(p) for p in path.split("/")))
    g.add((graph_node, RDF.type, MEDIGY.DocumentGraph))
    g.add((graph_node, MEDIGY.describes, doc))
    g.add((graph_node, PROV.wasDerivedFrom, source))
    g.add((source, RDF.type, MEDIGY.SourceFile))
    g.add((source, MEDIGY.sourcePath, Literal(path)))


def main(corpus: str, output: str) -> int:
    started = time.perf_counter()
    g = Graph()
    for prefix, ns in (("schema", SCHEMA), ("medigy", MEDIGY), ("skos", SKOS), ("prov", PROV)):
        g.bind(prefix, ns)
    root = Path(corpus)
    count = 0
    for file in sorted(root.rglob("*.md")):
        post = frontmatter.load(file)
        add_document(g, post.metadata, post.content, file.relative_to(root).as_posix())
        count += 1
    g.serialize(destination=output, format="turtle")
    print(
        f"{count} documents, {len(g)} triples, {time.perf_counter() - started:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
