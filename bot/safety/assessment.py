"""What the safety net says of a message: a tier, a category, and which entries said so."""

from __future__ import annotations

from dataclasses import dataclass

from bot.safety.vocabulary import Category, Tier


@dataclass(frozen=True, slots=True)
class Assessment:
    """What a message signals; never what it says."""

    tier: Tier
    category: Category | None
    #: The vocabulary entries that matched, for `druppel safety scan` and reviews.
    why: tuple[str, ...] = ()

    @property
    def danger(self) -> bool:
        return self.tier != "none"


NONE = Assessment("none", None)
