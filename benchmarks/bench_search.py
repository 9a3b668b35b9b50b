"""Search: our index against what a competent developer would write, on the same inputs.

Baselines (each gets exactly our inputs, the same number of them):

* search: ``rapidfuzz.process.extract`` with WRatio and ``utils.default_process`` over
  title, aliases, authors, tags and description (``ExtractEngine``);
* autocomplete: WRatio over titles only (``TitleWRatioEngine``) and a prefix/word scan of
  the titles (``PrefixScanEngine``);
* index build time and memory: ``ExtractEngine``'s build, and the previous implementation
  of our own build (``PreviousBuild``, a frozen copy in
  ``benchmarks/baselines/search_build_before``, not used by the bot), on the same catalog.

One row per figure: ``ours``, the baseline's value on the same inputs (``theirs``) and
``ratio`` = how many times better ours is (theirs/ours for times and memory, ours/theirs
for hit rates). Times are CPU milliseconds per call (other processes on the machine do
not inflate them; every engine is single-threaded).

Builds are measured each in its own fresh process (``benchmarks/build_probe.py``), never
in this one. Here, a build that runs while other indexes are alive pays for them: the
cyclic garbage collector walks every live container object, and a build that does not
pause the collector (the previous build does not; ours does) walks them again and again.
Timed in one process after ours and the extract engine, the previous build looked 5.1x
slower than ours where, on an equal heap, it is ~4.2-4.5x (10k). So each probe makes
the same catalog (same seed, or the real one), warms up as ``warm_up`` does, then builds
``BUILD_REPEATS`` times (3; 1 with ``--quick``), each after ``gc.collect()`` with the
previous index deleted. The probes run one at a time, each alone, in ``BUILD_ROUNDS``
rounds (3) of one probe per engine in turn: a shared machine's speed drifts over the
minutes this takes (probe pairs run back to back gave ratios from 3.9 to 6.2), and in
turns the drift weighs on every engine alike. With two rounds, one slow stretch over both
of our probes at 100 000 entries once printed 4.7x where the runs before and after
printed 6.3x; a third round makes that far less likely. ``build ms`` is the fastest
build of all rounds, the one least disturbed by other processes (with ``--quick``, a
smoke run, one round, all probes at once). ``memory MiB`` is what the built engine keeps
(tracemalloc, in one more build in that process, so tracing does not inflate
``build ms``). The query figures use engines built here, whose build is not timed.
Top-1 / top-3 on the real catalog are reported for the tuning part of the labelled queries
and for the held-out part separately; synthetic catalogs use fresh one-typo title queries.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from benchmarks.baselines.search_build_before import PreviousSearchIndex
from bot.catalog.model import Catalog, Entry, Section
from bot.search import SearchIndex

REPO_ROOT = Path(__file__).resolve().parent.parent
CATALOG_DIR = REPO_ROOT / "catalog"
LABELLED_QUERIES = REPO_ROOT / "tests" / "unit" / "search" / "labelled_queries.yaml"
SEED = 20240601
# Timed builds per probe process, and probe processes per engine taken in turn; the row
# keeps the fastest build of all (module docstring).
BUILD_REPEATS = 3
BUILD_ROUNDS = 3
QUICK_BUILD_REPEATS = 1
# The slowest probe (previous build, 100k entries, 3 + 1 traced builds) takes ~1-2 min.
PROBE_TIMEOUT_S = 900


class Engine(Protocol):
    name: str

    def __init__(self, catalog: Catalog) -> None: ...

    def search_ids(self, query: str, limit: int) -> list[str]: ...

    def autocomplete_ids(self, text: str, limit: int) -> list[str]: ...


class OurEngine:
    name = "ours"

    def __init__(self, catalog: Catalog) -> None:
        self.index = SearchIndex.build(catalog)

    def search_ids(self, query: str, limit: int) -> list[str]:
        return [hit.entry.id for hit in self.index.search(query, limit=limit)]

    def autocomplete_ids(self, text: str, limit: int) -> list[str]:
        return [choice.value for choice in self.index.autocomplete(text, limit=limit)]


class PreviousBuild:
    """The search index build before issue 14's rework (a frozen copy; build figures only)."""

    name = "previous build (baseline copy)"

    def __init__(self, catalog: Catalog) -> None:
        self.index = PreviousSearchIndex.build(catalog)


