"""The start-up baseline for ``ml-audio-bot search``: the command a competent developer would
write first. Not used by the bot; ``bench_startup`` runs it as a whole process.

It loads every catalog file with PyYAML (``safe_load``'s loader, libyaml's when installed,
which is the faster of the two) and ranks the titles with rapidfuzz ``process.extract``
(WRatio, ``default_process``): no validation, no index, no typo tables.

    python benchmarks/naive_search.py CATALOG_DIR QUERY...
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils

LIMIT = 10


def main(argv: list[str]) -> int:
    root, query = Path(argv[0]), " ".join(argv[1:])
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    yaml.load((root / "sections.yaml").read_bytes(), Loader=loader)
    titles = []
    for path in sorted((root / "entries").glob("*.yaml")):
        document = yaml.load(path.read_bytes(), Loader=loader)
        titles += [entry["title"] for entry in document["entries"]]
    found = process.extract(
        query, titles, scorer=fuzz.WRatio, processor=utils.default_process, limit=LIMIT
    )
    for number, (title, score, _) in enumerate(found, start=1):
        print(f"{number}. {title}  (score {score:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
