"""The safety net's vocabulary: data files a trainer can read and edit, checked when loaded.

Each file under `vocabulary/` (one per language, plus the spelling of chat and Flemish) holds
any of these sections, every entry with a `why`:

- ``spelling``: typed words and what they stand for (``kzie: ik zie``), in groups;
- ``concepts``: named groups of words (``partner``, ``hit``, ``me``); a word matches by its plain
  spelling or its lemma, ``stem*``, ``*end`` and ``*part*`` match parts of words;
- ``rules``: a category, a tier and ``when``, the pieces that must all occur near each other in
  one sentence (``across: true``: in neighbouring sentences too); a piece is words in order
  (``wil ... dood``, each within a few words of the last), a word being a plain word,
  ``@concept`` or alternatives (``slaan|schoppen|@hit``), an alternative of words that stand
  side by side joined with ``+`` (``op+slot|dicht``); ``hyperbole: true`` marks words often said
  as a joke, which laughter in the message cancels;
- ``lookalikes``: everyday phrases that borrow a danger word ("hij sloeg de deur dicht"); their
  words are set aside before any rule is read, except in a sentence that holds one of their
  ``unless`` pieces (the harm said to be real after all: "kneep in mijn hand" is comfort, "...
  tot de botten kraakten" is not), with ``heard`` examples that must stay danger;
- ``escalations``: what turns a signal acute (a suicide signal and a means, a place or a time),
  anywhere in the message or, with ``within``, that many words from the signal; ``heard_by``
  says whose signal it escalates: the rules' (the default) and/or the learned model's reading
  where no rule spoke (``[rules, model]``, ``[model]``).

Files from every language are merged: concepts of one name add up, so a rule written once hears
both languages. `load` raises `VocabularyError` naming the file and entry of every problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.core.errors import DruppelError

#: Most urgent first: when a message fits several categories of one tier, the first is named
#: (it decides which service the participant is pointed to).
Category = Literal[
    "suicide_plan",
    "children",
    "sexual",
    "violence",
    "threat",
    "suicide",
    "selfharm",
    "stalking",
    "fear",
    "control",
]
Tier = Literal["acute", "concern", "none"]

CATEGORIES: tuple[Category, ...] = get_args(Category)
TIERS: tuple[Tier, ...] = ("acute", "concern", "none")

#: Concepts the decision reads by name; every vocabulary must define them.
MODIFIERS = ("negation", "not_negation", "past", "safe_now", "again", "distance")
#: Concepts the decision reads by name when a vocabulary defines them:
#: - ``others``: people other than the writer and the partner ("mijn zus", "een collega", "zich"),
#:   and ``their``: "haar", "zijn", "hun" before a partner word ("haar man"): a story about
#:   someone else, which cancels a concern when the writer ("ik", "me") is not in its clause;
#: - ``first_person``: the writer as subject or object ("ik", "me", "mij", "i", "me");
#: - ``joke``: laughter ("haha", "lol", a laughing emoji), which cancels a `hyperbole` rule;
#: - ``because``: a reason a denial leads ("niet omdat ik bang voor hem ben"), which the denial
#:   then covers to the end of its clause;
#: - ``coordinator``: the words of a list ("nooit geslagen of bedreigd"), over which a denial
#:   reaches a few words further;
#: - ``mutual``: control that goes both ways or was agreed ("en ik bij hem ook"), which cancels
#:   a control concern in its sentence;
#: - ``setting``: a sport, a job or furniture the harm comes from, read like ``distance`` except
#:   where the rule's words are done to the writer (``obj_me``: "mijn vriend slaat me");
#: - ``contrast``: "maar" after a denial, which ends its reach ("niet genomen maar bewaard");
#: - ``third_person``: someone else as subject ("ze is er niet meer"): a suicide or self-harm
#:   concern in a clause about them without the writer is their story;
#: - ``long_ago``: a past far behind ("vroeger", "als tiener", "decade"), which, in the words'
#:   sentence or the next ("... Dat is jaren voorbij."), with ``better_now`` ("nu gaat het
#:   goed", "I'm fine now") or ``safe_now``, cancels a concern, and a plan told as the past;
#: - ``condition``: "als", "if": a denial after it belongs to the condition ("als hij niet
#:   belt, rij ik ..."), not to what follows.
OPTIONAL_MODIFIERS = (
    "others",
    "their",
    "first_person",
    "joke",
    "because",
    "coordinator",
    "third_person",
    "contrast",
    "exception",
    "mutual",
    "long_ago",
    "better_now",
    "condition",
    "obj_me",
    "setting",
)

#: How many words a piece may skip between two of its words, and a rule's pieces may span.
GAP = 3
WINDOW = 10


class VocabularyError(DruppelError, ValueError):
    """The vocabulary files are not valid; the message names every problem."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    why: str = Field(min_length=3)