class ExtractEngine:
    """Search as a competent developer writes it with rapidfuzz.

    ``process.extract`` with WRatio over one string per entry (title, aliases, authors,
    tags, description), both sides through ``utils.default_process``; the entries are
    processed once at build, so each query only pays for the scan.
    """

    name = "rapidfuzz extract"

    def __init__(self, catalog: Catalog) -> None:
        self.ids = [e.id for e in catalog.entries]
        self.texts = [default_process(_searchable_text(e)) for e in catalog.entries]

    def search_ids(self, query: str, limit: int) -> list[str]:
        found = process.extract(default_process(query), self.texts, scorer=fuzz.WRatio, limit=limit)
        return [self.ids[position] for _, _, position in found]

    def autocomplete_ids(self, text: str, limit: int) -> list[str]:
        return self.search_ids(text, limit)


class TitleWRatioEngine:
    """Autocomplete for a title box: WRatio over processed titles only."""

    name = "WRatio over titles"

    def __init__(self, catalog: Catalog) -> None:
        self.ids = [e.id for e in catalog.entries]
        self.titles = [default_process(e.title) for e in catalog.entries]

    def autocomplete_ids(self, text: str, limit: int) -> list[str]:
        found = process.extract(default_process(text), self.titles, scorer=fuzz.WRatio, limit=limit)
        return [self.ids[position] for _, _, position in found]


class PrefixScanEngine:
    """Autocomplete in ten lines: titles that start with the text, then a word that does."""

    name = "prefix/word scan"

    def __init__(self, catalog: Catalog) -> None:
        self.titles = [(e.id, " " + e.title.casefold()) for e in catalog.entries]

    def autocomplete_ids(self, text: str, limit: int) -> list[str]:
        needle = " " + text.casefold().strip()
        starts = [entry_id for entry_id, title in self.titles if title.startswith(needle)]
        first = set(starts)
        words = [i for i, title in self.titles if needle in title and i not in first]
        return (starts + words)[:limit]


# The engines whose build the probe processes measure, by the name given on their command line.
BUILD_ENGINES: dict[str, Callable[[Catalog], object]] = {
    "ours": OurEngine,
    "extract": ExtractEngine,
    "previous": PreviousBuild,
}


def _searchable_text(entry: Entry) -> str:
    return " ".join([entry.title, *entry.aliases, *entry.authors, *entry.tags, entry.description])


# ---------------------------------------------------------------------- synthetic catalogs


