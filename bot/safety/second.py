"""The learned second opinion weighed with the rules (see `decide`).

Where the rules spoke, the model may silence a concern it reads as ordinary: by the combiner
learnt for it (`combine`), or, with a model without one, where the rules' own sentences and the
whole message read below a veto. It may make a concern a plan ("niemand die het ziet, alles
ligt klaar"). Where no rule spoke, it is heard alone when it is confident, on the sentences the
rules left open. The constants were chosen out of fold on the tuned part of the corpus.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.safety.assessment import NONE, Assessment
from bot.safety.combine import features, protected, thinned
from bot.safety.context import Hit
from bot.safety.match import Found, Span
from bot.safety.normalise import Token
from bot.safety.reading import Reading
from bot.safety.terms import Pattern, Terms
from bot.safety.vocabulary import Escalation, Vocabulary

#: The fewest words in a rule's sentences for the model to overrule it: a short plain
#: statement ("hij wil niet dat ik werk") is left to the rules.
_VETO_WORDS = 12
#: The fewest words the learned model alone goes by: below, the rules decide on their own
#: ("hoe laat gaat de trein naar Gent morgen?" is too little to read a plan into).
_MODEL_WORDS = 10
#: A quiet plan: a means or a deadly place (concepts of these names)...
_PLAN_MEANS = ("means", "lethal_place")
#: ...beside a step toward it (put aside, prepared, a time, a goodbye, belongings given away)...
_PLAN_STEPS = ("gather", "stockpile", "when", "goodbye", "give_away")
#: ...is acute where the model reads suicide or a plan at this much, below what it needs alone
#: (chosen out of fold on the tuned part: 5 more of its 760 plans acute, 5 more false alarms
#: among 5,422 ordinary lines).
_PLAN_READING = 0.4
#: Below this the model overrules a plan that only an escalation made, never an acute rule
#: nor danger now (chosen out of fold on the tuned part: 17 fewer false alarms among 5,782
#: ordinary lines, 1 of 5,492 danger lines lost, no plan).
_ESCALATED_VETO = 0.1
#: How sure the model must be to be heard in a sentence the rules read as denied, past or
#: someone else's story (chosen out of fold on the tuned part: 11 more of its 5,212 danger
#: lines heard, 2 more false alarms among 5,422 ordinary lines).
_SURE = 0.9
#: How sure the model must be of the whole message to be heard in a sentence holding an
#: everyday phrase (out of fold on the tuned part: 14 more of its 6,837 danger lines heard, 8
#: more false alarms among 7,357 ordinary lines; at 0.9, 17 more for 17 more).
_WHOLE_SURE = 0.97
#: Thoughts of suicide or self-harm a rule heard are overruled only below this (out of fold on
#: the tuned part: 5 more of its 6,837 danger lines heard, 9 more of 7,357 false alarms).
_SELF_VETO = 0.05
#: Saying it sounds like a film and then that it is not ("het klinkt als een film, maar hij volgt
#: me echt overal"): the rule's sentence stands whatever the model reads of the film.
_INSISTED = "klinkt|sounds|lijkt|seems ... film|movie|serie|series|boek|book|thriller ... maar|but"


@dataclass(frozen=True, slots=True)
class Weighed:
    """What the combiner weighs of the rules' reading: the rules that spoke, the numbers, the
    message's words, and whether the combiner may silence it at all (not an acute rule, nor
    danger now)."""

    rules: tuple[str, ...]
    numbers: list[float]
    #: The message's words.
    words: int
    silenceable: bool = True
    #: The rules' concern is buried in a small part of the message (`combine.thinned`).
    buried: bool = False

    def protected(self, sure: Collection[str]) -> bool:
        """Whether the combiner may not silence it (`combine.protected`)."""
        return protected(self.rules, sure, self.words, self.buried)


class SecondOpinion:
    """The model's say, with the vocabulary's pieces it needs compiled once."""

    def __init__(
        self, terms: Terms, vocabulary: Vocabulary,
        escalations: list[tuple[Escalation, list[Pattern]]],
    ) -> None:  # fmt: skip
        concepts = vocabulary.concepts
        self._plan_means = [terms.piece(f"@{c}") for c in _PLAN_MEANS if c in concepts]
        self._plan_steps = [terms.piece(f"@{c}") for c in _PLAN_STEPS if c in concepts]
        # "het klinkt als een film, maar...": insisting it is real, the model cannot overrule.
        self._insisted = terms.piece(_INSISTED)
        self._escalations = escalations

    def concern(
        self, decided: Assessment, hits: list[Hit], found: Found, whole: Found,
        tokens: list[Token], learned: Reading,
    ) -> Assessment:  # fmt: skip
        """A concern the rules read: silenced, made a plan, or left as it is."""
        if self.overruled(hits, whole, tokens, learned, _veto(hits, learned), escalated=False):
            return Assessment("none", None, (*decided.why, "learned.ordinary"))
        if self.plan(found, tokens, learned) or self._reads_a_plan(tokens, learned):
            return Assessment("acute", "suicide_plan", (*decided.why, "learned.plan"))
        return decided

    def escalated(
        self, decided: Assessment, hits: list[Hit], whole: Found, tokens: list[Token],
        learned: Reading,
    ) -> Assessment:  # fmt: skip
        """A plan made only by an escalation ("begrafenis" beside "vandaag"), on words the
        model reads as plainly ordinary, is silenced: "Vandaag bij de notaris geweest voor een
        samenlevingscontract." (An acute rule, and danger now, never come here.)"""
        if self.overruled(hits, whole, tokens, learned, _ESCALATED_VETO, escalated=True):
            return Assessment("none", None, (*decided.why, "learned.ordinary"))
        return decided

    def unheard(
        self, tokens: list[Token], found: Found, hidden: frozenset[int], raw: list[Hit],
        denied: list[Span], learned: Reading,
    ) -> Assessment:  # fmt: skip
        """Where no rule stands: a quiet plan, or the model alone on the sentences the rules
        left open. Not one holding an everyday phrase, nor one where a rule was read as
        denied, past, distance or someone else's story (the rules know those words better),
        unless it is all but sure there ("ze dreigt mijn naaktfoto's te delen als ik het
        uitmaak ... lol"); and only where there are enough words to go by. All but sure of
        the whole message, it is heard whatever everyday phrase it holds: a lookalike word
        ("pillendoos") must not hide "vanavond neem ik alles wat in de pillendoos zit"."""
        if self.plan(found, tokens, learned):
            return Assessment("acute", "suicide_plan", ("learned.plan",))
        everyday = {tokens[i].sentence for i in hidden}
        if everyday:
            if len(tokens) >= _MODEL_WORDS and learned.danger(tokens) >= _WHOLE_SURE:
                return self._alone(tokens, found, learned)
            tokens = [t for t in tokens if t.sentence not in everyday]
        read = {span.sentence for span in denied}
        read.update(hit.span.sentence for hit in raw)
        if read and len(tokens) >= _MODEL_WORDS and learned.danger(tokens) >= _SURE:
            return self._alone(tokens, found, learned)
        if read:
            tokens = [t for t in tokens if t.sentence not in read]
        if len(tokens) < _MODEL_WORDS or learned.danger(tokens) < learned.alone:
            return NONE
        return self._alone(tokens, found, learned)

    def plan(self, found: Found, tokens: list[Token], learned: Reading) -> bool:
        """Whether the message tells a plan quietly: a means or a deadly place beside a step
        toward it ("het touw ligt in de schuur, ik wacht tot iedereen slaapt"), which the
        model reads as suicide or a plan, even when it is not sure enough to be heard alone."""
        if len(tokens) < _MODEL_WORDS:
            return False
        if not any(found.spans(piece) for piece in self._plan_means):
            return False
        if not any(found.spans(piece) for piece in self._plan_steps):
            return False
        if learned.danger(tokens) < _PLAN_READING:
            return False
        return learned.category(tokens) in ("suicide", "suicide_plan")

    def overruled(
        self, hits: list[Hit], whole: Found, tokens: list[Token], learned: Reading,
        below: float, *, escalated: bool,
    ) -> bool:  # fmt: skip
        """Whether the rules' concern is silenced: by the combiner where the model has one,
        else where the model reads it all below `below` (`_ordinary`). Never where the message
        insists it is real ("klinkt als een film, maar...")."""
        combiner = learned.model.combiner
        if combiner is None:
            return self._ordinary(hits, whole, tokens, learned, below)
        # The guards first: they need no reading of the model, which a long message costs.
        rules = [hit.rule.id for hit in hits]
        own = _own(hits, tokens)
        buried = thinned((hit.rule.category for hit in hits), len(tokens), len(own))
        if protected(rules, combiner.sure, len(tokens), buried) or self._insists(hits, whole):
            return False
        return combiner.overrules(weighed(hits, tokens, learned, escalated, own=own).numbers, rules)

    def _alone(self, tokens: list[Token], found: Found, learned: Reading) -> Assessment:
        """What the model heard on its own: its category, made acute for a plan."""
        category = learned.category(tokens)
        why = [f"learned.{category}"]
        if category == "suicide_plan":
            return Assessment("acute", category, tuple(why))
        # The model alone is escalated from thoughts of suicide to a plan (a means, a place, a
        # time), and by the escalations heard by the model, whose words say danger now by
        # themselves; the other words that make violence acute ("vanavond", "nu") are too
        # common to stand on a model's reading.
        for escalation, pieces in self._escalations:
            if category not in escalation.found:
                continue
            if escalation.to != "suicide_plan" and "model" not in escalation.heard_by:
                continue
            if any(found.spans(piece) for piece in pieces):
                return Assessment("acute", escalation.to, (*why, escalation.id))
        return Assessment("concern", category, tuple(why))

    def _insists(self, hits: list[Hit], whole: Found) -> bool:
        said = {hit.span.sentence for hit in hits}
        return any(span.sentence in said for span in whole.spans(self._insisted))

    def _ordinary(
        self, hits: list[Hit], found: Found, tokens: list[Token], learned: Reading, below: float
    ) -> bool:
        """Whether the rules are overruled: their own sentences and the whole message both
        read as clearly ordinary, below `below` ("ik vermoord je als je de finale verklapt").
        A short plain statement is left to the rules, and so is one that reads ordinary only
        when thinned out by a long reflection around it, or one insisting it is real (read in
        `whole`, the message before everyday phrases were set aside: "klinkt als een film" is
        one)."""
        said = {hit.span.sentence for hit in hits}
        local = [t for t in tokens if t.sentence in said]
        if len(local) < _VETO_WORDS or learned.danger(local) >= below:
            return False
        if self._insists(hits, found):
            return False
        return len(local) == len(tokens) or learned.danger(tokens) < below

    def _reads_a_plan(self, tokens: list[Token], learned: Reading) -> bool:
        """Whether a concern reads to the model as a suicide plan, whatever the rules named it
        ("niemand die het ziet, alles ligt klaar"): no false alarm more, a firmer reply (out of
        fold on the tuned part: 8 more of 990 plans acute, 40 false alarms acute). Only where
        the model reads danger at all (`_PLAN_READING`): the category it finds closest is named
        even for words it reads as plainly ordinary, and "Week four and I've stopped rolling my
        eyes at these prompts" was told to call 113 (42 of the tuned part's false alarms made
        acute so, no plan among them)."""
        return (
            len(tokens) >= _MODEL_WORDS
            and learned.category(tokens) == "suicide_plan"
            and learned.danger(tokens) >= _PLAN_READING
        )


