"""Weigh a rule's concern against the learned model: a small regression learnt on how both did.

A rule hears its words; the model hears the message. Where they disagree, which one to believe
depends on the rule: some are nearly always right when they speak ("hij heeft me een
bloedneus geslagen"), others often hear an everyday phrase ("ik zie hem overal"). The combiner
is a logistic regression over what is known when a rule's concern is weighed (the model's
reading of the whole message and of the rule's own sentences, how many words those hold, how
many rules spoke, whether an escalation made it acute, and which rules they were), learnt by
`make safety-model` from the model's readings of the tuned part out of fold, so it learns how
the model does on messages it has not seen.

It only ever silences a concern, and never:

- an acute rule, nor danger now;
- a rule that was right at least `SURE_PRECISION` of the time it spoke in the tuned part
  (a `sure` rule: those are left to the rules, whatever the model reads);
- a message of fewer than thirteen words: a short plain statement is left to the rules ("ik
  werk bij de brandweer en hij dreigt me te vermoorden");
- a concern buried in a long message: its sentences hold less than a tenth of the words ("hij
  slaat me" in a page about the week), or, for thoughts of suicide or self-harm, less than a
  quarter ("soms wil ik dood" inside a long calm reflection): the rest only thins them out.

Other concerns in a small part of a long message it weighs: it reads the model on their
sentences and their length apart from the whole. (Leaving every concern under a quarter of the
message to the rules kept 46 more of the tuned part's ordinary lines alarmed out of fold, 9.70%
against 9.30%, and heard no danger line more there; but without any such guard a buried "soms
wil ik dood" and "hij slaat me" were silenced.)
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

#: A rule right this often, out of this many messages at least, is never overruled.
SURE_PRECISION = 0.95
SURE_MESSAGES = 10
#: The fewest words of a message the combiner may silence.
FEWEST_WORDS = 13
#: Where the sentences of a rule about suicide or self-harm hold less than this share of the
#: message's words, its concern stands.
OWN_SHARE = 0.25
#: Where the rules' sentences, of any category, hold less than this share, their concern
#: stands: a sentence buried in a long message ("hij slaat me" in a page about the week).
BURIED_SHARE = 0.1
#: The categories whose thinned-out concern stands.
OWN_STORY = frozenset({"suicide", "selfharm", "suicide_plan"})
#: The names of the numeric features, in the order of the weights.
FEATURES = ("whole", "own", "words", "own_words", "escalated", "rules")


def features(
    whole: float, own: float, words: int, own_words: int, escalated: bool, rules: int
) -> list[float]:
    """The numeric features: the model's readings as log-odds, word counts as logarithms."""
    return [
        _logit(whole),
        _logit(own),
        math.log(words + 1),
        math.log(own_words + 1),
        float(escalated),
        float(rules),
    ]


@dataclass(frozen=True)
class Combiner:
    """A learnt combiner (see the module's description)."""

    weights: tuple[float, ...]
    rule_weights: dict[str, float]
    intercept: float
    threshold: float
    sure: frozenset[str]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Combiner:
        weights = tuple(float(w) for w in data["weights"])
        if len(weights) != len(FEATURES):
            raise ValueError(f"the combiner has {len(weights)} weights, not {len(FEATURES)}")
        return cls(
            weights=weights,
            rule_weights={str(k): float(v) for k, v in data["rules"].items()},
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            sure=frozenset(str(r) for r in data["sure"]),
        )

    def danger(self, numbers: list[float], rules: Iterable[str]) -> float:
        """The probability that the rules' concern is danger."""
        score = self.intercept + sum(w * x for w, x in zip(self.weights, numbers, strict=True))
        score += sum(self.rule_weights.get(rule, 0.0) for rule in set(rules))
        return 1.0 / (1.0 + math.exp(-score)) if score > -500 else 0.0

    def overrules(self, numbers: list[float], rules: Iterable[str]) -> bool:
        return self.danger(numbers, rules) < self.threshold


def protected(
    rules: Iterable[str], sure: Collection[str], words: int, buried: bool = False
) -> bool:
    """Whether the rules' concern stands whatever the combiner reads: a sure rule spoke, the
    message (of `words` words) is short, or the concern is buried in it (`buried`, see
    `thinned`)."""
    return buried or words < FEWEST_WORDS or any(rule in sure for rule in rules)


def thinned(categories: Iterable[str], words: int, own_words: int) -> bool:
    """Whether the rules spoke in sentences holding less than `BURIED_SHARE` of the message's
    `words` (`own_words` in them), or, for a rule about suicide or self-harm (`categories` of
    the rules), less than `OWN_SHARE`."""
    if own_words < BURIED_SHARE * words:
        return True
    return own_words < OWN_SHARE * words and not OWN_STORY.isdisjoint(categories)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
