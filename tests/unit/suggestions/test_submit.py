"""Proposing: duplicates, similar titles, per-user limits, blocklist, anonymity, edits."""

from __future__ import annotations

import asyncio

import pytest

from bot.clock import FakeClock
from bot.suggestions import Status, SuggestionService
from bot.suggestions.outcomes import (
    AlreadySuggested,
    Created,
    Decided,
    Edited,
    InCatalog,
    Invalid,
    Refused,
    SimilarTitles,
)
from tests.unit.suggestions.conftest import (
    ALICE,
    BOB,
    GUILD,
    MAINTAINER,
    OTHER_GUILD,
    ServiceFactory,
    draft,
)


async def create(service: SuggestionService, author: int = ALICE, n: int = 0, **kw: str) -> int:
    d = draft(title=f"Resource number {n} about spectrograms", url=f"https://example{n}.org/", **kw)
    outcome = await service.submit(GUILD, author, d, confirm_similar=True)
    assert isinstance(outcome, Created), outcome
    return outcome.suggestion.id


async def test_a_valid_suggestion_is_stored_pending_with_an_audit_row(
    service: SuggestionService,
) -> None:
    outcome = await service.submit(GUILD, ALICE, draft())
    assert isinstance(outcome, Created)
    s = outcome.suggestion
    assert (s.guild_id, s.author_id, s.status, s.kind) == (GUILD, ALICE, Status.PENDING, "paper")
    events = await service.store.audit_log(suggestion_id=s.id)
    assert [(e.actor_id, e.action) for e in events] == [(ALICE, "created")]


async def test_invalid_input_keeps_the_cleaned_text_and_stores_nothing(
    service: SuggestionService,
) -> None:
    outcome = await service.submit(GUILD, ALICE, draft(url="javascript:alert(1)", title=" x  y "))
    assert isinstance(outcome, Invalid)
    assert outcome.draft.title == "x y"
    assert outcome.draft.url == "javascript:alert(1)"  # kept so the member can fix it
    assert "only http:// and https://" in outcome.message
    assert (await service.store.page(GUILD))[1] == 0


@pytest.mark.parametrize(
    "spelling",
    [
        "http://arxiv.org/abs/1609.03499",
        "https://arxiv.org/abs/1609.03499v2",
        "https://www.arxiv.org/pdf/1609.03499",
        "https://arxiv.org/pdf/1609.03499.pdf",
        "https://arxiv.org/abs/1609.03499/",
    ],
)
async def test_arxiv_pdf_abs_and_versions_of_a_catalog_paper_are_refused(
    service: SuggestionService, spelling: str
) -> None:
    outcome = await service.submit(GUILD, ALICE, draft(url=spelling))
    assert isinstance(outcome, InCatalog)
    assert outcome.entry.id == "wavenet"


@pytest.mark.parametrize(
    "spelling",
    [
        "https://neuralnetworksanddeeplearning.com",
        "http://www.neuralnetworksanddeeplearning.com/",
        "HTTPS://NeuralNetworksAndDeepLearning.com/?utm_source=discord",
    ],
)
async def test_catalog_url_in_another_spelling_is_refused(
    service: SuggestionService, spelling: str
) -> None:
    outcome = await service.submit(GUILD, ALICE, draft(url=spelling, title="Some other name"))
    assert isinstance(outcome, InCatalog)
    assert outcome.entry.id == "nndl-book"


async def test_same_url_as_a_pending_suggestion_points_to_it(service: SuggestionService) -> None:
    first = await service.submit(GUILD, ALICE, draft())
    assert isinstance(first, Created)
    again = await service.submit(
        GUILD, BOB, draft(url="http://www.arxiv.org/pdf/1905.00078v1", title="Other title")
    )
    assert isinstance(again, AlreadySuggested)
    assert again.suggestion.id == first.suggestion.id
    # Another server has its own suggestions.
    assert isinstance(await service.submit(OTHER_GUILD, BOB, draft()), Created)


async def test_a_similar_title_is_a_warning_the_member_may_confirm(
    service: SuggestionService,
) -> None:
    d = draft(title="Wavenet generative model raw audio", url="https://deepmind.example/wavenet")
    warned = await service.submit(GUILD, ALICE, d)
    assert isinstance(warned, SimilarTitles)
    assert [c.entry_id for c in warned.candidates] == ["wavenet"]
    assert (await service.store.page(GUILD))[1] == 0
    confirmed = await service.submit(GUILD, ALICE, d, confirm_similar=True)
    assert isinstance(confirmed, Created)


async def test_similar_pending_suggestion_titles_are_listed(service: SuggestionService) -> None:
    first = await service.submit(GUILD, ALICE, draft())
    assert isinstance(first, Created)
    warned = await service.submit(
        GUILD, BOB, draft(title="Deep learning for audio signal processing!", url="https://b.org/")
    )
    assert isinstance(warned, SimilarTitles)
    assert [c.suggestion_id for c in warned.candidates] == [first.suggestion.id]


async def test_five_pending_per_member_then_a_clear_refusal(service: SuggestionService) -> None:
    ids = [await create(service, n=n) for n in range(5)]
    refused = await service.submit(
        GUILD, ALICE, draft(url="https://six.org/"), confirm_similar=True
    )
    assert isinstance(refused, Refused)
    assert "You already have 5 suggestions waiting for review" in refused.message
    # Withdrawing one frees a slot; other members are not affected.
    assert isinstance(await service.withdraw(GUILD, ids[0], ALICE), Decided)
    assert await create(service, n=6)
    assert await create(service, author=BOB, n=7)


