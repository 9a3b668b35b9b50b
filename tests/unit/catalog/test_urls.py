"""URL normalisation: two spellings of one page compare equal, different pages do not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog.urls import arxiv_id, normalize_url


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("http://example.org/a", "https://example.org/a"),
        ("https://www.example.org/a", "https://example.org/a"),
        ("https://example.org/a/", "https://example.org/a"),
        ("https://example.org/", "https://example.org"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org:80/a", "https://example.org/a"),
        ("https://Example.ORG/a", "https://example.org/a"),
        ("HTTPS://example.org/a#", "https://example.org/a"),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("https://example.org/%7Euser", "https://example.org/~user"),
        ("https://example.org/a%2fb", "https://example.org/a%2Fb"),
        ("https://example.org/jürgen", "https://example.org/j%C3%BCrgen"),
        (
            "https://benanne.github.io/2020/03/24/audio-generation.html?fbclid=IwAR3nw8",
            "https://benanne.github.io/2020/03/24/audio-generation.html",
        ),
        ("https://example.org/a?utm_source=x&q=1", "https://example.org/a?q=1"),
        # arXiv: abstract, PDF, ".pdf" and version suffixes name the same paper.
        ("https://arxiv.org/pdf/1609.03499.pdf", "https://arxiv.org/abs/1609.03499v2"),
        ("http://arxiv.org/abs/1609.03499", "https://www.arxiv.org/pdf/1609.03499v1"),
        ("https://export.arxiv.org/abs/1609.03499", "https://arxiv.org/abs/1609.03499/"),
        ("https://arxiv.org/abs/cs/0112017v3", "https://arxiv.org/pdf/cs/0112017"),
    ],
)
def test_spellings_of_one_page_normalise_together(first: str, second: str) -> None:
    assert normalize_url(first) == normalize_url(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://example.org/a", "https://example.org/b"),
        ("https://example.org/A", "https://example.org/a"),  # paths are case-sensitive
        ("https://example.org/a?q=1", "https://example.org/a?q=2"),
        ("https://example.org:8080/a", "https://example.org/a"),
        ("https://bloomberg.github.io/foml/#home", "https://bloomberg.github.io/foml/#people"),
        ("https://arxiv.org/abs/1609.03499", "https://arxiv.org/abs/1609.03490"),
        ("https://arxiv.org/abs/1606.00298", "https://arxiv.org/abs/1606.00298.1"),
        ("https://example.org/abs/1609.03499", "https://arxiv.org/abs/1609.03499"),
        ("https://wwwexample.org/a", "https://example.org/a"),
    ],
)
def test_different_pages_stay_apart(first: str, second: str) -> None:
    assert normalize_url(first) != normalize_url(second)


def test_arxiv_id_is_read_from_abs_and_pdf_links() -> None:
    assert arxiv_id("https://arxiv.org/pdf/1806.03185.pdf") == "1806.03185"
    assert arxiv_id("https://arxiv.org/abs/1306.1461v4") == "1306.1461"
    assert arxiv_id("https://magenta.tensorflow.org/gansynth") is None


def test_text_that_is_no_http_url_is_only_stripped() -> None:
    assert normalize_url(" serv.cusp.nyu.edu/projects/x ") == "serv.cusp.nyu.edu/projects/x"
    assert normalize_url("ftp://Example.org/") == "ftp://Example.org/"
    assert normalize_url("https://") == "https://"


# Hypothesis: URLs built from the parts that normalisation cares about.
_hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,6}){1,2}", fullmatch=True)
_paths = st.lists(st.from_regex(r"[A-Za-z0-9._~-]{1,8}", fullmatch=True), max_size=4)
_arxiv_ids = st.from_regex(r"[0-9]{4}\.[0-9]{4,5}", fullmatch=True)


@given(st.text(max_size=80))
def test_normalising_any_text_twice_changes_nothing(text: str) -> None:
    once = normalize_url(text)
    assert normalize_url(once) == once


@given(
    host=_hosts,
    path=_paths,
    scheme=st.sampled_from(["http", "https", "HTTP", "Https"]),
    www=st.booleans(),
    port=st.sampled_from(["", ":80", ":443"]),
    slash=st.booleans(),
    upper=st.booleans(),
)
def test_variants_of_a_url_map_together(
    host: str, path: list[str], scheme: str, www: bool, port: str, slash: bool, upper: bool
) -> None:
    tail = "/" + "/".join(path) if path else ""
    canonical = f"https://{host}{tail}"
    shown_host = ("WWW." if upper else "www.") * www + (host.upper() if upper else host)
    variant = f"{scheme}://{shown_host}{port}{tail}{'/' if slash else ''}"
    assert normalize_url(variant) == normalize_url(canonical)
    assert normalize_url(normalize_url(variant)) == normalize_url(variant)


@given(
    paper=_arxiv_ids,
    form=st.sampled_from(["abs/{}", "pdf/{}", "pdf/{}.pdf", "abs/{}v3", "pdf/{}v12.pdf"]),
    host=st.sampled_from(["arxiv.org", "www.arxiv.org", "export.arxiv.org"]),
)
def test_arxiv_spellings_map_to_the_abstract(paper: str, form: str, host: str) -> None:
    assert normalize_url(f"http://{host}/{form.format(paper)}") == f"https://arxiv.org/abs/{paper}"


@given(first=_arxiv_ids, second=_arxiv_ids)
def test_distinct_arxiv_ids_stay_distinct(first: str, second: str) -> None:
    same = normalize_url(f"https://arxiv.org/abs/{first}v1") == normalize_url(
        f"https://arxiv.org/pdf/{second}.pdf"
    )
    assert same == (first == second)
