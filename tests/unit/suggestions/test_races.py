"""Two processes on one database (two ``Storage`` objects, each with its own connections,
as two shard processes have): votes, limits, links and reviews stay exact when they race.

Nothing in one process's memory can decide these: only the database sees both. Each test
runs every action at once (``asyncio.gather``), spread over both processes, a fixed number
of times.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from bot.catalog.model import Catalog
from bot.clock import FakeClock
from bot.storage import Storage
from bot.suggestions import SuggestionService, SuggestionSettings, SuggestionStore, Tally, Vote
from bot.suggestions.model import Draft, Status
from bot.suggestions.outcomes import (
    AlreadySuggested,
    Created,
    Decided,
    Refused,
    SubmitOutcome,
    Voted,
)
from tests.storage_backends import Backend
from tests.unit.suggestions.conftest import GUILD, MAINTAINER, Announcements, draft

AUTHOR = 77


@dataclass
class Processes:
    """What two bot processes share: the database (and here, for checking, one recorder of
    announcements, one clock and one catalog)."""

    storages: tuple[Storage, Storage]
    clock: FakeClock
    catalog: Callable[[], Catalog]
    announcements: Announcements

    def services(
        self, settings: SuggestionSettings | None = None
    ) -> tuple[SuggestionService, SuggestionService]:
        first, second = (
            SuggestionService(
                SuggestionStore(db), self.clock, self.catalog, settings,
                announcer=self.announcements,
            )
            for db in self.storages
        )  # fmt: skip
        return first, second


@pytest.fixture
async def processes(
    storage_backend: Backend,
    clock: FakeClock,
    catalog_box: list[Catalog],
    announcements: Announcements,
) -> AsyncIterator[Processes]:
    first = await storage_backend.open()
    second = await storage_backend.open()
    try:
        await SuggestionStore(first).setup()
        await SuggestionStore(second).setup()  # finds the tables there: nothing to do
        yield Processes((first, second), clock, lambda: catalog_box[0], announcements)
    finally:
        await first.close()
        await second.close()


async def suggest(service: SuggestionService, n: int, author: int = AUTHOR) -> int:
    d = draft(title=f"Resource {n} on onset detection", url=f"https://race{n}.org/")
    outcome = await service.submit(GUILD, author, d, confirm_similar=True)
    assert isinstance(outcome, Created), outcome
    return outcome.suggestion.id


async def test_members_toggling_votes_from_two_processes_end_with_exact_counts(
    processes: Processes,
) -> None:
    one, two = processes.services()
    sid = await suggest(one, 0)
    # Member m clicks the same button 1, 2 or 3 times, the clicks alternating between the
    # processes, all at once. Whatever the order, a toggle applied exactly once per click
    # leaves a vote after an odd number of clicks and none after an even one.
    members = range(1000, 1060)
    clicks = {m: 1 + m % 3 for m in members}
    button = {m: Vote.UP if m % 4 else Vote.DOWN for m in members}
    calls = [
        ((one, two)[(m + i) % 2].vote(GUILD, sid, m, button[m]), m)
        for m in members
        for i in range(clicks[m])
    ]
    outcomes = await asyncio.gather(*(call for call, _ in calls))

    added: Counter[int] = Counter()
    removed: Counter[int] = Counter()
    for outcome, (_, member) in zip(outcomes, calls, strict=True):
        assert isinstance(outcome, Voted), outcome
        if outcome.current is None:
            removed[member] += 1
        else:
            added[member] += 1
    # Every click saw the state the previous one left: on, off, on...
    for m in members:
        assert (added[m], removed[m]) == ((clicks[m] + 1) // 2, clicks[m] // 2), m
    voted = [m for m in members if clicks[m] % 2]
    expected = Tally(
        sum(button[m] is Vote.UP for m in voted), sum(button[m] is Vote.DOWN for m in voted)
    )
    assert await one.store.tally(sid) == expected
    assert await two.store.tally(sid) == expected
    assert sorted(user for user, _ in await one.store.voters(sid)) == voted


Submission = tuple[int, Draft]  # author, what they typed


async def submitted_at_once(
    services: tuple[SuggestionService, SuggestionService],
    pairs: Sequence[tuple[Submission, Submission]],
) -> list[tuple[SubmitOutcome, SubmitOutcome]]:
    """Every pair's first submission through one process and its second through the other,
    all of them at the same time; the outcomes pair by pair."""
    outcomes = await asyncio.gather(
        *(
            service.submit(GUILD, author, typed, confirm_similar=True)
            for pair in pairs
            for service, (author, typed) in zip(services, pair, strict=True)
        )
    )
    return list(zip(outcomes[::2], outcomes[1::2], strict=True))


async def test_a_member_at_the_limit_submitting_twice_at_once_gets_exactly_one_accepted(
    processes: Processes,
) -> None:
    one, two = processes.services(SuggestionSettings(max_pending_per_user=3))
    authors = range(200, 208)
    for a in authors:  # two waiting each: one more is allowed
        for n in range(2):
            await suggest(one, a * 10 + n, author=a)

    def extra(a: int, n: int) -> Submission:
        return a, draft(title=f"Extra {a} {n}", url=f"https://x{a}-{n}.org/")

    results = await submitted_at_once((one, two), [(extra(a, 0), extra(a, 1)) for a in authors])
    for a, pair in zip(authors, results, strict=True):
        assert sorted(type(o).__name__ for o in pair) == ["Created", "Refused"], (a, pair)
        refused = next(o for o in pair if isinstance(o, Refused))
        assert refused.message.startswith("You already have 3 suggestions waiting for review")
        assert await one.store.count_pending_by(GUILD, a) == 3


async def test_the_daily_limit_holds_when_one_member_submits_from_two_processes(
    processes: Processes,
) -> None:
    one, two = processes.services(SuggestionSettings(max_per_day_per_user=2))
    authors = range(300, 308)
    for a in authors:  # one today, withdrawn: it still counts towards the day
        sid = await suggest(two, a, author=a)
        assert isinstance(await two.withdraw(GUILD, sid, a), Decided)

    def another(a: int, n: int) -> Submission:
        return a, draft(title=f"Day {a} {n}", url=f"https://d{a}-{n}.org/")

    results = await submitted_at_once((one, two), [(another(a, 0), another(a, 1)) for a in authors])
    for a, pair in zip(authors, results, strict=True):
        assert sorted(type(o).__name__ for o in pair) == ["Created", "Refused"], (a, pair)
        refused = next(o for o in pair if isinstance(o, Refused))
        assert "2 suggestions in the last 24 hours" in refused.message
    assert (await one.store.page(GUILD))[1] == 2 * len(authors)


async def test_one_link_suggested_by_two_members_at_once_is_stored_once(
    processes: Processes,
) -> None:
    one, two = processes.services()
    links = range(10)

    def member_suggests(link: int, n: int) -> Submission:
        return 400 + 2 * link + n, draft(title=f"Link {link}", url=f"https://same{link}.org/")

    results = await submitted_at_once(
        (one, two), [(member_suggests(link, 0), member_suggests(link, 1)) for link in links]
    )
    for pair in results:
        created = [o for o in pair if isinstance(o, Created)]
        duplicate = [o for o in pair if isinstance(o, AlreadySuggested)]
        assert (len(created), len(duplicate)) == (1, 1), pair
        assert duplicate[0].suggestion.id == created[0].suggestion.id
    assert (await one.store.page(GUILD))[1] == len(links)


async def test_two_maintainers_reviewing_at_once_one_wins_the_other_is_told(
    processes: Processes,
) -> None:
    one, two = processes.services()
    approver, rejecter = MAINTAINER, MAINTAINER + 1
    sids = [await suggest(one, n, author=600 + n) for n in range(10)]
    outcomes = await asyncio.gather(
        *(
            call
            for sid in sids
            for call in (
                one.approve(GUILD, sid, approver, is_maintainer=True),
                two.reject(GUILD, sid, rejecter, "off topic", is_maintainer=True),
            )
        )
    )
    approved = 0
    for index, sid in enumerate(sids):
        approve, reject = outcomes[2 * index], outcomes[2 * index + 1]
        stored = await two.store.get(sid)
        assert stored is not None
        if isinstance(approve, Decided):
            approved += 1
            winner, status, loser = approver, Status.APPROVED, reject
        else:
            assert isinstance(reject, Decided), (approve, reject)
            winner, status, loser = rejecter, Status.REJECTED, approve
        assert (stored.status, stored.decided_by) == (status, winner)
        label = "approved" if status is Status.APPROVED else "rejected"
        assert loser == Refused(
            f"Suggestion #{sid} is already {label} by <@{winner}>; nothing was changed."
        )
        decisions = [
            e.action
            for e in await one.store.audit_log(suggestion_id=sid)
            if e.action in ("approved", "rejected")
        ]
        assert decisions == [label]
    # Only won approvals were announced, each once.
    assert len(processes.announcements.sent) == approved
    assert len({a.key for a in processes.announcements.sent}) == approved


async def test_votes_racing_an_approval_are_counted_exactly_when_they_were_accepted(
    processes: Processes,
) -> None:
    one, two = processes.services()
    sid = await suggest(one, 0)
    voters = range(500, 540)
    half = len(voters) // 2
    calls: list[Awaitable[object]] = [one.vote(GUILD, sid, m, Vote.UP) for m in voters[:half]]
    calls.append(two.approve(GUILD, sid, MAINTAINER, is_maintainer=True))
    calls += [two.vote(GUILD, sid, m, Vote.UP) for m in voters[half:]]
    outcomes = await asyncio.gather(*calls)
    accepted = [o for o in outcomes if isinstance(o, Voted)]
    closed = [o for o in outcomes if o == Refused(f"Voting on #{sid} is closed (approved).")]
    assert len(accepted) + len(closed) == len(voters)
    stored = await one.store.get(sid)
    assert stored is not None
    assert stored.status is Status.APPROVED
    # A vote either landed before the approval and counts, or was refused: none in between.
    assert stored.tally == Tally(len(accepted), 0)


async def test_an_edit_on_its_way_when_the_author_is_blocked_elsewhere_is_refused(
    processes: Processes, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = processes.services()
    sid = await suggest(one, 0)
    assert not isinstance(await one.editable(GUILD, sid, AUTHOR), Refused)  # the form opens
    opened = one.store.atomic

    @asynccontextmanager
    async def blocked_just_before(
        *args: object,
    ) -> AsyncIterator[SuggestionStore]:
        # The other process blocks the author after this one's first checks.
        await two.block(GUILD, AUTHOR, "spam", MAINTAINER, is_maintainer=True)
        async with opened() as store:
            yield store

    monkeypatch.setattr(one.store, "atomic", blocked_just_before)
    outcome = await one.edit(
        GUILD, sid, AUTHOR, draft(title="Spam spam spam", url="https://race0.org/")
    )
    assert outcome == Refused(
        "You cannot edit suggestions on this server (spam). "
        "Ask a maintainer if you think this is a mistake."
    )
    stored = await two.store.get(sid)
    assert stored is not None
    assert stored.title == "Resource 0 on onset detection"
