"""Random folder trees with files and symbolic links, for the listing tests."""

from __future__ import annotations

import random
from pathlib import Path


def random_tree(
    root: Path,
    rng: random.Random,
    names: list[str],
    files: tuple[int, int],
    links: tuple[int, int],
    nowhere: Path,
) -> None:
    """Folders, files (``.md`` twice as often as ``.txt``) and links to files before and after
    them, to folders and to ``nowhere`` (dangling), all with names drawn from ``names``."""
    folders = [root]
    root.mkdir(parents=True)
    for _ in range(rng.randint(1, 8)):
        folder = rng.choice(folders) / rng.choice(names)
        if not folder.exists():
            folder.mkdir()
            folders.append(folder)
    made = []
    for _ in range(rng.randint(*files)):
        file = rng.choice(folders) / (rng.choice(names) + rng.choice([".md", ".md", ".txt"]))
        if not file.exists():
            file.write_text("x")
            made.append(file)
    for _ in range(rng.randint(*links)):
        link = rng.choice(folders) / f"{rng.choice(names)}-{rng.randint(0, 9)}.md"
        if not link.is_symlink():
            link.symlink_to(rng.choice([*made, *folders, nowhere]))
