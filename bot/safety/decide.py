"""Decide what a message signals: a tier, a category and which vocabulary entries said so.

The rules that matched are weighed with what surrounds them (`context`: denial, a past that is
over, a story told at a distance or about someone else, laughter), then escalated to acute where
there is a plan or danger now (a suicide signal with a means, a place or a time). Then the
learned second opinion (`second`) is weighed: heard alone where no rule spoke and it is
confident, able to make a concern a plan, and to silence a rule's concern it reads as
ordinary, as the combiner learnt from how the rules and the model did (`combine`).

Recall wins: only these things cancel (a child in danger is never read as someone else's
story), never an acute rule nor danger now, and a rule that is nearly always right when it
speaks is never silenced.
"""

from __future__ import annotations

import gc
from functools import cached_property
from typing import NamedTuple

from bot.safety.assessment import NONE, Assessment
from bot.safety.context import Context, Hit
from bot.safety.learned import Model, load_model
from bot.safety.match import EverydayPhrase, Found, Span, masked_by, near
from bot.safety.normalise import Reader, Token
from bot.safety.reading import Reading
from bot.safety.second import SecondOpinion, Weighed, weighed
from bot.safety.sieve import Sieve
from bot.safety.terms import Terms, needs
from bot.safety.typos import nearest
from bot.safety.vocabulary import CATEGORIES, Vocabulary, load

#: Longer messages are read up to here; Telegram's own limit is 4,096 characters.
_MAX_CHARS = 8192


class _Read(NamedTuple):
    """A message as the rules read it, before the model is asked."""

    tokens: list[Token]
    found: Found  # its terms, everyday phrases set aside
    whole: Found  # its terms, everyday phrases too
    hidden: frozenset[int]  # words of everyday phrases whose sentences the model alone skips
    raw: list[Hit]  # the rules that matched
    denied: list[Span]  # where a rule matched but was denied
    hits: list[Hit]  # the rules that stand in their context


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
        # Every way of writing a lookalike, each on its own: any of them sets words aside,
        # except in a sentence that holds one of its `unless` pieces.
        self._lookalikes: list[EverydayPhrase] = list(
            dict.fromkeys(
                ((piece,), tuple(self._terms.piece(u) for u in lk.unless), lk.model_reads)
                for lk in vocabulary.lookalikes
                for piece in self._terms.piece(lk.pattern)
            )
        )
        # Only the rules and lookalikes whose words the message holds are looked for.
        self._rule_sieve = Sieve([pieces for _, pieces in self._rules], self._terms.cost)
        self._lookalike_sieve = Sieve([[p] for p, _, _ in self._lookalikes], self._terms.cost)
        self._escalations = [
            (e, [self._terms.piece(p) for p in e.with_]) for e in vocabulary.escalations
        ]
        self._context = Context(
            self._terms, vocabulary, {rule.id: pieces for rule, pieces in self._rules}
        )
        # The partner and "hij", "she": someone else who may have struck the blow.
        concepts = vocabulary.concepts
        self._others = tuple(
            self._terms.term(f"@{name}") for name in ("he", "partner") if name in concepts
        )
        self._escalated_to = {e.id: e.to for e in vocabulary.escalations}
        self._second = SecondOpinion(self._terms, vocabulary, self._escalations)
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

    def weighed(self, text: str) -> Weighed | None:
        """What the combiner weighs of a message where a rule stands (`combine`), None where
        none does; `silenceable` says whether it may silence it (not an acute rule nor danger now).
        What `make safety-model` learns the combiner from."""
        read = self._read(text)
        if read is None or self.learned is None or not read.hits:
            return None
        decided = self._decided(read.hits, read.found)
        escalated = decided.tier == "acute"
        silenceable = not escalated or self._only_a_plan_escalated(read.hits, decided)
        reading = Reading(self.learned, read.tokens)
        return weighed(read.hits, read.tokens, reading, escalated, silenceable)

    def _read(self, text: str) -> _Read | None:
        """The message as the rules read it; None for one without words."""
        tokens = self.tokens(text)
        if not tokens:
            return None
        found = whole = Found(tokens)
        lookalikes = self._lookalikes
        masked, hidden = masked_by(
            found, [lookalikes[i] for i in self._lookalike_sieve.candidates(found.present)]
        )
        if masked:
            found = found.without(masked)
        raw, denied = self._hits(found)
        sentences = {hit.span.sentence for hit in raw}
        hits = [hit for hit in raw if self._context.stands(hit, found, tokens, sentences, whole)]
        return _Read(tokens, found, whole, hidden, raw, denied, hits)

    def _assess(self, text: str) -> Assessment:
        read = self._read(text)
        if read is None:
            return NONE
        tokens, found, whole, hidden, raw, denied, hits = read
        if self.learned is None:
            return self._decided(hits, found) if hits else NONE
        learned = Reading(self.learned, tokens)
        if not hits:
            return self._second.unheard(tokens, found, hidden, raw, denied, learned)
        decided = self._decided(hits, found)
        if decided.tier == "concern":
            return self._second.concern(decided, hits, found, whole, tokens, learned)
        if self._only_a_plan_escalated(hits, decided):
            return self._second.escalated(decided, hits, whole, tokens, learned)
        return decided  # an acute rule, or danger now: never overruled

    def _only_a_plan_escalated(self, hits: list[Hit], decided: Assessment) -> bool:
        """Whether the acute reading comes only from escalations to a suicide plan."""
        if any(hit.rule.tier == "acute" for hit in hits):
            return False
        targets = {self._escalated_to[w] for w in decided.why if w in self._escalated_to}
        return targets == {"suicide_plan"}

    def _hits(self, found: Found) -> tuple[list[Hit], list[Span]]:
        """The rules that match, each at its first place not denied, and the places where a
        rule matched but is denied ("hij heeft me nooit geslagen")."""
        hits = []
        denied: list[Span] = []
        rules, rule_needs = self._rules, self._needs
        for number in self._rule_sieve.candidates(found.present):
            rule, pieces = rules[number]
            shared = found.shared(rule_needs[number])
            if shared is None or not (shared or rule.across):
                continue  # its pieces never meet in one sentence
            for span in found.together(pieces, rule.window, rule.across, shared):
                if rule.category == "children" and self._context.as_a_child(span, found):
                    denied.append(span)  # the writer's childhood: another child may follow
                    continue
                if not (rule.negatable and self._context.denied(span, found)):
                    hits.append(Hit(rule, span))
                    break
                denied.append(span)
        return hits, denied

    def _decided(self, hits: list[Hit], found: Found) -> Assessment:
        categories = {hit.rule.category for hit in hits}
        # The sentences where someone else (the partner, "hij", "she") appears.
        elsewhere = _sentences_of(found, self._others)
        if (
            "selfharm" in categories
            and "violence" in categories
            and _own_blows(hits, found, elsewhere)
        ):
            # "na elke ruzie sla ik mezelf tegen mijn hoofd": the blow a violence rule heard is
            # the one a self-harm rule read, the writer's own; 113 helps there, not Veilig Thuis.
            categories.discard("violence")
        yielded = [c for c in categories if _yielded(c, hits, found, elsewhere)]
        if len(yielded) == len(categories):
            yielded = []  # rules that yield to each other: none is named away
        for category in yielded:
            # "ik mag mijn vriendinnen niet meer zien van hem": the words a goodbye rule heard
            # are what a control rule read, with someone else acting: its service, not 113;
            # nor does it make a plan of "vanavond" beside it.
            categories.discard(category)
        acute = {hit.rule.category for hit in hits if hit.rule.tier == "acute"}
        why = [hit.rule.id for hit in hits]
        past: set[int] | None = None  # the sentences told as far behind, read once if asked
        for escalation, pieces in self._escalations:
            if "rules" not in escalation.heard_by:
                continue  # only the learned model's reading is escalated by it
            signals = [
                hit.span
                for hit in hits
                if hit.rule.category in escalation.found and hit.rule.category not in yielded
            ]
            barred: set[int] = set()  # sentences neither the signal nor its piece may stand in
            if signals and escalation.past_cancels:
                barred = past = self._context.told_long_ago(found) if past is None else past
                signals = [s for s in signals if s.sentence not in barred]
            if signals and any(
                near(span, signals, escalation.within) and span.sentence not in barred
                for piece in pieces
                for span in found.spans(piece)
            ):
                acute.add(escalation.to)
                why.append(escalation.id)
        named = acute or categories
        category = next(c for c in CATEGORIES if c in named)
        return Assessment("acute" if acute else "concern", category, tuple(dict.fromkeys(why)))


