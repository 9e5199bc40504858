"""What surrounds the words of a rule, and whether the rule still stands once it is read.

- a denial next to the words ("hij slaat me niet", "ik wil niet dood") cancels a rule, within its
  clause; the next clause is read afresh ("hij slaat me niet, hij duwt me tegen de muur"); a
  denial inside a condition ("als hij niet belt, ...") does not reach what follows;
- a past that is over and safe now ("vroeger ... maar nu ben ik veilig"), or far behind and going
  well ("als tiener ...; nu gaat het goed"), cancels a concern, unless the message says it came
  back ("weer", "opnieuw", "again");
- a story told at a distance (a film, a book, the news) cancels a concern in its own clause,
  but not what someone at home does to the writer's own child there ("hij sloot onze zoon op
  omdat hij huilde bij een horrorfilm");
- a story about someone else ("mijn zus vertelde dat haar ex haar volgde", "een collega heeft
  zelfmoord gepleegd") cancels a concern in its clause when the writer is not in it ("ik", "me");
- control or tracking both partners chose ("allebei", "afgesproken"), or the writer asked for
  ("da heb ik zelf gevraagd"), cancels it in its sentence;
- laughter ("haha", a laughing emoji) cancels a rule marked `hyperbole` ("ze vermoordt me 😅");
- a word of the present beside a past told far behind ("vroeger ..., ik ben nu 26") tells these
  days, for the escalations that say so (`told_long_ago`);
- a child who is the writer as a child ("als kind mocht ik niet huilen", "as a kid I was
  scared of my dad") is the writer's childhood, not a child in danger at home now: a rule
  about children does not take that word for its child (`as_a_child`).

An acute rule is cancelled only by a story at a distance without the writer, someone else as
the subject of the act, or the writer's own plan told as a past long over.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.safety.match import Found, Span
from bot.safety.normalise import Token
from bot.safety.terms import Pattern, Terms
from bot.safety.vocabulary import MODIFIERS, OPTIONAL_MODIFIERS, Rule, Vocabulary

#: Words a denial reaches on either side of the words of a rule.
_DENIAL_BEFORE = 2
_DENIAL_AFTER = 1
#: How far after a denied act an exception ("tot gisteren", "except once") undoes the denial.
_EXCEPTION_AFTER = 3
#: How far a denial reaches over the reason it leads ("niet omdat ...") and over a list.
_DENIAL_REASON = 12
_DENIAL_LIST = 5
#: How far before a rule's words the writer may stand as its subject ("I'm not allowed").
_SUBJECT_BEFORE = 3
#: The writer's own words that may stand for an owner ("mijn zus") rather than the writer.
_POSSESSIVES = frozenset({"mijn", "my", "mn", "mine", "onze", "our", "ons"})
#: The categories that are about the writer's own life and death: a clause about someone else
#: ("ze is er niet meer") is their story.
_OWN_STORY = frozenset({"suicide", "selfharm"})
#: The writer as a child: the child a rule about children must not take for a child at home.
_AS_A_CHILD = (
    "als+kind|als+klein+kind|als+jong+kind|als+kleuter|als+kleine|as+a+kid|as+a+child"
    "|as+kids|as+children|as+a+little+kid|as+a+small+child|as+a+young+child|toen+ik+kind"
    "|toen+ik+een+kind|toen+ik+nog+een+kind|when+i+was+a+kid|when+i+was+a+child"
    "|when+we+were+kids|when+i+was+little|toen+ik+klein+was"
)
#: The categories that something both partners chose cancels ("we delen allebei onze locatie").
_MUTUAL = frozenset({"control", "stalking"})
#: What the writer asked for themselves ("da heb ik zelf gevraagd", "at my own request"): in its
#: sentence it is chosen, as what both chose is. Not "I asked him to", which is as often "to
#: stop".
_CONSENTED = (
    "zelf+gevraagd|zelf+om+gevraagd|zelf+voorgesteld|op+mijn+eigen+vraag|op+mijn+vraag"
    "|op+eigen+verzoek|op+mijn+verzoek|mijn+eigen+idee|at+my+request|at+my+own+request"
    "|my+own+idea|i+asked+him+to+do+this|i+asked+her+to+do+this|i+asked+for+it"
    "|i+literally+asked|ik+heb+het+zelf+gevraagd|ik+heb+dat+zelf+gevraagd|da+heb+ik+zelf+gevraagd"
    "|dat+heb+ik+zelf+gevraagd|because+i+asked+him|because+i+asked+her|omdat+ik+het+vroeg"
    "|was+mijn+idee|was+mn+idee|was+my+idea|zelf+aangezet|zelf+afzetten|zelf+uitzetten"
    "|turned+it+on+myself|can+turn+it+off"
)
#: A past told far behind: a word of the present set against it tells these days ("vroeger
#: sloeg hij me, ik ben nu 26 en veilig"), not violence now.
_PAST_TOLD = (
    "@long_ago|jaar+geleden|jaren+geleden|year+ago|years+ago|decade+ago|als+kind|als+klein+kind"
    "|as+a+kid|as+a+child|when+i+was|toen+ik+klein|toen+ik+jong|used+to"
    # "sinds mijn zestiende" is an age long past; "sinds mijn verhuizing" may be last week
    "|sinds+mijn+tiende|sinds+mijn+twaalfde|sinds+mijn+dertiende|sinds+mijn+veertiende"
    "|sinds+mijn+vijftiende|sinds+mijn+zestiende|sinds+mijn+zeventiende|sinds+mijn+achttiende"
    "|sinds+mijn+negentiende|sinds+mijn+twintigste|since+i+was"
)
#: Years gone by, told of a harm in its own sentence or the next ("Bij mijn ex was ik altijd
#: bang. Dat is nu drie jaar geleden en het is rustig bij Tom."): a past far behind, as
#: "vroeger" is. Not weeks or months, which may be last season's harm.
_YEARS_AGO = (
    "jaar+geleden|jaren+geleden|jaartjes+geleden|jaar+terug|jaren+terug|year+ago|years+ago"
    "|decade+ago|jaar+voorbij|jaren+voorbij|years+behind"
)
#: A sentence that looks back at the one before: "Dat is nu ...", "That was ...".
_LOOKING_BACK = "dat|da|das|dit|that|this|it"
#: Where the years gone by tell when a harm began ("twee jaar geleden begon hij", "since"), not
#: when it ended: such a sentence is no past far behind.
_BEGAN = "begon|begonnen|begint|started|starts|sinds|since|al+jaren|for+years|ever+since|vanaf"
#: What says a past harm came back ("en nu slaat hij me weer"); "nog" and "still" say a
#: feeling goes on ("ik schrik nog van harde stemmen"), not the harm.
_CAME_BACK = "weer|opnieuw|alweer|again|terug+begonnen|started+again|back+to"


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that matched, and where."""

    rule: Rule
    span: Span