class SpellingGroup(_Entry):
    words: dict[str, str]

    @field_validator("words")
    @classmethod
    def _plain(cls, words: dict[str, str]) -> dict[str, str]:
        for typed, meant in words.items():
            if typed != typed.lower() or meant != meant.lower():
                raise ValueError(f"write {typed!r}: {meant!r} in lower case")
            if typed == meant:
                raise ValueError(f"{typed!r} stands for itself: leave it out")
        return words


class Concept(_Entry):
    words: list[str] = Field(min_length=1)

    @field_validator("words")
    @classmethod
    def _single(cls, words: list[str]) -> list[str]:
        for word in words:
            if not word or any(c.isspace() or c in "_|@" for c in word) or word != word.lower():
                raise ValueError(f"{word!r}: one word in lower case; phrases belong in rules")
        return words

    #: Whether a typo of one of its words (an unknown word one or two letters off) counts.
    typos: bool = False


class Rule(_Entry):
    id: str
    category: Category
    tier: Literal["acute", "concern"] = "concern"
    when: list[str] = Field(min_length=1)
    window: int = Field(default=WINDOW, ge=1, le=40)
    #: Whether a denial near the words cancels the rule; off for rules that are themselves a
    #: denial ("wil niet meer leven").
    negatable: bool = True
    #: Whether the pieces may lie in neighbouring sentences, still within `window` words
    #: ("Ons zoontje is vijf. Hij speelt de ruzies na.").
    across: bool = False
    #: Whether laughter in the message ("haha", a laughing emoji) cancels the rule: words often
    #: said as a joke ("ze vermoordt me als ik het vergeet 😅").
    hyperbole: bool = False
    #: Categories whose reading of the same words this rule's yields to, where someone else
    #: (the partner, "hij", "she") appears in its sentence: "ik mag mijn zus niet meer zien, hij
    #: beslist dat" is control, not a goodbye ("niet meer zien"). A rule that yielded is not
    #: named, and makes nothing acute by an escalation either; an acute rule is acute whatever.
    yields_to: list[Category] = []
    #: Messages that must set the rule off, tested with the vocabulary.
    examples: list[str] = []

    @model_validator(mode="after")
    def _yields_to_others(self) -> Rule:
        if self.category in self.yields_to:
            raise ValueError(f"yields_to: a rule of {self.category} cannot yield to its own")
        return self


class Lookalike(_Entry):
    id: str
    pattern: str
    #: Pieces that, in the same sentence, say the harm is real after all: the lookalike sets
    #: nothing aside there ("hij kneep in mijn hand", but not "... tot de botten kraakten").
    unless: list[str] = []
    #: Messages that must not set anything off, tested with the vocabulary.
    examples: list[str] = []
    #: Messages where the lookalike stands beside an `unless` piece and must not hide the
    #: danger: each must be heard, tested with the vocabulary.
    heard: list[str] = []
    #: Whether the learned model, heard alone, still reads the lookalike's sentence. An everyday
    #: phrase hides its sentence from it (the rules know those words better); words set aside
    #: only so that the rules read them right ("vorige week" is recent, not a past that is
    #: over) say nothing of the sentence, and the model reads it as ever.
    model_reads: bool = False


class Escalation(_Entry):
    id: str
    #: A signal of one of these categories...
    found: list[Category] = Field(min_length=1)
    #: ...and any of these pieces anywhere in the message...
    with_: list[str] = Field(alias="with", min_length=1)
    #: ...makes the message acute, of this category.
    to: Category
    #: If set, the piece must stand within this many words of the signal (across sentences);
    #: otherwise anywhere in the message.
    within: int | None = Field(default=None, ge=1, le=60)
    #: Whose signal it escalates: the rules' (`rules`), and/or the learned model's reading
    #: where no rule spoke (`model`: anywhere in the message, whatever `within` says), for
    #: pieces that say danger now by themselves ("a knife", "locked in the bathroom"), never
    #: for common words ("nu", "tonight"). A suicide signal's means, place or time always
    #: makes the model's reading a plan.
    heard_by: list[Literal["rules", "model"]] = Field(default=["rules"], min_length=1)
    #: For words of the present ("nu", "now"): not where the signal or the word stands in a
    #: past told far behind, or the sentence after it ("vroeger sloeg hij me; ik ben nu 26"),
    #: unless the message says it came back ("weer", "again").
    past_cancels: bool = False
    examples: list[str] = []


