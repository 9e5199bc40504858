"""Decide what a message signals: a tier, a category and which vocabulary entries said so.

The rules that matched are weighed with what surrounds them:
- a denial next to the words ("hij slaat me niet", "ik wil niet dood") cancels a rule, within its
  clause; the next clause is read afresh ("hij slaat me niet, hij duwt me tegen de muur");
- a past that is over and safe now ("vroeger ... maar nu ben ik veilig") cancels a concern, unless
  the message says it came back ("weer", "opnieuw", "again");
- a story told at a distance (a film, a book, the news) cancels a concern in its own clause;
- a story about someone else ("mijn zus vertelde dat haar ex haar volgde", "een collega heeft
  zelfmoord gepleegd") cancels a concern in its clause when the writer is not in it ("ik", "me");
- laughter ("haha", a laughing emoji) cancels a rule marked `hyperbole` ("ze vermoordt me 😅");
- escalations make a signal acute (a suicide signal with a means, a place or a time).

Then the learned second opinion (`learned`) is weighed: heard alone where no rule spoke and it
is confident, and able to overrule a rule's concern whose own sentences read clearly ordinary.

Recall wins: only these things cancel, never an acute signal, and never a child in danger.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.safety.learned import Model, load_model
from bot.safety.match import Found, Pattern, Span, Terms, masked_by
from bot.safety.normalise import Reader, Token
from bot.safety.vocabulary import (
    CATEGORIES,
    MODIFIERS,
    OPTIONAL_MODIFIERS,
    Category,
    Rule,
    Tier,
    Vocabulary,
    load,
)

#: Words a denial reaches on either side of the words of a rule.
_DENIAL_BEFORE = 2
_DENIAL_AFTER = 1
#: How far a denial reaches over the reason it leads ("niet omdat ...") and over a list.
_DENIAL_REASON = 12
_DENIAL_LIST = 5
#: The writer's own words that may stand for an owner ("mijn zus") rather than the writer.
_POSSESSIVES = frozenset({"mijn", "my", "mn", "mine", "onze", "our", "ons"})
#: The categories that are about the writer's own life and death: a clause about someone else
#: ("ze is er niet meer") is their story.
_OWN_STORY = frozenset({"suicide", "selfharm"})
#: The categories that something both partners chose cancels ("we delen allebei onze locatie").
_MUTUAL = frozenset({"control", "stalking"})
#: The fewest words in a rule's sentences for the model to overrule it: a short plain
#: statement ("hij wil niet dat ik werk") is left to the rules.
_VETO_WORDS = 12
#: The fewest words the learned model alone goes by: below, the rules decide on their own.
_MODEL_WORDS = 8
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


@dataclass(frozen=True, slots=True)
class _Hit:
    rule: Rule
    span: Span


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
        self._lookalikes: dict[str, Pattern] = {
            lk.id: self._terms.piece(lk.pattern) for lk in vocabulary.lookalikes
        }
        self._escalations = [
            (e, [self._terms.piece(p) for p in e.with_]) for e in vocabulary.escalations
        ]
        self._modifier = {name: self._terms.term(f"@{name}") for name in MODIFIERS}
        self._modifier.update(
            (name, self._terms.term(f"@{name}"))
            for name in OPTIONAL_MODIFIERS
            if name in vocabulary.concepts
        )
        self._partner = self._terms.term("@partner") if "partner" in vocabulary.concepts else None
        # The typo words by length: a word is compared only with those a typo away in length
        # (one letter under eight letters, two from eight), the lists made once.
        by_length: dict[int, list[str]] = {}
        for typo_word in sorted(vocabulary.typo_words):
            by_length.setdefault(len(typo_word), []).append(typo_word)
        longest = max(by_length, default=0) + 3
        choices_for = {
            size: [
                w
                for n in range(size - _typos(size), size + _typos(size) + 1)
                for w in by_length.get(n, ())
            ]
            for size in range(longest)
        }
        known = self._terms.words() | set(vocabulary.spelling.values())

        def near(word: str) -> str | None:
            cutoff = _typos(len(word))
            choices = choices_for.get(len(word))
            if not choices:
                return None
            best = process.extractOne(
                word, choices, scorer=Levenshtein.distance, score_cutoff=cutoff
            )
            return None if best is None else str(best[0])

        def matches(word: str) -> bool:
            return bool(self._terms.ids_of((word,)))

        self._reader = Reader(vocabulary.spelling, known, near, matches, self._terms.ids_of)

    def tokens(self, text: str) -> list[Token]:
        """The message as the net reads it (what the learned model is trained on, too)."""
        return self._reader.tokens(text[:_MAX_CHARS])

    def assess(self, text: str) -> Assessment:
        """The tier and category `text` signals, with the entries that said so."""
        tokens = self.tokens(text)
        if not tokens:
            return NONE
        found = Found(tokens, self._terms)
        masked = masked_by(found, self._lookalikes)
        if masked:
            found = found.without(masked)
        raw, denied = self._hits(found)
        sentences = {hit.span.sentence for hit in raw}
        hits = [hit for hit in raw if self._stands(hit, found, tokens, sentences)]
        learned = self.learned
        if learned is None:
            return self._decided(hits, found) if hits else NONE
        if hits:
            decided = self._decided(hits, found)
            if decided.tier == "concern":
                # The words matched a rule, but the sentences they stand in read as clearly
                # ordinary ("ik vermoord je als je de finale verklapt"): only those sentences
                # are weighed, so a signal in a long ordinary reflection is not thinned out.
                # An acute rule is never overruled.
                said = {hit.span.sentence for hit in hits}
                local = [t for t in tokens if t.sentence in said]
                if len(local) >= _VETO_WORDS and learned.danger(local) < learned.veto:
                    return Assessment("none", None, (*decided.why, "learned.ordinary"))
            return decided
        # The model alone reads the sentences the rules left open: not one holding an
        # everyday phrase, nor one where a rule was read as denied, past, distance or someone
        # else's story (the rules know those words better); and only enough words to go by.
        spoken_for = {tokens[i].sentence for i in masked}
        spoken_for.update(span.sentence for span in denied)
        spoken_for.update(hit.span.sentence for hit in raw)
        if spoken_for:
            tokens = [t for t in tokens if t.sentence not in spoken_for]
        if len(tokens) < _MODEL_WORDS:
            return NONE
        if learned.danger(tokens) < learned.alone:
            return NONE
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

    def _hits(self, found: Found) -> tuple[list[_Hit], list[Span]]:
        """The rules that match, each at its first place not denied, and the places where a
        rule matched but is denied ("hij heeft me nooit geslagen")."""
        hits = []
        denied: list[Span] = []
        for rule, pieces in self._rules:
            for span in found.together(pieces, rule.window, rule.across):
                if not (rule.negatable and self._denied(span, found)):
                    hits.append(_Hit(rule, span))
                    break
                denied.append(span)
        return hits, denied

    def _denied(self, span: Span, found: Found) -> bool:
        """Whether a denial stands next to the rule's words, in one of their clauses."""
        tokens = found.tokens
        clauses = {tokens[u].clause for u in span.used}
        for at in found.positions(self._modifier["negation"]):
            if at in span.used or tokens[at].clause not in clauses:
                continue
            if at + 1 in found.positions(self._modifier["not_negation"]):
                continue
            if any(at < c < span.end for c in self._at("contrast", found)):
                continue  # "niet genomen maar bewaard": what follows "maar" is said
            if at < span.start and any(
                c < at and tokens[c].clause == tokens[at].clause
                for c in self._at("condition", found)
            ):
                continue  # "als hij niet terugbelt, rij ik ...": the denial is the condition's
            if span.start - _DENIAL_BEFORE <= at <= span.end + _DENIAL_AFTER:
                return True
            if at < span.start <= at + _DENIAL_REASON and at + 1 in self._at("because", found):
                return True  # "niet omdat ik bang voor hem ben"
            if span.start - _DENIAL_LIST <= at < span.start and any(
                between in self._at("coordinator", found) for between in range(at + 1, span.start)
            ):
                return True  # "hij heeft me nooit geslagen of bedreigd"
        return False

    def _stands(self, hit: _Hit, found: Found, tokens: list[Token], sentences: set[int]) -> bool:
        """Whether a concern holds once the past, distance, other people and jokes are read."""
        clauses = {tokens[u].clause for u in hit.span.used}
        distance = any(
            tokens[at].clause in clauses and at not in hit.span.used
            for at in self._at("distance", found)
        )
        others = hit.rule.category != "children" and self._about_others(hit, found, clauses)
        if hit.rule.category in _OWN_STORY and not others and not self._writer_in(found, clauses):
            # "Oma is overleden ... dat zij er niet meer is": thoughts of death or harm
            # are the writer's only when the writer is in them.
            # Only as the subject, before the words ("ze is er niet meer"): chat drops "ik",
            # and "cut again after he didnt answer" is the writer's own.
            others = any(
                tokens[at].clause in clauses and at < hit.span.start
                for at in self._at("third_person", found)
            )
        sentence = {tokens[u].sentence for u in hit.span.used}
        if hit.rule.tier == "acute":
            # Only a story told at a distance without the writer in it ("in de film sprong
            # iemand van een brug"); chat drops "ik", so other people alone never cancel a plan;
            # and a plan of the writer's own told as a past long over ("als tiener nam ik
            # pillen; dat is twintig jaar voorbij en het gaat goed").
            if distance and not self._writer_in(found, clauses):
                return False
            own = hit.rule.category in _OWN_STORY or hit.rule.category == "suicide_plan"
            # Someone else as the subject, before the words ("hij springt van het dak van de
            # schuur in het zwembad"): their act, not the writer's plan.
            if (
                own
                and not self._writer_in(found, clauses)
                and any(
                    tokens[at].clause in clauses and at < hit.span.start
                    for at in self._at("third_person", found)
                )
            ):
                return False
            return not (own and self._long_over(found, sentence, sentences))
        if distance or others:
            return False
        if hit.rule.category in _MUTUAL and any(
            tokens[at].sentence == hit.span.sentence for at in self._at("mutual", found)
        ):
            return False  # "ze kijkt in mijn telefoon en ik in de hare, allebei nieuwsgierig"
        if hit.rule.hyperbole and self._at("joke", found):
            return False
        if self._long_over(found, sentence, sentences):
            return False
        past = any(tokens[at].sentence in sentence for at in self._at("past", found))
        if not past or not self._at("safe_now", found):
            return True
        # "weer", "nog steeds" count where something was heard, not in "nu durf ik weer".
        return any(tokens[at].sentence in sentences for at in self._at("again", found))

    def _long_over(self, found: Found, sentence: set[int], sentences: set[int]) -> bool:
        """Whether the words tell of a past far behind ("vroeger", "als tiener", in their own
        sentence or the next) that is over now ("het gaat nu goed", "I'm safe"), and nothing
        says it came back ("weer", "still")."""
        tokens = found.tokens
        if not any(
            tokens[at].sentence in sentence or tokens[at].sentence - 1 in sentence
            for at in self._at("long_ago", found)
        ):
            return False
        if any(tokens[at].sentence in sentences for at in self._at("again", found)):
            return False
        if self._at("safe_now", found):
            return True
        negations = set(self._at("negation", found))
        # "het wordt nooit beter" is no sign of it being over.
        return any(
            not negations.intersection(range(at - 2, at)) for at in self._at("better_now", found)
        )

    def _at(self, modifier: str, found: Found) -> list[int]:
        term = self._modifier.get(modifier)
        return [] if term is None else found.positions(term)

    def _about_others(self, hit: _Hit, found: Found, clauses: set[int]) -> bool:
        """Whether the hit's clause tells of someone else and the writer is not in it."""
        if self._writer_in(found, clauses):
            return False
        tokens = found.tokens
        if any(tokens[at].clause in clauses for at in self._at("others", found)):
            return True
        partners = self._people(found, partner_only=True)
        return any(
            tokens[at].clause in clauses and (at + 1 in partners or at + 2 in partners)
            for at in self._at("their", found)
        )

    def _writer_in(self, found: Found, clauses: set[int]) -> bool:
        """Whether the writer stands in the clauses as themselves ("ik", "me", "mijn arm"), not
        only as the owner of someone else ("mijn zus", "mijn beste vriendin", "my friend's")."""
        tokens = found.tokens
        people = self._people(found)
        return any(
            tokens[at].clause in clauses
            and (tokens[at].text not in _POSSESSIVES or not (at + 1 in people or at + 2 in people))
            for at in self._at("first_person", found)
        )

    def _people(self, found: Found, partner_only: bool = False) -> set[int]:
        at = set() if self._partner is None else set(found.positions(self._partner))
        if not partner_only:
            at.update(self._at("others", found))
        return at

    def _decided(self, hits: list[_Hit], found: Found) -> Assessment:
        categories = {hit.rule.category for hit in hits}
        acute = {hit.rule.category for hit in hits if hit.rule.tier == "acute"}
        why = [hit.rule.id for hit in hits]
        for escalation, pieces in self._escalations:
            signals = [hit.span for hit in hits if hit.rule.category in escalation.found]
            if signals and any(
                _near(span, signals, escalation.within)
                for piece in pieces
                for span in found.spans(piece)
            ):
                acute.add(escalation.to)
                why.append(escalation.id)
        named = acute or categories
        category = next(c for c in CATEGORIES if c in named)
        return Assessment("acute" if acute else "concern", category, tuple(dict.fromkeys(why)))


def _typos(length: int) -> int:
    """How many letters a word of `length` may differ from a vocabulary word it is read as."""
    return 1 if length < 8 else 2


def _near(span: Span, signals: list[Span], within: int | None) -> bool:
    if within is None:
        return True
    return any(
        span.start - within <= signal.end and signal.start <= span.end + within
        for signal in signals
    )


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
