"""A small hand-made catalog shaped like the real one, for tests that must not depend on it."""

from __future__ import annotations

import pytest

from bot.catalog.model import Catalog, Entry, Link, Section
from bot.search import SearchIndex

SECTIONS = (
    Section("key-papers", "Key Papers / Codes", 1),
    Section("libraries", "Packages & Libraries", 2),
    Section("datasets", "Datasets (raw audio)", 3),
    Section("talks", "Talks (at conferences)", 4),
    Section("conferences", "Conferences", 5),
    Section("conferences-audio", "Audio-Specific", 6, parent="conferences"),
    Section("journals", "Journals", 7),
    Section("reference", "General Reference Information", 8),
    Section("signal-processing", "Signal Processing Topics", 9),
    Section("books", "Books", 10),
)


def _paper(id_: str, title: str, url: str, **extra: object) -> Entry:
    return Entry(
        id=id_,
        title=title,
        section="key-papers",
        kind="paper",
        description=str(extra.pop("description", "A landmark paper.")),
        url=url,
        **extra,
    )  # type: ignore[arg-type]


ENTRIES = (
    _paper(
        "wavenet",
        "WaveNet: A Generative Model for Raw Audio",
        "https://arxiv.org/abs/1609.03499",
        year=2016,
        aliases=("WaveNet",),
        authors=("Aäron van den Oord", "Sander Dieleman"),
        tags=("audio-synthesis",),
        description="Autoregressive dilated convolutions that generate raw audio.",
    ),
    _paper(
        "samplernn",
        "SampleRNN",
        "https://arxiv.org/abs/1612.07837",
        year=2016,
        tags=("audio-synthesis",),
        description="An unconditional end-to-end neural audio generation model.",
    ),
    _paper(
        "wavernn",
        "WaveRNN: Efficient Neural Audio Synthesis",
        "https://arxiv.org/abs/1802.08435",
        year=2018,
        tags=("audio-synthesis",),
    ),
    _paper(
        "wave-u-net",
        "Wave-U-Net",
        "https://arxiv.org/pdf/1806.03185.pdf",
        year=2018,
        tags=("source-separation",),
        description="A multi-scale network for end-to-end audio source separation.",
    ),
    Entry(
        "wavegan-demo",
        "WaveGAN Demo",
        "key-papers",
        "demo",
        "Chris Donahue's browser demo of GAN-generated audio.",
        url="https://chrisdonahue.com/wavegan/",
        authors=("Chris Donahue",),
    ),
    Entry(
        "librosa",
        "Librosa",
        "libraries",
        "library",
        "Python package for music and audio analysis.",
        url="https://librosa.org/",
        tags=("python", "audio-analysis"),
    ),
    Entry(
        "audiomentations",
        "Audiomentations",
        "libraries",
        "library",
        "Data augmentation for audio in Python.",
        url="https://github.com/iver56/audiomentations",
        tags=("data-augmentation",),
    ),
    Entry(
        "gtzan",
        "GTZAN Genre Collection",
        "datasets",
        "dataset",
        "Thirty-second clips in ten genres; a classic for genre classification.",
        url="http://marsyas.info/downloads/datasets.html",
        links=(Link("Critique by Bob Sturm", "https://arxiv.org/abs/1306.1461"),),
    ),
    Entry(
        "nsynth",
        "NSynth",
        "datasets",
        "dataset",
        "Musical instrument notes from Magenta.",
        url="https://magenta.tensorflow.org/datasets/nsynth",
    ),
    Entry(
        "smaragdis-sane-2015",
        "NMF? Neural Nets? It's all the same...",
        "talks",
        "talk",
        "Paris Smaragdis on matrix factorisation and neural networks.",
        url="https://www.youtube.com/watch?v=wfmpViJIjWw",
        authors=("Paris Smaragdis",),
        venue="SANE 2015",
    ),
    Entry(
        "pons-few-data",
        "Training neural audio classifiers with few data",
        "talks",
        "talk",
        "How to train audio classifiers when labels are scarce.",
        url="https://www.youtube.com/watch?v=AJ-XM07wSjg",
        authors=("Jordi Pons",),
    ),
    Entry(
        "ismir",
        "International Society for Music Information Retrieval Conference",
        "conferences-audio",
        "conference",
        "The main venue for MIR research.",
        aliases=("ISMIR",),
    ),
    Entry(
        "taslp",
        "IEEE/ACM Transactions on Audio, Speech, and Language Processing",
        "journals",
        "journal",
        "The IEEE journal for audio and speech.",
        aliases=("TASLP",),
    ),
    Entry(
        "mir-notes",
        "Notes on Music Information Retrieval",
        "reference",
        "reference",
        "Jupyter notebooks on music information retrieval.",
        url="https://musicinformationretrieval.com/",
    ),
    Entry(
        "adsp",
        "Advanced Digital Signal Processing",
        "signal-processing",
        "course",
        "Lectures with notebooks.",
        url="https://github.com/GuitarsAI/ADSP_Tutorials",
        authors=("Gerald Schuller", "Renato Profeta"),
    ),
    Entry(
        "audio-ml-twitter",
        "Audio ML Twitter list",
        "reference",
        "community",
        "People to follow.",
        url="https://twitter.com/i/lists/1260142677884121088",
        authors=("Fabian-Robert Stöter",),
    ),
    Entry(
        "schmidhuber-books",
        "Books recommended by Jürgen Schmidhuber",
        "books",
        "book",
        "A demanding reading list.",
        authors=("Jürgen Schmidhuber",),
    ),
)


@pytest.fixture(scope="session")
def small_catalog() -> Catalog:
    return Catalog(sections=SECTIONS, entries=ENTRIES)


@pytest.fixture(scope="session")
def small_index(small_catalog: Catalog) -> SearchIndex:
    return SearchIndex.build(small_catalog)