class AsTyped(_Entry):
    words: list[str] = Field(min_length=1)


class VocabularyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: str
    spelling: list[SpellingGroup] = []
    #: Words read only as typed, never by a lemma that is another word ("volgende" is "next",
    #: not a form of "volgen").
    as_typed: list[AsTyped] = []
    concepts: dict[str, Concept] = {}
    rules: list[Rule] = []
    lookalikes: list[Lookalike] = []
    escalations: list[Escalation] = []


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Every file merged: what the matcher compiles."""

    spelling: Mapping[str, str]
    as_typed: frozenset[str]
    concepts: Mapping[str, tuple[str, ...]]
    typo_words: frozenset[str]
    rules: tuple[Rule, ...]
    lookalikes: tuple[Lookalike, ...]
    escalations: tuple[Escalation, ...]


#: libyaml's safe loader where PyYAML has it (seven times faster on the 230 kB vocabulary, which
#: every druppel process reads at start), the pure-Python one otherwise; both are safe.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def shipped() -> list[Path]:
    """The vocabulary files that come with druppel."""
    folder = resources.files("bot.safety") / "vocabulary"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


def load(paths: Iterable[Path] | None = None) -> Vocabulary:
    """The merged, checked vocabulary of `paths` (the shipped files by default)."""
    files: list[tuple[str, VocabularyFile]] = []
    problems: list[str] = []
    for path in shipped() if paths is None else paths:
        try:
            raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
            files.append((path.name, VocabularyFile.model_validate(raw)))
        except (OSError, yaml.YAMLError) as error:
            problems.append(f"{path.name}: {error}")
        except ValidationError as error:
            for e in error.errors():
                where = ".".join(str(p) for p in e["loc"])
                problems.append(f"{path.name}: {where}: {e['msg']}")
    if problems:
        raise VocabularyError("\n".join(problems))
    return _merged(files)


def _merged(files: list[tuple[str, VocabularyFile]]) -> Vocabulary:
    spelling: dict[str, str] = {}
    as_typed: set[str] = set()
    concepts: dict[str, list[str]] = {}
    typo_words: set[str] = set()
    rules: list[Rule] = []
    lookalikes: list[Lookalike] = []
    escalations: list[Escalation] = []
    for _, file in files:
        for group in file.spelling:
            spelling.update(group.words)
        for kept in file.as_typed:
            as_typed.update(kept.words)
        for name, concept in file.concepts.items():
            concepts.setdefault(name, []).extend(concept.words)
            if concept.typos:
                typo_words.update(w for w in concept.words if w.isalpha() and len(w) >= 5)
        rules += file.rules
        lookalikes += file.lookalikes
        escalations += file.escalations
    problems = _unknown_concepts(files, concepts)
    problems += [f"the concept {m!r} is missing" for m in MODIFIERS if m not in concepts]
    ids = [r.id for r in rules] + [lk.id for lk in lookalikes] + [e.id for e in escalations]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    problems += [f"the id {i!r} is used twice" for i in twice]
    if problems:
        raise VocabularyError("\n".join(problems))
    return Vocabulary(
        spelling=spelling,
        as_typed=frozenset(as_typed),
        concepts={name: tuple(words) for name, words in concepts.items()},
        typo_words=frozenset(typo_words),
        rules=tuple(rules),
        lookalikes=tuple(lookalikes),
        escalations=tuple(escalations),
    )


def _unknown_concepts(
    files: list[tuple[str, VocabularyFile]], concepts: Mapping[str, list[str]]
) -> list[str]:
    problems = []
    for name, file in files:
        pieces = [(r.id, p) for r in file.rules for p in r.when]
        pieces += [(lk.id, lk.pattern) for lk in file.lookalikes]
        pieces += [(lk.id, p) for lk in file.lookalikes for p in lk.unless]
        pieces += [(e.id, p) for e in file.escalations for p in e.with_]
        for entry, piece in pieces:
            for word in piece.replace("|", " ").replace("+", " ").split():
                if word.startswith("@") and word[1:] not in concepts:
                    problems.append(f"{name}: {entry}: no concept named {word!r}")
    return problems