async def test_ten_a_day_then_a_refusal_saying_when_again(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service = make_service(max_pending_per_user=100)
    for n in range(10):
        await create(service, n=n)
        clock.advance(60)
    refused = await service.submit(GUILD, ALICE, draft(url="https://11.org/"), confirm_similar=True)
    assert isinstance(refused, Refused)
    assert "10 suggestions in the last 24 hours" in refused.message
    first_created = 1795608000  # 2026-11-25T12:00Z; allowed again 24 h later
    assert f"<t:{first_created + 86400}:R>" in refused.message
    clock.advance(24 * 3600 - 600)
    assert await create(service, n=11)


async def test_limits_hold_when_submissions_race(make_service: ServiceFactory) -> None:
    service = make_service(max_pending_per_user=3)
    drafts = [
        draft(title=f"Racing resource {n} on pitch", url=f"https://race{n}.org/") for n in range(8)
    ]
    outcomes = await asyncio.gather(
        *(service.submit(GUILD, ALICE, d, confirm_similar=True) for d in drafts)
    )
    assert sum(isinstance(o, Created) for o in outcomes) == 3
    assert sum(isinstance(o, Refused) for o in outcomes) == 5
    assert await service.store.count_pending_by(GUILD, ALICE) == 3


async def test_blocked_members_are_refused_until_unblocked(service: SuggestionService) -> None:
    refused_block = await service.block(GUILD, ALICE, "spam", BOB, is_maintainer=False)
    assert isinstance(refused_block, Refused)
    assert await service.block(GUILD, ALICE, "spam links", MAINTAINER, is_maintainer=True) == (
        f"<@{ALICE}> can no longer make suggestions."
    )
    refused = await service.submit(GUILD, ALICE, draft())
    assert isinstance(refused, Refused)
    assert refused.message.startswith("You cannot make suggestions on this server (spam links)")
    await service.unblock(GUILD, ALICE, MAINTAINER, is_maintainer=True)
    assert isinstance(await service.submit(GUILD, ALICE, draft()), Created)
    actions = [e.action for e in await service.store.audit_log(guild_id=GUILD)]
    assert actions == ["blocked", "unblocked", "created"]


async def test_anonymous_only_when_the_server_allows_it_and_the_author_is_kept(
    make_service: ServiceFactory,
) -> None:
    closed = make_service(allow_anonymous=False)
    refused = await closed.submit(GUILD, ALICE, draft(), anonymous=True)
    assert isinstance(refused, Refused)
    assert refused == closed.anonymous_refusal(anonymous=True)
    assert refused.message == (
        "Anonymous suggestions are turned off on this server; "
        "run /suggest again without `anonymous`."
    )
    assert closed.anonymous_refusal(anonymous=False) is None
    open_ = make_service(allow_anonymous=True)
    created = await open_.submit(GUILD, ALICE, draft(), anonymous=True)
    assert isinstance(created, Created)
    assert created.suggestion.anonymous
    audit = await open_.store.audit_log(suggestion_id=created.suggestion.id)
    assert audit[0].actor_id == ALICE  # maintainers still see who it was


async def test_authors_edit_their_own_pending_suggestion(service: SuggestionService) -> None:
    sid = await create(service)
    edited = await service.edit(GUILD, sid, ALICE, draft(title="A better title for it"))
    assert isinstance(edited, Edited)
    assert edited.suggestion.title == "A better title for it"
    assert edited.suggestion.url == "https://arxiv.org/abs/1905.00078"
    other = await service.edit(GUILD, sid, BOB, draft(title="Hijacked"))
    assert isinstance(other, Refused)
    assert other.message == f"Only the author can edit suggestion #{sid}."
    into_catalog = await service.edit(
        GUILD, sid, ALICE, draft(url="https://arxiv.org/abs/1609.03499")
    )
    assert isinstance(into_catalog, InCatalog)
    bad = await service.edit(GUILD, sid, ALICE, draft(title="@everyone look"))
    assert isinstance(bad, Invalid)
    current = await service.store.get(sid)
    assert current is not None
    assert current.title == "A better title for it"


async def test_withdrawn_suggestions_cannot_be_edited_or_withdrawn_again(
    service: SuggestionService,
) -> None:
    sid = await create(service)
    assert isinstance(await service.withdraw(GUILD, sid, BOB), Refused)
    assert isinstance(await service.withdraw(GUILD, sid, ALICE), Decided)
    again = await service.withdraw(GUILD, sid, ALICE)
    assert isinstance(again, Refused)
    assert "is withdrawn; only pending ones can be withdrawn" in again.message
    assert isinstance(await service.edit(GUILD, sid, ALICE, draft()), Refused)


async def test_editable_gives_the_same_refusals_as_edit(service: SuggestionService) -> None:
    sid = await create(service)
    mine = await service.editable(GUILD, sid, ALICE)
    assert not isinstance(mine, Refused)
    assert mine.id == sid
    stranger = await service.editable(GUILD, sid, BOB)
    assert stranger == await service.edit(GUILD, sid, BOB, draft())
    assert await service.editable(OTHER_GUILD, sid, ALICE) == Refused(
        f"Suggestion #{sid} belongs to another server."
    )
    await service.withdraw(GUILD, sid, ALICE)
    closed = await service.editable(GUILD, sid, ALICE)
    assert closed == Refused(f"Suggestion #{sid} is withdrawn; only pending ones can be edited.")