def _split(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


_MODEL_HEADS = _split(
    "Wave Spec Mel Audio Sound Music Tone Pitch Beat Chord Voice Speech Sonic Echo Harmo "
    "Rhythm Timbre Note Drum Vocal Chroma Phase Filter Band Loop Groove Tempo Score Piano Synth"
)
_MODEL_MIDS = _split("Net Former GAN Flow VAE Diff RNN Conv Trans Mix Sep Clip Bert Codec Tok Gen")
_MODEL_TAILS = ("", "", "", "-2", "-XL", "++", "-Lite", " v2", "-Pro", "-S", "-Large", "-3")
_ADJECTIVES = _split(
    "Efficient Scalable Robust Lightweight Differentiable Self-Supervised Contrastive Neural "
    "Hierarchical Adversarial Conditional Unsupervised Real-Time Multi-Scale Generative "
    "Polyphonic Universal Streaming Causal Latent Zero-Shot Few-Shot End-to-End Interpretable"
)
_NOUNS = _split(
    "Transformers Vocoders Autoencoders Embeddings Spectrograms Representations Models Networks "
    "Priors Codecs Tokenizers Filterbanks Separators Encoders Decoders Attention Diffusion"
)
_TASKS = _split(
    "Source Separation|Music Transcription|Speech Enhancement|Beat Tracking|Genre Classification|"
    "Sound Event Detection|Audio Captioning|Singing Voice Synthesis|Text-to-Speech|"
    "Speaker Verification|Chord Recognition|Music Generation|Audio Tagging|Dereverberation|"
    "Instrument Recognition|Melody Extraction|Audio Super-Resolution|Bandwidth Extension|"
    "Query by Humming|Cover Song Identification|Drum Transcription|Audio Inpainting|"
    "Acoustic Scene Classification|Keyword Spotting|Emotion Recognition|Lyrics Alignment",
    sep="|",
)
_FIRST_NAMES = _split(
    "Anna Ben Carla Diego Elena Felix Grace Hiro Ines Jonas Kai Lena Marco Nadia Omar Paula "
    "Quentin Rosa Sven Tara Umar Vera Wei Xavier Yuki Zoe Jürgen Søren Zoë Ana Élodie Łukasz"
)
_SURNAMES = _split(
    "Smith Müller Garcia Rossi Chen Kowalski Novak Dubois Tanaka Silva Jensen Ivanova Kim "
    "Andersen Moreau Costa Schmidt Nakamura Fischer Hansen Lopez Weber Becker Martin Santos "
    "Bianchi Svensson Horvat Nielsen Petrov Schäfer Ó'Briain Dvořák Öztürk Brontë Lindqvist"
)
_FILLER = _split(
    "we propose a method that improves audio quality while reducing latency on commodity "
    "hardware using learned features trained on large datasets with strong baselines and "
    "ablations showing gains across benchmarks for music speech and environmental sound"
)
_KINDS = ("paper", "paper", "paper", "dataset", "library", "tool", "tutorial", "talk", "course")


def synthetic_catalog(size: int, seed: int = SEED) -> Catalog:
    """``size`` entries with realistic names, authors, tags and URLs, the same for a seed."""
    rng = random.Random(seed)
    sections = tuple(Section(f"topic-{n:02d}", task, n) for n, task in enumerate(_TASKS, start=1))
    entries = [_synthetic_entry(rng, number, sections) for number in range(size)]
    return Catalog(sections=sections, entries=tuple(entries))


def _synthetic_entry(rng: random.Random, number: int, sections: Sequence[Section]) -> Entry:
    section = rng.choice(sections)
    model = rng.choice(_MODEL_HEADS) + rng.choice(_MODEL_MIDS) + rng.choice(_MODEL_TAILS)
    shape = rng.random()
    if shape < 0.4:
        title = f"{model}: {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} for {section.title}"
    elif shape < 0.7:
        title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} for {rng.choice(_TASKS)}"
    else:
        title = f"{model}"
    authors = tuple(
        f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)}" for _ in range(rng.randint(0, 3))
    )
    tags = tuple(
        sorted({rng.choice(_TASKS).lower().replace(" ", "-") for _ in range(rng.randint(0, 3))})
    )
    description = " ".join(rng.choice(_FILLER) for _ in range(rng.randint(10, 25))).capitalize()
    if rng.random() < 0.5:
        url = f"https://arxiv.org/abs/{rng.randint(1500, 2412)}.{rng.randint(10000, 99999)}"
    else:
        owner = rng.choice(_SURNAMES).lower()
        url = f"https://github.com/{owner}{rng.randint(1, 99)}/{model.lower()}"
    return Entry(
        id=f"entry-{number:06d}",
        title=title,
        section=section.id,
        kind=rng.choice(_KINDS),
        description=description + ".",
        url=url,
        authors=authors,
        year=rng.randint(2010, 2025),
        tags=tags,
    )


def synthetic_labelled(catalog: Catalog, count: int, seed: int = SEED) -> list[tuple[str, str]]:
    """Queries a user might type for random synthetic entries: titles with one typo.

    Only entries whose title no other entry shares are asked for: a query cannot tell
    twins apart, so their rank among each other would measure nothing.
    """
    rng = random.Random(seed + 1)
    titles = Counter(entry.title.casefold() for entry in catalog.entries)
    unique = [entry for entry in catalog.entries if titles[entry.title.casefold()] == 1]
    return [
        (_typo(rng, entry.title.lower()), entry.id)
        for entry in rng.sample(unique, min(count, len(unique)))
    ]


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 5:
        return text
    position = rng.randrange(1, len(text) - 1)
    action = rng.choice(("drop", "swap", "double"))
    if action == "drop":
        return text[:position] + text[position + 1 :]
    if action == "swap":
        return text[: position - 1] + text[position] + text[position - 1] + text[position + 1 :]
    return text[:position] + text[position] + text[position:]


