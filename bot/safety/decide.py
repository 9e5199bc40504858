"""Decide what a message signals: a tier, a category and which vocabulary entries said so.

The rules that matched are weighed with what surrounds them (`context`: denial, a past that is
over, a story told at a distance or about someone else, laughter), then escalated to acute where
there is a plan or danger now (a suicide signal with a means, a place or a time). Then the
learned second opinion (`learned`) is weighed: heard alone where no rule spoke and it is
confident, and able to overrule a rule's concern where both the rule's own sentences and the
whole message read clearly ordinary (the whole message alone would silence a short "ik wil
niet meer wakker worden" inside a long calm reflection).

Recall wins: only these things cancel (a child in danger is never read as someone else's
story), never an acute rule, and an acute reading made by an escalation only where the model
is surer still that the words are ordinary.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from functools import cached_property

from bot.safety.context import Context, Hit
from bot.safety.learned import Model, Reading, load_model
from bot.safety.match import Found, Span, masked_by, near
from bot.safety.normalise import Reader, Token
from bot.safety.sieve import Sieve
from bot.safety.terms import Pattern, Terms, needs
from bot.safety.typos import nearest
from bot.safety.vocabulary import CATEGORIES, Category, Tier, Vocabulary, load

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
#: Longer messages are read up to here; Telegram's own limit is 4,096 characters.
_MAX_CHARS = 8192


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


class Detector:
    """The vocabulary compiled once; `assess` reads one message."""

    def __init__(
        self, vocabulary: Vocabulary, learned: Model | None = None, *, rules_only: bool = False
    ) -> None:
        """`learned` is the second opinion (the shipped model unless given); `rules_only`
        reads with the vocabulary alone, as the model's training does."""
        self.vocabulary = vocabulary
        self.learned = None if rules_only else (learned or load_model())
        self._terms = Terms(vocabulary)
        self._rules = [
            (rule, [self._terms.piece(p) for p in rule.when]) for rule in vocabulary.rules
        ]
        # What each rule needs of a message's sentences before its words are walked.
        self._needs = [needs(pieces, self._terms.cost) for _, pieces in self._rules]
        lookalikes = [self._terms.piece(lk.pattern) for lk in vocabulary.lookalikes]
        # Every way of writing a lookalike, each on its own: any of them sets words aside.
        self._lookalikes: list[Pattern] = [
            (piece,) for piece in dict.fromkeys(p for pattern in lookalikes for p in pattern)
        ]
        # Only the rules and lookalikes whose words the message holds are looked for.
        self._rule_sieve = Sieve([pieces for _, pieces in self._rules], self._terms.cost)
        self._lookalike_sieve = Sieve([[p] for p in self._lookalikes], self._terms.cost)
        self._escalations = [
            (e, [self._terms.piece(p) for p in e.with_]) for e in vocabulary.escalations
        ]
        self._context = Context(self._terms, vocabulary)
        self._escalated_to = {e.id: e.to for e in vocabulary.escalations}
        self._plan_means = [
            self._terms.piece(f"@{c}") for c in _PLAN_MEANS if c in vocabulary.concepts
        ]
        # "het klinkt als een film, maar...": insisting it is real, the model cannot overrule.
        self._insisted = self._terms.piece(_INSISTED)
        self._plan_steps = [
            self._terms.piece(f"@{c}") for c in _PLAN_STEPS if c in vocabulary.concepts
        ]
        known = self._terms.words() | set(vocabulary.spelling.values())

        def matches(word: str) -> bool:
            return bool(self._terms.ids_of((word,)))

        self._reader = Reader(
            vocabulary.spelling,
            known,
            nearest(vocabulary.typo_words),
            matches,
            self._terms.ids_of,
            as_typed=vocabulary.as_typed,
        )

    def tokens(self, text: str) -> list[Token]:
        """The message as the net reads it (what the learned model is trained on, too)."""
        return self._reader.tokens(text[:_MAX_CHARS])

    def assess(self, text: str) -> Assessment:
        """The tier and category `text` signals, with the entries that said so."""
        if not gc.isenabled():
            return self._assess(text)
        # A long message makes thousands of small objects (tokens, places, spans), all gone
        # once it is read: the garbage collector is held off meanwhile, instead of scanning
        # them two or three times a message (a fifth of a millisecond for 4,096 characters).
        # What stays (the words now cached) is counted and collected afterwards as ever.
        gc.disable()
        try:
            return self._assess(text)
        finally:
            gc.enable()

    def _assess(self, text: str) -> Assessment:
        tokens = self.tokens(text)
        if not tokens:
            return NONE
        found = whole = Found(tokens, self._terms)
        lookalikes = self._lookalikes
        masked = masked_by(
            found, [lookalikes[i] for i in self._lookalike_sieve.candidates(found.where.keys())]
        )
        if masked:
            found = found.without(masked)
        raw, denied = self._hits(found)
        sentences = {hit.span.sentence for hit in raw}
        hits = [hit for hit in raw if self._context.stands(hit, found, tokens, sentences)]
        if self.learned is None:
            return self._decided(hits, found) if hits else NONE
        learned = self.learned.reading()
        if hits:
            decided = self._decided(hits, found)
            if decided.tier == "concern":
                if self._ordinary(hits, whole, tokens, learned, _veto(hits, learned)):
                    return Assessment("none", None, (*decided.why, "learned.ordinary"))
                if self._plan(found, tokens, learned) or self._reads_a_plan(tokens, learned):
                    return Assessment("acute", "suicide_plan", (*decided.why, "learned.plan"))
            elif self._only_a_plan_escalated(hits, decided) and self._ordinary(
                hits, whole, tokens, learned, _ESCALATED_VETO
            ):
                # Made a plan only by an escalation ("begrafenis" beside "vandaag"), on words
                # the model reads as plainly ordinary: "Vandaag bij de notaris geweest voor
                # een samenlevingscontract." An acute rule, and danger now (a weapon on the
                # table, "hij komt zo terug"), are never overruled.
                return Assessment("none", None, (*decided.why, "learned.ordinary"))
            return decided
        if self._plan(found, tokens, learned):
            return Assessment("acute", "suicide_plan", ("learned.plan",))
        # The model alone reads the sentences the rules left open: not one holding an
        # everyday phrase, nor one where a rule was read as denied, past, distance or someone
        # else's story (the rules know those words better), unless it is all but sure there
        # ("ze dreigt mijn naaktfoto's te delen als ik het uitmaak ... lol"); and only where
        # there are enough words to go by. All but sure of the whole message, it is heard
        # whatever everyday phrase it holds: a lookalike word ("pillendoos") must not hide
        # "vanavond neem ik alles wat in de pillendoos zit".
        everyday = {tokens[i].sentence for i in masked}
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
        if len(tokens) < _MODEL_WORDS:
            return NONE
        if learned.danger(tokens) < learned.alone:
            return NONE
        return self._alone(tokens, found, learned)

    def _alone(self, tokens: list[Token], found: Found, learned: Reading) -> Assessment:
        """What the model heard on its own: its category, made acute for a plan."""
        category = learned.category(tokens)
        why = [f"learned.{category}"]
        if category == "suicide_plan":
            return Assessment("acute", category, tuple(why))
        # The model alone is escalated only from thoughts of suicide to a plan (a means, a
        # place, a time): the words that make violence acute ("vanavond", "nu") are too common
        # to stand on a model's reading.
        for escalation, pieces in self._escalations:
            plan = escalation.to == "suicide_plan" and category in escalation.found
            if plan and any(found.spans(piece) for piece in pieces):
                return Assessment("acute", "suicide_plan", (*why, escalation.id))
        return Assessment("concern", category, tuple(why))

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
        if any(span.sentence in said for span in found.spans(self._insisted)):
            return False
        return len(local) == len(tokens) or learned.danger(tokens) < below

    def _reads_a_plan(self, tokens: list[Token], learned: Reading) -> bool:
        """Whether a concern reads to the model as a suicide plan, whatever the rules named it
        ("niemand die het ziet, alles ligt klaar"): no false alarm more, a firmer reply (out of
        fold on the tuned part: 8 more of 990 plans acute, 40 false alarms acute)."""
        return len(tokens) >= _MODEL_WORDS and learned.category(tokens) == "suicide_plan"

    def _only_a_plan_escalated(self, hits: list[Hit], decided: Assessment) -> bool:
        """Whether the acute reading comes only from escalations to a suicide plan."""
        if any(hit.rule.tier == "acute" for hit in hits):
            return False
        targets = {self._escalated_to[w] for w in decided.why if w in self._escalated_to}
        return targets == {"suicide_plan"}

    def _plan(self, found: Found, tokens: list[Token], learned: Reading) -> bool:
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

    def _hits(self, found: Found) -> tuple[list[Hit], list[Span]]:
        """The rules that match, each at its first place not denied, and the places where a
        rule matched but is denied ("hij heeft me nooit geslagen")."""
        hits = []
        denied: list[Span] = []
        rules, rule_needs = self._rules, self._needs
        for number in self._rule_sieve.candidates(found.where.keys()):
            rule, pieces = rules[number]
            shared = found.shared(rule_needs[number])
            if shared is None or not (shared or rule.across):
                continue  # its pieces never meet in one sentence
            for span in found.together(pieces, rule.window, rule.across, shared):
                if not (rule.negatable and self._context.denied(span, found)):
                    hits.append(Hit(rule, span))
                    break
                denied.append(span)
        return hits, denied

    def _decided(self, hits: list[Hit], found: Found) -> Assessment:
        categories = {hit.rule.category for hit in hits}
        acute = {hit.rule.category for hit in hits if hit.rule.tier == "acute"}
        why = [hit.rule.id for hit in hits]
        for escalation, pieces in self._escalations:
            signals = [hit.span for hit in hits if hit.rule.category in escalation.found]
            if signals and any(
                near(span, signals, escalation.within)
                for piece in pieces
                for span in found.spans(piece)
            ):
                acute.add(escalation.to)
                why.append(escalation.id)
        named = acute or categories
        category = next(c for c in CATEGORIES if c in named)
        return Assessment("acute" if acute else "concern", category, tuple(dict.fromkeys(why)))


def _veto(hits: list[Hit], learned: Reading) -> float:
    """Below what the model overrules a concern: lower for thoughts of suicide or self-harm,
    which it reads as ordinary too readily ("i burn my skin with a lighter when ...")."""
    if any(hit.rule.category in ("suicide", "selfharm") for hit in hits):
        return min(learned.veto, _SELF_VETO)
    return learned.veto


class _Shipped:
    @cached_property
    def detector(self) -> Detector:
        compiled = Detector(load())
        # Read one message so the lemma tables load, then move everything built so far out of
        # the garbage collector's reach: a full collection over those tables would otherwise
        # pause an assessment for ~10 ms now and then.
        compiled.assess("ik wil weten of alles werkt, I want to know it works")
        gc.freeze()
        return compiled


_shipped = _Shipped()


def detector() -> Detector:
    """The detector of the shipped vocabulary, compiled on first use."""
    return _shipped.detector


def assess(text: str) -> Assessment:
    """What `text` signals, read with the shipped vocabulary."""
    return detector().assess(text)
