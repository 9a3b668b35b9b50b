"""The quick path for plain addresses reads host and path exactly as ``urlsplit`` does."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.search import normalise as norm

# Characters that change how an address splits: separators, user, port, brackets, percent,
# whitespace ``urlsplit`` deletes or strips, upper case, and letters beyond ASCII.
TRICKY = "aZ09.-_~/?#:@[]%! \t\n\r\x00é"
SCHEMES = ("https://", "http://", "HTTPS://", "Http://", "ftp://", "//", "", " https://")


@settings(max_examples=600, deadline=None)
@given(
    scheme=st.sampled_from(SCHEMES),
    host=st.text(alphabet=TRICKY, max_size=12),
    rest=st.text(alphabet=TRICKY, max_size=16),
)
@example(scheme="https://", host="GitHub.com", rest="/iver56/audiomentations?tab=readme")
@example(scheme="https://", host="", rest="/path")
@example(scheme="https://", host="a.org", rest="#x?y/z")
@example(scheme="https://", host="a.org", rest="/p\tq")
@example(scheme="https://", host="user@a.org:80", rest="/")
def test_plain_addresses_split_as_urlsplit_splits_them(scheme: str, host: str, rest: str) -> None:
    url = scheme + host + rest
    assert norm.url_host_and_path(url) == norm._split_url(url.strip())


def test_catalog_style_addresses_take_the_quick_path() -> None:
    url = "https://github.com/iver56/audiomentations"
    assert norm._PLAIN_URL_RE.fullmatch(url) is not None
    assert norm.url_host_and_path(url) == ("github.com", "/iver56/audiomentations")