def _autocomplete_inputs(catalog: Catalog, count: int, seed: int = SEED) -> list[str]:
    """What a user has typed so far: title and word prefixes, surnames, a few typos."""
    rng = random.Random(seed + 2)
    inputs: list[str] = []
    entries = list(catalog.entries)
    for _ in range(count):
        entry = rng.choice(entries)
        roll = rng.random()
        if roll < 0.6:
            text = entry.title[: rng.randint(1, 14)]
        elif roll < 0.8:
            word = rng.choice(entry.title.split())
            text = word[: rng.randint(1, len(word))]
        elif roll < 0.9 and entry.authors:
            text = rng.choice(entry.authors).split()[-1][: rng.randint(2, 8)]
        else:
            text = _typo(rng, entry.title[:10].lower())
        inputs.append(text)
    return inputs


# ---------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Workload:
    """One catalog and its inputs; every engine gets exactly these, the same number."""

    name: str
    source: str  # what ``catalog_for`` makes this catalog from: "real" or a synthetic size
    catalog: Catalog
    labelled: dict[str, list[tuple[str, str]]]  # part name -> (query, expected id)
    search_inputs: list[str]
    autocomplete_inputs: list[str]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def _timed_calls(call: Callable[[str], Any], inputs: Sequence[str]) -> list[float]:
    """CPU milliseconds per call: other processes on a shared machine do not inflate them."""
    return _timed_answers(call, inputs)[0]


def _timed_answers(
    call: Callable[[str], list[str]], inputs: Sequence[str]
) -> tuple[list[float], dict[str, list[str]]]:
    """CPU milliseconds per call, and each input's answer (so hit rates need no re-run:
    a baseline scan at 100 000 entries costs seconds per query)."""
    samples, answers = [], {}
    for text in inputs:
        started = time.process_time()
        answers[text] = call(text)
        samples.append((time.process_time() - started) * 1000)
    return samples, answers


def _start_probe(engine_key: str, source: str, repeats: int) -> subprocess.Popen[str]:
    """A fresh process building ``engine_key``'s index on ``source`` (build_probe.py)."""
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.build_probe", engine_key, source, str(repeats)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _probe_figures(probe: subprocess.Popen[str]) -> tuple[float, float]:
    """A probe's build CPU milliseconds (fastest of its builds) and the MiB the index keeps."""
    try:
        stdout, stderr = probe.communicate(timeout=PROBE_TIMEOUT_S)
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait()
    if probe.returncode != 0:
        raise RuntimeError(f"build probe {probe.args!r} failed:\n{stderr[-2000:]}")
    report = json.loads(stdout.strip().splitlines()[-1])
    return float(report["build_ms"]), float(report["memory_mib"])


ProbeFigures = Callable[[str, str], tuple[float, float]]  # (engine key, source) -> figures


def _one_probe_at_a_time(repeats: int) -> ProbeFigures:
    """Probes run alone, one after the other: no probe's build shares the CPUs with another."""
    return lambda key, source: _probe_figures(_start_probe(key, source, repeats))


@contextmanager
def _all_probes_at_once(sources: Sequence[str], repeats: int) -> Iterator[ProbeFigures]:
    """Every probe started at once (for ``--quick``, a smoke run whose figures nobody reads:
    the ~1 s each spends starting up overlaps instead of adding up)."""
    started = {
        (key, source): _start_probe(key, source, repeats)
        for source in sources
        for key in BUILD_ENGINES
    }
    try:
        yield lambda key, source: _probe_figures(started[key, source])
    finally:
        for probe in started.values():
            if probe.poll() is None:
                probe.kill()
            probe.communicate()


