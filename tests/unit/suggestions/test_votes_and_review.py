"""Voting toggles and maintainers' decisions, including the races between them."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.catalog.model import Catalog, Entry
from bot.suggestions import Status, StorageError, SuggestionService, Tally, Vote
from bot.suggestions.outcomes import Created, Decided, Refused, Voted
from tests.unit.suggestions.conftest import (
    ALICE,
    BOB,
    CAROL,
    GUILD,
    MAINTAINER,
    OTHER_GUILD,
    Announcements,
    draft,
    make_catalog,
)


async def suggest(service: SuggestionService, n: int = 0) -> int:
    d = draft(title=f"Resource {n} on beat tracking", url=f"https://vote{n}.org/")
    outcome = await service.submit(GUILD, ALICE, d, confirm_similar=True)
    assert isinstance(outcome, Created)
    return outcome.suggestion.id


async def test_clicking_again_removes_the_vote_and_the_other_side_switches(
    service: SuggestionService,
) -> None:
    sid = await suggest(service)
    first = await service.vote(GUILD, sid, BOB, Vote.UP)
    assert first == Voted(sid, Tally(1, 0), Vote.UP, None)
    switched = await service.vote(GUILD, sid, BOB, Vote.DOWN)
    assert switched == Voted(sid, Tally(0, 1), Vote.DOWN, Vote.UP)
    removed = await service.vote(GUILD, sid, BOB, Vote.DOWN)
    assert removed == Voted(sid, Tally(0, 0), None, Vote.DOWN)


async def test_fifty_concurrent_clicks_by_one_member_never_count_twice(
    service: SuggestionService,
) -> None:
    sid = await suggest(service)
    outcomes = await asyncio.gather(*(service.vote(GUILD, sid, BOB, Vote.UP) for _ in range(50)))
    # Applied one after the other: on, off, on, ... so 50 clicks end with no vote.
    assert all(isinstance(o, Voted) and o.tally.up <= 1 for o in outcomes)
    assert [o.current for o in outcomes if isinstance(o, Voted)].count(Vote.UP) == 25
    assert await service.store.tally(sid) == Tally(0, 0)
    await service.vote(GUILD, sid, BOB, Vote.UP)
    assert await service.store.tally(sid) == Tally(1, 0)


async def test_many_members_voting_at_once_give_exact_counts(service: SuggestionService) -> None:
    sid = await suggest(service)
    voters = range(1000, 1300)
    await asyncio.gather(
        *(service.vote(GUILD, sid, user, Vote.UP if user % 3 else Vote.DOWN) for user in voters)
    )
    assert await service.store.tally(sid) == Tally(200, 100)


async def test_the_authors_own_vote_does_not_count(service: SuggestionService) -> None:
    sid = await suggest(service)
    outcome = await service.vote(GUILD, sid, ALICE, Vote.UP)
    assert outcome == Refused("This is your own suggestion; your vote would not count.")
    assert await service.store.tally(sid) == Tally(0, 0)


async def test_votes_and_reviews_from_another_server_are_refused(
    service: SuggestionService,
) -> None:
    sid = await suggest(service)
    message = f"Suggestion #{sid} belongs to another server."
    assert await service.vote(OTHER_GUILD, sid, BOB, Vote.UP) == Refused(message)
    assert await service.approve(OTHER_GUILD, sid, MAINTAINER, is_maintainer=True) == Refused(
        message
    )
    assert await service.vote(None, sid, BOB, Vote.UP) == Refused(
        "Suggestions live in a server; use this command there."
    )
    assert await service.vote(GUILD, 999_999, BOB, Vote.UP) == Refused(
        "There is no suggestion #999999."
    )
    current = await service.store.get(sid)
    assert current is not None
    assert (current.status, current.tally) == (Status.PENDING, Tally(0, 0))


async def test_non_maintainers_cannot_review_and_nothing_changes(
    service: SuggestionService,
) -> None:
    sid = await suggest(service)
    for attempt in (
        service.approve(GUILD, sid, BOB, is_maintainer=False),
        service.reject(GUILD, sid, BOB, "no", is_maintainer=False),
        service.mark_duplicate(GUILD, sid, BOB, "wavenet", is_maintainer=False),
    ):
        outcome = await attempt
        assert isinstance(outcome, Refused)
        assert outcome.message.startswith("Only maintainers can review suggestions")
    assert isinstance(await service.voters(GUILD, sid, is_maintainer=False), Refused)
    current = await service.store.get(sid)
    assert current is not None
    assert current.status is Status.PENDING
    assert [e.action for e in await service.store.audit_log(suggestion_id=sid)] == ["created"]


async def test_approving_and_rejecting_at_the_same_moment_one_wins_cleanly(
    service: SuggestionService, announcements: Announcements
) -> None:
    sid = await suggest(service)
    approve, reject = await asyncio.gather(
        service.approve(GUILD, sid, MAINTAINER, is_maintainer=True),
        service.reject(GUILD, sid, CAROL, "off topic", is_maintainer=True),
    )
    assert isinstance(approve, Decided)
    assert reject == Refused(
        f"Suggestion #{sid} is already approved by <@{MAINTAINER}>; nothing was changed."
    )
    events = await service.store.audit_log(suggestion_id=sid)
    assert [(e.action, e.actor_id) for e in events] == [
        ("created", ALICE),
        ("approved", MAINTAINER),
    ]
    assert [a.key for a in announcements.sent] == [f"suggestion-approved:{sid}"]


async def test_two_maintainers_approving_together_announce_once(
    service: SuggestionService, announcements: Announcements
) -> None:
    sid = await suggest(service)
    outcomes = await asyncio.gather(
        *(service.approve(GUILD, sid, MAINTAINER + n, is_maintainer=True) for n in range(5))
    )
    assert sum(isinstance(o, Decided) for o in outcomes) == 1
    assert len(announcements.sent) == 1
    # A restart queues the backlog again; the outbox drops the known key.
    assert await service.announce_backlog() == 0


async def test_votes_after_a_decision_are_refused(service: SuggestionService) -> None:
    sid = await suggest(service)
    await service.vote(GUILD, sid, BOB, Vote.UP)
    await service.reject(GUILD, sid, MAINTAINER, "  not   for beginners ", is_maintainer=True)
    outcome = await service.vote(GUILD, sid, CAROL, Vote.UP)
    assert outcome == Refused(f"Voting on #{sid} is closed (rejected).")
    current = await service.store.get(sid)
    assert current is not None
    assert (current.decision_note, current.tally) == ("not for beginners", Tally(1, 0))


async def test_rejecting_needs_a_reason(service: SuggestionService) -> None:
    sid = await suggest(service)
    outcome = await service.reject(GUILD, sid, MAINTAINER, "   ", is_maintainer=True)
    assert outcome == Refused("Give a reason for the rejection; the author will read it.")


async def test_duplicate_of_an_entry_or_a_suggestion(service: SuggestionService) -> None:
    first, second, third = [await suggest(service, n) for n in range(3)]
    of_entry = await service.mark_duplicate(GUILD, first, MAINTAINER, "wavenet", is_maintainer=True)
    assert isinstance(of_entry, Decided)
    assert of_entry.suggestion.decision_note == "entry:wavenet"
    of_other = await service.mark_duplicate(
        GUILD, second, MAINTAINER, f"#{third}", is_maintainer=True
    )
    assert isinstance(of_other, Decided)
    assert of_other.suggestion.decision_note == f"suggestion:{third}"
    itself = await service.mark_duplicate(GUILD, third, MAINTAINER, str(third), is_maintainer=True)
    assert itself == Refused("A suggestion cannot be a duplicate of itself.")
    unknown = await service.mark_duplicate(GUILD, third, MAINTAINER, "no-such", is_maintainer=True)
    assert unknown == Refused(
        "`no-such` is neither a catalog entry id nor a suggestion number (#12)."
    )


async def test_maintainers_see_who_voted(service: SuggestionService) -> None:
    sid = await suggest(service)
    await service.vote(GUILD, sid, BOB, Vote.UP)
    await service.vote(GUILD, sid, CAROL, Vote.DOWN)
    assert await service.voters(GUILD, sid, is_maintainer=True) == [
        (BOB, Vote.UP),
        (CAROL, Vote.DOWN),
    ]


async def test_mark_merged_closes_only_approved_ones(service: SuggestionService) -> None:
    approved, pending = await suggest(service, 1), await suggest(service, 2)
    await service.approve(GUILD, approved, MAINTAINER, is_maintainer=True)
    results = await service.mark_merged([approved, pending, 4242, approved])
    assert results == [
        (approved, "merged"),
        (pending, "is pending; only approved ones merge"),
        (4242, "no such suggestion"),
        (approved, "already merged"),
    ]


async def test_catalog_load_marks_suggestions_now_listed_as_merged(
    service: SuggestionService, catalog_box: list[Catalog]
) -> None:
    approved, pending, other = [await suggest(service, n) for n in range(3)]
    await service.approve(GUILD, approved, MAINTAINER, is_maintainer=True)
    catalog_box[0] = make_catalog(
        Entry("vote0", "Resource 0", "tutorials", "tutorial", "d", url="http://www.vote0.org"),
        Entry("vote1", "Resource 1", "tutorials", "tutorial", "d", url="https://vote1.org/"),
    )
    found = await service.reconcile_with_catalog()
    assert sorted((s.id, e.id) for s, e in found) == [(approved, "vote0"), (pending, "vote1")]
    statuses = {sid: (await service.store.get(sid)).status for sid in (approved, pending, other)}  # type: ignore[union-attr]
    assert statuses == {approved: Status.MERGED, pending: Status.MERGED, other: Status.PENDING}
    assert await service.reconcile_with_catalog() == []


async def test_an_approval_whose_announcement_cannot_be_queued_is_rolled_back(
    service: SuggestionService,
) -> None:
    sid = await suggest(service)

    async def broken_outbox(announcement: object) -> bool:
        raise sqlite3.OperationalError("database is locked")

    service.announcer = broken_outbox
    with pytest.raises(StorageError, match="busy"):
        await service.approve(GUILD, sid, MAINTAINER, is_maintainer=True)
    current = await service.store.get(sid)
    assert current is not None
    assert current.status is Status.PENDING  # both or neither: approval and announcement
    assert [e.action for e in await service.store.audit_log(suggestion_id=sid)] == ["created"]


async def test_reading_through_the_service_unposted_oldest_first_and_the_audit_trail(
    service: SuggestionService,
) -> None:
    first = await service.submit(GUILD, ALICE, draft())
    second = await service.submit(GUILD, BOB, draft("Librosa notebooks", "https://l.example/"))
    assert isinstance(first, Created)
    assert isinstance(second, Created)
    await service.set_location(second.suggestion, 5, 6, None)
    assert [s.id for s in await service.unposted()] == [first.suggestion.id]
    await service.set_location(first.suggestion, None, None, None)
    got = await service.get(first.suggestion.id)
    assert got is not None
    assert got.title == "Deep Learning for Audio Signal Processing"
    trail = await service.audit_trail(first.suggestion.id)
    assert [(e.action, e.actor_id) for e in trail] == [("created", ALICE), ("posted", 0)]
    assert await service.get(999) is None
