"""What an action on a suggestion led to. The cog turns each into a reply.

Every refusal carries ``message``: a sentence for the member that says what happened and
what to do; the Discord layer only adds formatting and buttons around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog.model import Entry
from bot.suggestions.duplicates import Candidate
from bot.suggestions.model import Draft, Suggestion, Tally, Vote
from bot.suggestions.validation import Problem


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing changed; ``message`` says why."""

    message: str


@dataclass(frozen=True, slots=True)
class Invalid:
    """The draft has problems; ``draft`` is the cleaned text to prefill the modal with."""

    draft: Draft
    problems: tuple[Problem, ...]

    @property
    def message(self) -> str:
        lines = "\n".join(f"• {p.message}" for p in self.problems)
        return f"Your suggestion needs a few fixes:\n{lines}"


@dataclass(frozen=True, slots=True)
class InCatalog:
    """The URL is already listed."""

    entry: Entry
    draft: Draft


@dataclass(frozen=True, slots=True)
class AlreadySuggested:
    """An open (pending or approved) suggestion has the same URL."""

    suggestion: Suggestion
    draft: Draft


@dataclass(frozen=True, slots=True)
class SimilarTitles:
    """Close titles exist; resubmitting with ``confirm_similar=True`` stores it anyway."""

    candidates: Sequence[Candidate]
    draft: Draft


@dataclass(frozen=True, slots=True)
class Created:
    suggestion: Suggestion


@dataclass(frozen=True, slots=True)
class Edited:
    suggestion: Suggestion


@dataclass(frozen=True, slots=True)
class Voted:
    suggestion_id: int
    tally: Tally
    # The member's vote after this click; None when the click removed it.
    current: Vote | None
    previous: Vote | None


@dataclass(frozen=True, slots=True)
class Decided:
    """A review action (or withdrawal) took effect; ``suggestion`` is the new state."""

    suggestion: Suggestion


SubmitOutcome = Refused | Invalid | InCatalog | AlreadySuggested | SimilarTitles | Created
EditOutcome = Refused | Invalid | InCatalog | AlreadySuggested | Edited
VoteOutcome = Refused | Voted
ReviewOutcome = Refused | Decided