class Context:
    """The vocabulary's modifier concepts compiled, read around each rule that matched."""

    def __init__(
        self, terms: Terms, vocabulary: Vocabulary, rule_pieces: Mapping[str, Sequence[Pattern]]
    ) -> None:
        """`rule_pieces`: each rule's pieces as the detector compiled them, by rule id."""
        self._modifier = {name: terms.term(f"@{name}") for name in MODIFIERS}
        self._modifier.update(
            (name, terms.term(f"@{name}"))
            for name in OPTIONAL_MODIFIERS
            if name in vocabulary.concepts
        )
        self._partner = terms.term("@partner") if "partner" in vocabulary.concepts else None
        self._as_a_child = terms.piece(_AS_A_CHILD)
        self._consented = terms.piece(_CONSENTED)
        self._past_told = terms.piece(_PAST_TOLD)
        self._came_back = terms.piece(_CAME_BACK)
        self._years_ago = terms.piece(_YEARS_AGO)
        self._years_ago_back = terms.piece(f"{_LOOKING_BACK} ... {_YEARS_AGO}")
        self._began = terms.piece(_BEGAN)
        # Each rule's own words: a word a rule could have read is its matter, not a story
        # around it ("mijn playstation en mijn kleren weggegeven" is no game).
        self._own_terms = {
            rule: frozenset(term for pattern in pieces for seq in pattern for term, _ in seq)
            for rule, pieces in rule_pieces.items()
        }

    def as_a_child(self, span: Span, found: Found) -> bool:
        """Whether a rule's words take the writer as a child for their child ("als kind",
        "as a kid"): a childhood told, which a rule about children at home never hears."""
        childhood = {u for s in found.spans(self._as_a_child) for u in s.used}
        return bool(childhood) and not childhood.isdisjoint(span.used)

    def denied(self, span: Span, found: Found) -> bool:
        """Whether a denial stands next to the rule's words, in one of their clauses."""
        tokens = found.tokens
        clauses = {tokens[u].clause for u in span.used}
        if any(span.end < e <= span.end + _EXCEPTION_AFTER for e in self._at("exception", found)):
            return False  # "nooit geslagen, tot gisteren": the exception says it happened
        for at in _in(tokens, found.positions(self._modifier["negation"]), clauses):
            if at in span.used:
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

    def stands(
        self, hit: Hit, found: Found, tokens: list[Token], sentences: set[int], whole: Found
    ) -> bool:
        """Whether a concern holds once the past, distance, other people and jokes are read
        (`whole`: the message with its everyday phrases, where years gone by are read)."""
        clauses = {tokens[u].clause for u in hit.span.used}
        own_terms = self._own_terms.get(hit.rule.id, frozenset())
        distance = any(
            at not in hit.span.used and own_terms.isdisjoint(tokens[at].ids)
            for at in _in(tokens, self._at("distance", found), clauses)
        ) and not self._own_child(hit, found, clauses)
        setting = any(
            at not in hit.span.used for at in _in(tokens, self._at("setting", found), clauses)
        )
        others = hit.rule.category != "children" and self._about_others(hit, found, clauses)
        if hit.rule.category in _OWN_STORY and not others and not self._writer_in(found, clauses):
            # "Oma is overleden ... dat zij er niet meer is": thoughts of death or harm
            # are the writer's only when the writer is in them.
            # Only as the subject, before the words ("ze is er niet meer"): chat drops "ik",
            # and "cut again after he didnt answer" is the writer's own.
            others = any(
                at < hit.span.start for at in _in(tokens, self._at("third_person", found), clauses)
            )
        sentence = {tokens[u].sentence for u in hit.span.used}
        if hit.rule.tier == "acute":
            # Only a story told at a distance without the writer in it ("in de film sprong
            # iemand van een brug"); chat drops "ik", so other people alone never cancel a plan;
            # and a plan of the writer's own told as a past long over ("als tiener nam ik
            # pillen; dat is twintig jaar voorbij en het gaat goed").
            if (distance or setting) and not self._writer_in(found, clauses):
                return False
            own = hit.rule.category in _OWN_STORY or hit.rule.category == "suicide_plan"
            # Someone else as the subject, before the words ("hij springt van het dak van de
            # schuur in het zwembad"): their act, not the writer's plan.
            if (
                own
                and not self._writer_in(found, clauses)
                and any(
                    at < hit.span.start
                    for at in _in(tokens, self._at("third_person", found), clauses)
                )
            ):
                return False
            return not (own and self._long_over(found, sentence, sentences, whole))
        if distance or others:
            return False
        if setting and not self._done_to_writer(hit, found):
            return False  # "bij het boksen geraakt", not "ik speel voetbal en hij slaat me"
        if hit.rule.category in _MUTUAL and (
            any(
                tokens[at].sentence == hit.span.sentence and not self._denied_word(at, found)
                for at in self._at("mutual", found)
            )
            or any(s.sentence == hit.span.sentence for s in found.spans(self._consented))
        ):
            # "ze kijkt in mijn telefoon en ik in de hare, allebei nieuwsgierig"; "hij leest
            # mijn reflecties mee, da heb ik zelf gevraagd"
            return False
        if hit.rule.hyperbole and any(
            not self._denied_word(at, found) for at in self._at("joke", found)
        ):
            return False  # a joke, but not "dat was GEEN grapje"
        if self._long_over(found, sentence, sentences, whole):
            return False
        past = any(tokens[at].sentence in sentence for at in self._at("past", found))
        if not past or not self._safe_now(found):
            return True
        # "weer", "nog steeds" count where something was heard, not in "nu durf ik weer".
        return any(tokens[at].sentence in sentences for at in self._at("again", found))

    def _own_child(self, hit: Hit, found: Found, clauses: set[int]) -> bool:
        """Whether a rule about children names the writer's own child ("onze zoon", "my
        daughter") and someone at home acts in its clause ("hij", "die"): a film there is a
        circumstance of what is done to that child ("sinds hij hem opsloot omdat hij huilde
        bij een horrorfilm"), not a story told, as the news of a shooting is."""
        tokens = found.tokens
        if hit.rule.category != "children" or not any(
            u > 0 and tokens[u - 1].text in _POSSESSIVES for u in hit.span.used
        ):
            return False
        return bool(_in(tokens, self._at("third_person", found), clauses))

    def told_long_ago(self, found: Found) -> set[int]:
        """The sentences that tell a past far behind, and the sentence after each: where a
        word of the present ("nu", "now") tells these days, for an escalation that says
        `past_cancels`. No sentence where the message says the harm came back ("weer", "again")."""
        if found.spans(self._came_back):
            return set()
        told = {span.sentence for span in found.spans(self._past_told)}
        return told | {sentence + 1 for sentence in told}

    def _long_over(
        self, found: Found, sentence: set[int], sentences: set[int], whole: Found
    ) -> bool:
        """Whether the words tell of a past far behind ("vroeger", "als tiener", in their own
        sentence or the next) that is over now ("het gaat nu goed", "I'm safe"), and nothing
        says it came back ("weer", "still")."""
        tokens = found.tokens
        # The next sentence tells of the same past ("Ik sneed mezelf. Dat was als tiener."),
        # unless it tells of someone else's ("Hij zegt dat hij vroeger ook zo is opgevoed").
        theirs = {tokens[at].sentence for at in self._at("third_person", found)}
        told = any(
            tokens[at].sentence in sentence
            or (tokens[at].sentence - 1 in sentence and tokens[at].sentence not in theirs)
            for at in self._at("long_ago", found)
        )
        if not (told or self._years_gone_by(whole, sentence)):
            return False
        if any(tokens[at].sentence in sentences for at in self._at("again", found)):
            return False
        if self._safe_now(found):
            return True
        negations = set(self._at("negation", found))
        # "het wordt nooit beter" is no sign of it being over.
        return any(
            not negations.intersection(range(at - 2, at)) for at in self._at("better_now", found)
        )

    def _years_gone_by(self, whole: Found, sentence: set[int]) -> bool:
        """Whether years gone by are told in the harm's own sentence, or in the next where it
        looks back at it ("Dat is nu drie jaar geleden"), and not as when the harm began
        ("twee jaar geleden begon hij"). Read in the whole message: "nu, jaren geleden" is an
        everyday phrase the rules skip."""
        began = {s.sentence for s in whole.spans(self._began)}
        if any(
            s.sentence in sentence and s.sentence not in began for s in whole.spans(self._years_ago)
        ):
            return True
        return any(
            s.sentence - 1 in sentence and s.sentence not in began
            for s in whole.spans(self._years_ago_back)
        )

    def _safe_now(self, found: Found) -> list[int]:
        """Where the message says it is safe now, not where it says it is not ("nu ben ik niet
        veilig meer")."""
        return [at for at in self._at("safe_now", found) if not self._denied_word(at, found)]

    def _denied_word(self, at: int, found: Found) -> bool:
        """Whether a denial stands just before the word at `at`, in its clause ("dat hebben we
        nooit afgesproken", "we never agreed"): a denied agreement is none."""
        clause = found.tokens[at].clause
        return any(
            at - _DENIAL_BEFORE - 1 <= n < at and found.tokens[n].clause == clause
            for n in self._at("negation", found)
        )

    def _done_to_writer(self, hit: Hit, found: Found) -> bool:
        """Whether the rule's words are done to the writer ("slaat me", "dreigt mij"), or, for
        control, are the writer's own lack of freedom ("I'm not allowed to see the nurse
        alone"): the writer is its subject."""
        writer = set(self._at("obj_me", found))
        if any(at in writer for at in hit.span.used):
            return True
        if hit.rule.category not in _MUTUAL:
            return False
        # The writer as the subject, in the rule's words or just before them ("I'm not allowed").
        span = hit.span
        return any(
            span.start - _SUBJECT_BEFORE <= at <= span.end
            and found.tokens[at].clause == found.tokens[span.start].clause
            for at in self._at("first_person", found)
        )

    def _at(self, modifier: str, found: Found) -> list[int]:
        term = self._modifier.get(modifier)
        return [] if term is None else found.positions(term)

    def _about_others(self, hit: Hit, found: Found, clauses: set[int]) -> bool:
        """Whether the hit's clause tells of someone else and the writer is not in it."""
        if self._writer_in(found, clauses):
            return False
        tokens = found.tokens
        if _in(tokens, self._at("others", found), clauses):
            return True
        theirs = _in(tokens, self._at("their", found), clauses)
        if not theirs:
            return False
        partners = self._people(found, partner_only=True)
        return any(at + 1 in partners or at + 2 in partners for at in theirs)

    def _writer_in(self, found: Found, clauses: set[int]) -> bool:
        """Whether the writer stands in the clauses as themselves ("ik", "me", "mijn arm"), not
        only as the owner of someone else ("mijn zus", "mijn beste vriendin", "my friend's")."""
        tokens = found.tokens
        writer = _in(tokens, self._at("first_person", found), clauses)
        if any(tokens[at].text not in _POSSESSIVES for at in writer):
            return True
        if not writer:
            return False
        people = self._people(found)
        return any(not (at + 1 in people or at + 2 in people) for at in writer)

    def _people(self, found: Found, partner_only: bool = False) -> set[int]:
        at = set() if self._partner is None else set(found.positions(self._partner))
        if not partner_only:
            at.update(self._at("others", found))
        return at


def _in(tokens: Sequence[Token], places: list[int], clauses: set[int]) -> list[int]:
    """The places that stand in one of the clauses, each clause named by its first
    token: a clause's tokens follow each other from there, so only they are looked at."""
    if len(places) < 8:
        return [at for at in places if tokens[at].clause in clauses]
    inside = []
    for clause in clauses:
        k = bisect_left(places, clause)
        while k < len(places) and tokens[places[k]].clause == clause:
            inside.append(places[k])
            k += 1
    return inside
