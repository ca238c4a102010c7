"""A deterministic generator of realistic Medigy documents, for benchmarks and scale tests.

Every document carries the keys of the seed (a curated item of a community), with the
variation a real Hugo site has: four content kinds, many communities, one to three authors,
topics from the three taxonomies, optional keys missing (featured image, custom fields, the
``original`` link), non-ASCII text. The same ``(count, seed)`` gives byte-identical files on
every machine, so benchmark figures are comparable between runs.

    python benchmarks/generate.py 10000            # → benchmarks/corpus/10000/
    python benchmarks/generate.py 1000 --out /tmp/c
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
NAMESPACE = uuid.UUID("6f1c2a52-6d2b-4b8e-9d0f-1d4c5e6f7a8b")

COMMUNITIES = [
    ("chronic-care-management", "Chronic Care Management (CCM)"),
    ("health-information-exchange", "Health Information Exchange (HIE)"),
    ("patient-engagement", "Patient Engagement"),
    ("remote-patient-monitoring", "Remote Patient Monitoring (RPM)"),
    ("value-based-care", "Value-Based Care"),
    ("telehealth", "Telehealth & Virtual Care"),
    ("clinical-decision-support", "Clinical Decision Support (CDS)"),
    ("population-health", "Population Health Management"),
    ("cybersecurity", "Healthcare Cybersecurity"),
    ("behavioral-health", "Behavioral Health"),
    ("santé-numérique", "Santé numérique — Francophonie"),
    ("digital-therapeutics", "Digital Therapeutics (DTx)"),
]
KINDS = [  # (folder, work-package type, archetype, search category, weight)
    ("curated-content", "Curated Content", "curate-content", "News", 6),
    ("news", "News", "news", "News", 3),
    ("podcasts", "Podcasts", "podcast", "Podcasts", 1),
    ("events", "Events", "event", "Events", 1),
]
TOPICS = {
    "Medigy": [
        "Fundamental Technologies",
        "Care Management",
        "Interoperability",
        "Patient Experience",
        "Artificial Intelligence",
        "Data & Analytics",
        "Security & Privacy",
        "Reimbursement",
    ],
    "KLAS": [
        "Telehealth",
        "HIE",
        "Population Health",
        "EHR",
        "Patient Portal",
        "Revenue Cycle",
        "Remote Monitoring",
        "Clinical Communication",
    ],
    "Symplur": [
        "Virtual Care",
        "Chronic Disease",
        "Health Policy",
        "Diabetes",
        "Mental Health",
        "Patient Safety",
        "Health Equity",
        "Digital Health",
    ],
}
PEOPLE = [
    "Vinit @maxinovip.com",
    "Shahid N. Shah @netspective.com",
    "Ana María Gómez @saludvirtual.es",
    "Jürgen Weiß @klinikum-digital.de",
    "Priya Raghunathan @medigy.com",
    "Zoë O'Brien @healthtech.io",
    "李明 @healthcloud.cn",
    "Sam Okafor",
    "Renée Dubois @santenumerique.fr",
    "Olu Adeyemi @carelink.ng",
]
BRANDS = [
    "healthleadersmedia.com",
    "healthcareitnews.com",
    "fiercehealthcare.com",
    "mobihealthnews.com",
    "statnews.com",
    "modernhealthcare.com",
    "beckershospitalreview.com",
    "hitconsultant.net",
    "medcitynews.com",
    "aerzteblatt.de",
]
WORDS = [
    "care",
    "health",
    "system",
    "patient",
    "clinicians",
    "virtual",
    "remote",
    "monitoring",
    "data",
    "platform",
    "hospital",
    "outcomes",
    "chronic",
    "costs",
    "payers",
    "value",
    "model",
    "digital",
    "program",
    "nurses",
    "network",
    "exchange",
    "record",
    "team",
    "rural",
    "access",
    "quality",
    "safety",
    "home",
    "engagement",
    "telehealth",
    "analytics",
    "workflow",
]
TITLE_WORDS = [
    "How",
    "Why",
    "Three",
    "Five",
    "New",
    "Inside",
    "Lessons",
    "After",
    "When",
    "Beyond",
    "Café",
    "Naïve",
    "Über",
    "Résumé",
    "São Paulo",
    "Zürich",
    "—",
    "🩺",
    "医疗",
]
IMAGE_FORMATS = ["JPEG", "PNG", "WEBP", "GIF", "jpeg"]


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _title(rng: random.Random) -> str:
    words = [rng.choice(TITLE_WORDS)] + [
        rng.choice(WORDS).capitalize() for _ in range(rng.randint(4, 10))
    ]
    return " ".join(words)


def front_matter(index: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """(relative path, front matter) of document ``index``."""
    slug_c, community = rng.choice(COMMUNITIES)
    folder, wp_type, archetype, search, _ = rng.choices(KINDS, weights=[k[4] for k in KINDS])[0]
    md_name = str(uuid.uuid5(NAMESPACE, str(index)))
    title = _title(rng)
    wp = 1000 + index
    base_path = f"/communities/{slug_c}/{folder}/"
    year = rng.randint(2018, 2024)
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999999):06d}Z"
    last_mod = date if rng.random() < 0.5 else date.replace(str(year), str(year + 1), 1)
    brand = rng.choice(BRANDS)
    page = "-".join(title.lower().split()[:8])
    href = f"https://www.{brand}/{rng.choice(WORDS)}/{page}"
    topics = [
        f"{scheme}: {rng.choice(terms)}" for scheme, terms in TOPICS.items() if rng.random() < 0.9
    ]
    fm: dict[str, Any] = {
        "aliases": f"/news/{page}",
        "archetype": archetype,
        "author": rng.sample(PEOPLE, rng.choice([1, 1, 1, 2, 3])),
        "basePath": base_path,
        "breadcrumbLinks": [
            "/",
            "/communities/",
            f"/communities/{slug_c}/",
            base_path.rstrip("/"),
            "#",
        ],
        "breadcrumbs": ["Home", "Communities", community, wp_type, title],
        "categories": []
        if rng.random() < 0.8
        else [rng.choice(WORDS) for _ in range(rng.randint(1, 3))],
        "communityTopics": topics,
        "contentCategories": f"medigy-{slug_c}-{folder}",
        "date": date,
        "description": " ".join(_sentence(rng, 8, 20) for _ in range(rng.randint(1, 3))),
        "id": wp,
        "identifier": community,
        "lastMod": last_mod,
        "link": {"brand": brand, "href": href},
        "mastHead": f"{community} CoP",
        "mdName": md_name,
        "openProjectWorkPackageType": wp_type,
        "owlType": "Medigy Communities",
        "searchCategory": search,
        "slug": f"{brand.split('.')[0]}-{page}",
        "source": "open-project-curations",
        "status": rng.choice(["", "", "published", "review"]),
        "sub": rng.choice(["brief", "brief", "feature"]),
        "tags": rng.sample(
            ["news", "telehealth", "ai", "policy", "rpm", "ehr", "equity"], rng.randint(1, 3)
        ),
        "title": title,
        "type": f"communities/medigy-{slug_c}",
    }
    if rng.random() < 0.7:
        fm["link"]["original"] = href
    if rng.random() < 0.75:
        fm["openProjectCustomFields"] = {
            "cleanUrl": href,
            "medigyTopics": "[" + ",".join(f'"{t}"' for t in topics) + "]",
            "sourceUrl": href,
        }
    if rng.random() < 0.7:
        fmt = rng.choice(IMAGE_FORMATS)
        fm["featuredImage"] = {
            "alt": title,
            "format": fmt,
            "href": f"{md_name}-featuredImage.{fmt.lower()}",
            "size": [rng.randint(600, 4000), rng.randint(300, 2400)],
            "valid": True,
            "workPackage": wp,
            "wpAttachment": {
                "fileName": rng.choice(
                    ["Curated_Featured_Image.jpg", "hero.png", "Bild_Übersicht.webp"]
                ),
                "link": f"/api/v3/attachments/{10000 + index}/content",
            },
        }
    if rng.random() < 0.05:  # older documents: no owlType, the fallback rule supplies it
        del fm["owlType"]
    return f"communities/{slug_c}/{folder}/{md_name}.md", fm


def body(rng: random.Random) -> str:
    """An HTML body of a few paragraphs, as the curation tool writes it (one line)."""
    paragraphs = []
    for _ in range(rng.randint(2, 6)):
        text = " ".join(_sentence(rng, 10, 30) for _ in range(rng.randint(2, 5)))
        if rng.random() < 0.3:
            text += ' "We&#39;re seeing real results," says Dr. Ngô.'
        paragraphs.append(f"<p>{text}</p>")
    return "".join(paragraphs)


def document(index: int, seed: int = 0) -> tuple[str, str]:
    """(relative path, file text) of document ``index``: the same on every run and machine."""
    rng = random.Random(f"{seed}:{index}")
    path, fm = front_matter(index, rng)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(fm, Dumper=dumper, sort_keys=True, allow_unicode=True, width=80)
    return path, f"---\n{text}---\n\n{body(rng)}\n"


def generate(count: int, out: Path, seed: int = 0) -> Path:
    """Write ``count`` documents under ``out`` (replacing what is there); returns ``out``."""
    marker = out / ".complete"
    expected = f"{count} {seed}\n"
    if marker.exists() and marker.read_text() == expected:
        return out  # already generated: deterministic, so nothing to redo
    if out.exists():
        shutil.rmtree(out)
    made: set[str] = set()
    for index in range(count):
        rel, text = document(index, seed)
        folder = os.path.dirname(rel)
        if folder not in made:
            (out / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        (out / rel).write_text(text, encoding="utf-8")
    marker.write_text(expected)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "count", type=int, nargs="+", help="documents to generate (one corpus per count)"
    )
    parser.add_argument("--out", type=Path, help="folder (default: benchmarks/corpus/<count>)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for count in args.count:
        out = args.out or HERE / "corpus" / str(count)
        generate(count, out, args.seed)
        print(f"{count} documents in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