def _hit_rates(
    answers: dict[str, list[str]], labelled: Sequence[tuple[str, str]]
) -> tuple[float, float]:
    """Top-1 / top-3 from the timed run's top-10 answers (the first three of ten are the
    top three: checked for both engines when this was written)."""
    top1 = top3 = 0
    for query, expected in labelled:
        found = answers[query][:3]
        top1 += bool(found) and found[0] == expected
        top3 += expected in found
    total = max(1, len(labelled))
    return top1 / total, top3 / total


def _row(
    load: Workload, figure: str, inputs: int, ours: float, baseline: str, theirs: float | None
) -> dict[str, Any]:
    """One line: our figure, the baseline's on the same inputs, and how many times better.

    For times and memory the ratio is theirs / ours (above 1: we are faster or smaller);
    for hit rates it is ours / theirs (above 1: we find more).
    """
    lower_is_better = figure.endswith(("ms", "MiB"))
    ratio = None
    if theirs is not None:
        ratio = theirs / max(ours, 1e-6) if lower_is_better else ours / max(theirs, 1e-6)
    return {
        "catalog": load.name,
        "figure": figure,
        "inputs": inputs,
        "ours": round(ours, 3),
        "baseline": baseline,
        "theirs": None if theirs is None else round(theirs, 3),
        # Two decimals: a ratio of 4.95 must not read as 5.0 against a target of 5.
        "ratio": None if ratio is None else round(ratio, 2 if ratio >= 1 else 3),
    }


def _build_rows(load: Workload, probe: ProbeFigures, rounds: int = 1) -> list[dict[str, Any]]:
    """Build time and memory of ours against each baseline, every build in its own process.

    In ``rounds`` rounds, each engine probed once per round in turn, so that a machine
    that speeds up or slows down over the minutes this takes weighs on every engine alike;
    ``build ms`` is the fastest build of all rounds.
    """
    size = len(load.catalog)
    figures: dict[str, list[tuple[float, float]]] = {key: [] for key in BUILD_ENGINES}
    for _ in range(rounds):
        for key in BUILD_ENGINES:
            figures[key].append(probe(key, load.source))
    ours_build = min(build for build, _ in figures["ours"])
    ours_memory = figures["ours"][0][1]
    rows = []
    for key, engine_type in (("extract", ExtractEngine), ("previous", PreviousBuild)):
        theirs_build = min(build for build, _ in figures[key])
        theirs_memory = figures[key][0][1]
        rows.append(_row(load, "build ms", size, ours_build, engine_type.name, theirs_build))
        rows.append(_row(load, "memory MiB", size, ours_memory, engine_type.name, theirs_memory))
    return rows


def _measure(load: Workload, probe: ProbeFigures, rounds: int = 1) -> list[dict[str, Any]]:
    """Every row for one workload, the build rows first. The queries run first, so their
    engines are gone before the probes run (and, with ``--quick``, run while the probes
    start up)."""
    queries = _query_rows(load)
    return _build_rows(load, probe, rounds) + queries


def _query_rows(load: Workload) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    # Built here for the queries only: these builds are not timed (module docstring).
    ours, extract = OurEngine(load.catalog), ExtractEngine(load.catalog)
    inputs, searches = load.search_inputs, len(load.search_inputs)
    mine_samples, mine_answers = _timed_answers(lambda q: ours.search_ids(q, 10), inputs)
    theirs_samples, theirs_answers = _timed_answers(lambda q: extract.search_ids(q, 10), inputs)
    mine, theirs = _percentiles(mine_samples), _percentiles(theirs_samples)
    for label, position in (("p50", 0), ("p99", 1)):
        rows.append(
            _row(
                load, f"search {label} ms", searches, mine[position], extract.name, theirs[position]
            )
        )
    for part, labelled in load.labelled.items():
        ours_rates = _hit_rates(mine_answers, labelled)
        theirs_rates = _hit_rates(theirs_answers, labelled)
        for rank, position in (("top-1", 0), ("top-3", 1)):
            rows.append(
                _row(
                    load,
                    f"{rank} {part}",
                    len(labelled),
                    ours_rates[position],
                    ExtractEngine.name,
                    theirs_rates[position],
                )
            )
    rows += _measure_autocomplete(load, ours)
    return rows