def _veto(hits: list[Hit], learned: Reading) -> float:
    """Below what the model overrules a concern: lower for thoughts of suicide or self-harm,
    which it reads as ordinary too readily ("i burn my skin with a lighter when ...")."""
    if any(hit.rule.category in ("suicide", "selfharm") for hit in hits):
        return min(learned.veto, _SELF_VETO)
    return learned.veto


def weighed(
    hits: list[Hit], tokens: list[Token], learned: Reading, escalated: bool,
    silenceable: bool = True, own: list[Token] | None = None,
) -> Weighed:  # fmt: skip
    """What the combiner weighs of the rules' reading (`combine.features`); `own`: the tokens
    of the rules' sentences, where the caller has them already."""
    if own is None:
        own = _own(hits, tokens)
    rules = tuple(hit.rule.id for hit in hits)
    numbers = features(
        learned.danger(tokens), learned.danger(own), len(tokens), len(own), escalated,
        len(set(rules)),
    )  # fmt: skip
    buried = thinned((hit.rule.category for hit in hits), len(tokens), len(own))
    return Weighed(rules, numbers, len(tokens), silenceable, buried)


def _own(hits: list[Hit], tokens: list[Token]) -> list[Token]:
    """The tokens of the sentences the rules spoke in."""
    said = {hit.span.sentence for hit in hits}
    return [t for t in tokens if t.sentence in said]