def _yielded(category: str, hits: list[Hit], found: Found, elsewhere: int) -> bool:
    """Whether every rule of `category` that matched yields (`Rule.yields_to`) to another rule
    that read some of its words, in a sentence where someone else appears (`elsewhere`: those
    sentences, a bit each)."""
    mine = [hit for hit in hits if hit.rule.category == category]
    if not all(hit.rule.yields_to for hit in mine):
        return False
    tokens = found.tokens
    for hit in mine:
        if not elsewhere >> tokens[hit.span.start].sentence & 1:
            return False
        if not any(
            other.rule.category in hit.rule.yields_to
            and not set(other.span.used).isdisjoint(hit.span.used)
            for other in hits
        ):
            return False
    return True


#: The writer as the one who acts on themselves ("ik sla mezelf", "I punch myself").
_MYSELF = frozenset({"ik", "i", "mezelf", "mijzelf", "myself", "zelf", "eigen"})


def _own_blows(hits: list[Hit], found: Found, elsewhere: int) -> bool:
    """Whether every violence rule that matched read the words a self-harm rule read, in a
    sentence where the writer acts on themselves and nobody else does (`elsewhere`: the
    sentences where the partner, "hij" or "she" appears): "sla ik mezelf tegen mijn hoofd", not
    "hij knijpt in mijn arm tot het blauw is" nor "my ex punched me when I was pregnant". The
    blows are the writer's own."""
    tokens = found.tokens
    own = [set(hit.span.used) for hit in hits if hit.rule.category == "selfharm"]
    for hit in hits:
        if hit.rule.category != "violence":
            continue
        used = set(hit.span.used)
        shared = [words | used for words in own if not words.isdisjoint(used)]
        if not shared:
            return False
        sentences = {tokens[u].sentence for words in shared for u in words}
        near = {n for sentence in sentences for n in (sentence - 1, sentence, sentence + 1)}
        if any(elsewhere >> n & 1 for n in near if n >= 0):
            return False
        if not any(t.text in _MYSELF for t in tokens if t.sentence in sentences):
            return False
    return True


def _sentences_of(found: Found, terms: tuple[int, ...]) -> int:
    """The sentences (a bit each) that hold any of `terms`."""
    bits = 0
    for term in terms:
        bits |= found.mask(term)
    return bits


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
