"""``catalog render``: the catalog as one Markdown page shaped like the seed reading list."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from bot.catalog.loader import load_catalog
from bot.catalog.model import Catalog, Entry, Link, Section
from bot.catalog.render import render_entry, render_markdown
from bot.catalog.urls import normalize_url
from bot.cli import main
from tests.shared_data import REPO_ROOT, shared_path

CATALOG_OK = REPO_ROOT / "tests" / "fixtures" / "catalog_ok"

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
LINK_TARGET = re.compile(r"\]\(<?([^)\s>]+)>?\)")
BARE_URL = re.compile(r"https?://[^\s)\]>]+")
# Typos of the seed page that the catalog corrects (documented in catalog/sections.yaml).
SEED_TYPOS = {"practictioners": "practitioners", "retreival": "retrieval"}
# The seed's one link without a scheme.
SEED_URL_FIXES = {
    "serv.cusp.nyu.edu/projects/urbansounddataset": "http://serv.cusp.nyu.edu/projects/urbansounddataset"
}


def heading_tokens(title: str) -> frozenset[str]:
    """Words of a heading, case- and punctuation-blind, typos fixed, plurals folded."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    words = [SEED_TYPOS.get(word, word) for word in words if word != "and"]
    return frozenset(word[:-1] if len(word) > 3 and word.endswith("s") else word for word in words)


def urls_under_headings(markdown: str) -> list[tuple[str, str]]:
    """(nearest heading above, normalised URL) for every link of a Markdown page."""
    found = []
    heading = ""
    for line in markdown.splitlines():
        match = HEADING.match(line)
        if match:
            heading = match[2]
            continue
        urls = set(LINK_TARGET.findall(line))
        # Bare URLs, minus sentence punctuation that follows them in the seed.
        urls |= {url.rstrip(".,:;") for url in BARE_URL.findall(line)}
        for url in sorted(urls):
            found.append((heading, normalize_url(SEED_URL_FIXES.get(url, url))))
    return found


def match_heading(seed_heading: str, titles: list[str]) -> str | None:
    """The catalog section title for a seed heading: same words, else the one title that
    contains all of them (the catalog may say "About This Reading List" for "About")."""
    seed = heading_tokens(seed_heading)
    same = [title for title in titles if heading_tokens(title) == seed]
    if len(same) == 1:
        return same[0]
    wider = [title for title in titles if seed <= heading_tokens(title)]
    return wider[0] if len(wider) == 1 else None


def test_sections_nest_by_heading_level_with_blurbs_and_entries() -> None:
    page = render_markdown(load_catalog(CATALOG_OK))
    lines = page.splitlines()

    assert lines[0] == "# Getting Started in ML-Audio"
    headings = [line for line in lines if line.startswith("#")]
    assert headings == [
        "# Getting Started in ML-Audio",
        "## About",
        "## Key Papers / Codes",
        "## Datasets (raw audio)",
        "## DIY Audio Dataset-Making",
        "### Searchable resources",
        "### Other DIY Audio Dataset Tricks",
    ]
    about = lines.index("## About")
    assert lines[about + 2] == "Suggestions for students who start in machine learning for audio."
    assert "- [FreeSound](https://freesound.org/) — A collaborative database of Creative " in page


def test_entry_bullet_carries_authors_venue_year_and_extra_links() -> None:
    catalog = load_catalog(CATALOG_OK)
    wavenet, gtzan = catalog.entry("wavenet"), catalog.entry("gtzan")
    assert wavenet is not None
    assert gtzan is not None

    assert render_entry(wavenet) == (
        "- [WaveNet](https://arxiv.org/pdf/1609.03499.pdf) (Aäron van den Oord, Sander Dieleman, "
        "arXiv 2016) — A generative model of raw audio waveforms: one sample at a time."
    )
    assert render_entry(gtzan).endswith(
        "genre recognition. Links: [critique by Bob Sturm](https://arxiv.org/abs/1306.1461)."
    )


def test_entry_without_url_is_plain_text() -> None:
    catalog = load_catalog(CATALOG_OK)
    tip = catalog.entry("midi-samples")
    assert tip is not None
    assert render_entry(tip) == (
        "- Use samples from virtual instruments — Depending on the application, samples "
        "rendered from MIDI may do."
    )