def _measure_autocomplete(load: Workload, ours: Engine) -> list[dict[str, Any]]:
    inputs = load.autocomplete_inputs
    mine = _percentiles(_timed_calls(lambda t: ours.autocomplete_ids(t, 25), inputs))
    rows = []
    for engine in (TitleWRatioEngine(load.catalog), PrefixScanEngine(load.catalog)):
        theirs = _percentiles(_timed_calls(lambda t, e=engine: e.autocomplete_ids(t, 25), inputs))
        rows.append(_row(load, "autocomplete p50 ms", len(inputs), mine[0], engine.name, theirs[0]))
        rows.append(_row(load, "autocomplete p99 ms", len(inputs), mine[1], engine.name, theirs[1]))
    return rows


def real_labelled() -> dict[str, list[tuple[str, str]]]:
    """The hand-written labelled queries, split as the file marks them: tuning, held-out."""
    if not LABELLED_QUERIES.exists():
        return {}
    data = yaml.safe_load(LABELLED_QUERIES.read_text(encoding="utf-8")) or {}
    parts: dict[str, list[tuple[str, str]]] = {"tuning": [], "held-out": []}
    for item in data.get("queries", []):
        part = "held-out" if item.get("held_out") is True else "tuning"
        parts[part].append((str(item["query"]), str(item["expect"])))
    return parts


def catalog_for(source: str) -> Catalog:
    """The catalog a workload and its build probes use: "real" or a synthetic size."""
    if source == "real":
        from bot.catalog.loader import load_catalog

        return load_catalog(CATALOG_DIR)
    return synthetic_catalog(int(source))


def _real_workload(quick: bool) -> Workload | None:
    if not (CATALOG_DIR / "entries").is_dir() or not any((CATALOG_DIR / "entries").iterdir()):
        return None
    catalog = catalog_for("real")
    labelled = real_labelled()
    queries = [query for part in labelled.values() for query, _ in part]
    return Workload(
        name="real",
        source="real",
        catalog=catalog,
        labelled=labelled,
        search_inputs=queries * (1 if quick else 5),
        autocomplete_inputs=_autocomplete_inputs(catalog, 30 if quick else 2000),
    )


# Inputs per size, the same for every engine: the scans cost up to ~1 s a call at 100k,
# so the big catalogs get fewer inputs to keep `make bench` to a few minutes.
SEARCHES = {10_000: 150, 100_000: 30}
KEYSTROKES = {10_000: 300, 100_000: 60}


def _synthetic_workload(size: int, quick: bool) -> Workload:
    catalog = catalog_for(str(size))
    labelled = synthetic_labelled(catalog, 10 if quick else SEARCHES.get(size, 200))
    return Workload(
        name=f"synthetic-{size // 1000}k" if size >= 1000 else f"synthetic-{size}",
        source=str(size),
        catalog=catalog,
        labelled={"typo": labelled},
        search_inputs=[query for query, _ in labelled],
        autocomplete_inputs=_autocomplete_inputs(catalog, 30 if quick else KEYSTROKES[size]),
    )


def warm_up() -> None:
    """Build every engine once on a tiny catalog, so no measured build pays for first
    imports, compiled patterns or empty caches that another then finds ready (each build
    probe process runs this too, before its timed builds)."""
    small = synthetic_catalog(50, seed=SEED + 3)
    for engine_type in BUILD_ENGINES.values():
        engine_type(small)


def run(quick: bool) -> list[dict[str, Any]]:
    warm_up()
    loads: list[Workload] = []
    real = _real_workload(quick)
    if real is not None:
        loads.append(real)
    sizes = (500,) if quick else (10_000, 100_000)
    loads += [_synthetic_workload(size, quick) for size in sizes]
    if not quick:
        probe = _one_probe_at_a_time(BUILD_REPEATS)
        return [row for load in loads for row in _measure(load, probe, BUILD_ROUNDS)]
    with _all_probes_at_once([load.source for load in loads], QUICK_BUILD_REPEATS) as probe:
        return [row for load in loads for row in _measure(load, probe)]