def test_cross_listed_entry_is_rendered_in_each_of_its_sections() -> None:
    page = render_markdown(load_catalog(CATALOG_OK))
    found = urls_under_headings(page)
    critique = normalize_url("https://arxiv.org/abs/1306.1461")

    headings = [heading for heading, url in found if url == critique]
    # In its own section, and in Datasets both cross-listed and as GTZAN's extra link.
    assert headings == ["Key Papers / Codes", "Datasets (raw audio)", "Datasets (raw audio)"]
    datasets = page.split("## Datasets (raw audio)")[1]
    # The section's own entries come before those cross-listed from elsewhere.
    assert datasets.index("[GTZAN Genre Collection]") < datasets.index("[The GTZAN dataset")


def test_many_authors_are_shortened_and_markdown_is_escaped() -> None:
    entry = Entry(
        id="wiki",
        title="Gradient descent [Wikipedia]",
        section="maths",
        kind="reference",
        description="The article.",
        url="https://en.wikipedia.org/wiki/Gradient_(disambiguation)",
        authors=("A", "B", "C", "D"),
        year=2020,
        links=(Link("talk (video)", "https://example.org/a_(b)"),),
    )
    assert render_entry(entry) == (
        r"- [Gradient descent \[Wikipedia\]](<https://en.wikipedia.org/wiki/Gradient_(disambiguation)>)"
        " (A et al., 2020) — The article. Links: [talk (video)](<https://example.org/a_(b)>)."
    )


def test_deep_sections_stop_at_the_smallest_heading() -> None:
    sections = tuple(
        Section(f"s{level}", f"Level {level}", level, parent=f"s{level - 1}" if level else None)
        for level in range(7)
    )
    page = render_markdown(Catalog(sections, ()))
    assert "###### Level 4" in page
    assert "###### Level 6" in page
    assert "#######" not in page


def test_cli_render_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "catalog.md"

    assert main(["catalog", "render", str(CATALOG_OK), "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == render_markdown(load_catalog(CATALOG_OK))

    assert main(["catalog", "render", str(CATALOG_OK)]) == 0
    assert capsys.readouterr().out == output.read_text(encoding="utf-8")


def test_cli_render_refuses_a_broken_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    broken = REPO_ROOT / "tests" / "fixtures" / "catalog_broken" / "duplicate-key"

    assert main(["catalog", "render", str(broken)]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert "papers.yaml:7: duplicate key 'title'" in err
    assert err.rstrip().endswith("nothing rendered: fix the problems above first")


@pytest.fixture(scope="module")
def real_catalog() -> Catalog:
    catalog_dir = REPO_ROOT / "catalog"
    return load_catalog(catalog_dir)


def test_every_seed_link_is_rendered_under_the_seed_heading(real_catalog: Catalog) -> None:
    seed = shared_path("catalogs", "ml-audio-start", "README.pr8-head.md").read_text("utf-8")
    page = render_markdown(real_catalog)
    titles = [section.title for section in real_catalog.sections]
    rendered: dict[str, set[str]] = defaultdict(set)
    for heading, url in urls_under_headings(page):
        rendered[url].add(heading)

    unmatched_headings = set()
    misplaced = []
    for seed_heading, url in urls_under_headings(seed):
        title = match_heading(seed_heading, titles)
        if title is None:
            unmatched_headings.add(seed_heading)
        elif title not in rendered[url]:
            where = sorted(rendered[url]) or "nowhere"
            misplaced.append(f"{url}: seed heading {seed_heading!r}, rendered under {where}")

    assert sorted(unmatched_headings) == []
    assert misplaced == []


def test_the_seed_is_read_as_expected() -> None:
    """Guards the test above: the seed parser finds the links it must check."""
    seed = shared_path("catalogs", "ml-audio-start", "README.pr8-head.md").read_text("utf-8")
    found = urls_under_headings(seed)
    assert len({url for _, url in found}) >= 85
    assert ("Datasets (raw audio)", "https://serv.cusp.nyu.edu/projects/urbansounddataset") in found
    assert ("Searchable resources:", "https://freesound.org") in found
    assert ("Audio-Specific", "https://conferences.smcnetwork.org") in found
