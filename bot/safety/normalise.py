"""From a message as typed to sentences of words the vocabulary can be matched against.

People write to the bot as they chat: Flemish ("'k zie da nie zitten"), chat spelling ("mn vriend",
"kwil"), letters repeated for weight ("doooood"), digits for letters ("z3lfm00rd"), words run
together ("ikwildood") and typos. Each word becomes a `Token` that carries every form it may be
read as: its plain spelling, its Dutch and English lemma (simplemma), the spelling the chat and
Flemish tables give it, its squeezed forms and, for an unknown word near a vocabulary word, that
word. Matching then asks only "is this form among the token's forms".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

from bot.safety.lemmas import WORD_LISTS, known, lemma

#: Ends a sentence; words in different sentences are never read together.
_SENTENCE_END = r"(?:[.!?;\n\u2026]|\s[-\u2013\u2014]\s)+"
#: Parts a sentence into clauses, for negation: a denial holds within its own clause.
_CLAUSE_MARK = ","
# Letters and digits stay; apostrophes join ("m'n" reads "mn"); the rest parts words.
_WORD = r"[a-z0-9]+(?:['\u2019`][a-z0-9]+)*|['\u2019`][a-z]+"
#: A message read in one pass: its sentence ends, clause marks and words, in order (a word
#: never holds a character that ends a sentence or a clause, nor starts as one does).
_PIECES = re.compile(f"{_SENTENCE_END}|{_CLAUSE_MARK}|{_WORD}")
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyz0123456789'\u2019`")
_LEET = str.maketrans("013457@$", "oieastas")
#: "3x", "50x": a count of times, and "21e", "3rd", "9th": a day of the month; not letters
#: written as digits.
_COUNT_OR_DAY = re.compile(r"\d+x|\d{1,2}(?:e|ste|de|st|nd|rd|th)")
#: Emoji that stand for a word of the vocabulary (a knife or a gun sent as a threat).
_EMOJI_WORD = {"\U0001f52a": " mes ", "\U0001f5e1": " mes ", "\U0001f52b": " pistool "}
#: Laughter typed as a run of "ha", "he" or "hi" of any length ("hahah", "hihihi"), read as
#: "haha" word by word (a pattern over the whole message cost a third of a millisecond).
_LAUGHTER = re.compile(r"(?:h[aei]){2,}h?")


#: The combining accents NFKD splits off letters ("é" is "e" and an accent): dropped.
_ACCENTS = re.compile("[\u0300-\u036f]+")
_RUN = re.compile(r"([a-z])\1{2,}")
#: Laughing and embarrassed emoji, read as the word "haha" (a joke, for `hyperbole` rules).
_LAUGH = re.compile(
    "[\U0001f602\U0001f923\U0001f605\U0001f606\U0001f604"
    "\U0001f601\U0001f648\U0001f61c\U0001f61d\U0001f92a]"
)


class Token(NamedTuple):
    """One word of a message and every form it may be read as."""

    text: str
    #: A sorted tuple, not a set: cached tokens of strings alone are left out of the garbage
    #: collector's scans, which would otherwise grow with every new word the process reads.
    forms: tuple[str, ...]
    #: Which sentence of the message it is in (0, 1, ...), and where its clause begins (an
    #: index into the message's tokens).
    sentence: int
    clause: int
    #: The vocabulary's term ids the forms carry (see `terms.Terms`), looked up once per word.
    ids: tuple[int, ...] = ()


def plain(text: str) -> str:
    """Lower case, accents dropped; what every form is built from."""
    text = text.casefold()
    if text.isascii():
        return text
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text))


#: Dutch and Flemish diminutive endings: never a word of their own when a word is cut apart.
_DIMINUTIVE = frozenset({"je", "jes", "tje", "tjes", "pje", "pjes", "kje", "kjes", "ke", "kes"})


class Reader:
    """Turns messages into tokens, with the spelling tables and vocabulary words it was given.

    `spelling` maps a typed word to the words it stands for ("kzie" -> "ik zie"); `known` are the
    vocabulary's own words, which unknown words may be read as when they differ by a typo.
    """

    def __init__(
        self,
        spelling: Mapping[str, str],
        known: Iterable[str],
        near: Callable[[str], str | None],
        matches: Callable[[str], bool] = lambda word: False,
        ids: Callable[[tuple[str, ...]], tuple[int, ...]] = lambda forms: (),
        as_typed: Iterable[str] = (),
    ) -> None:
        self._spelling = dict(spelling)
        self._as_typed = frozenset(as_typed)
        self._ids = ids
        self._known = frozenset(known)
        # The first three letters of every vocabulary word that long: where a word holds none
        # of these, no vocabulary word starts there.
        self._starts = frozenset(k[:3] for k in self._known if len(k) >= 3)
        self._near = near
        self._matches = matches
        self._forms = lru_cache(maxsize=65536)(self._forms_of)
        self._read = lru_cache(maxsize=65536)(self._read_word)
        self._words_of = lru_cache(maxsize=65536)(self._words_and_forms)

    def tokens(self, text: str) -> list[Token]:
        """The message's words, each with its forms, in order."""
        tokens: list[Token] = []
        add = tokens.append
        new = tuple.__new__  # what Token(...) does, without its keyword handling
        words_of = self._words_of
        for emoji, word in _EMOJI_WORD.items():
            if emoji in text:
                text = text.replace(emoji, word)
        text = _LAUGH.sub(" haha ", text)
        number = 0  # sentences that hold a word so far
        sentence_start = clause_start = 0  # where the sentence and the clause begin
        for piece in _PIECES.findall(plain(text)):
            if piece[0] in _WORD_START:
                for word, forms, ids in words_of(piece):
                    add(new(Token, (word, forms, number, clause_start, ids)))
            elif piece == _CLAUSE_MARK:
                clause_start = len(tokens)
            else:  # the sentence ends: the next one is counted if this one held a word
                number += len(tokens) > sentence_start
                sentence_start = clause_start = len(tokens)
        return tokens

    def _words_and_forms(
        self, raw: str
    ) -> tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...]:
        """What one typed word stands for, each word with its forms and the term ids they
        carry (read once per word)."""
        found = []
        for word in self._read(raw):
            forms = self._forms(word)
            found.append((word, forms, self._ids(forms)))
        return tuple(found)

    def _read_word(self, raw: str) -> tuple[str, ...]:
        """What one typed word stands for: itself, its spelling, or its parts."""
        word = raw.replace("\u2019", "'").replace("`", "'")
        if _LAUGHTER.fullmatch(word):
            return ("haha",)
        if (
            not word.isalpha()
            and any(c.isalpha() for c in word.replace("'", ""))
            and not _COUNT_OR_DAY.fullmatch(word)
        ):
            word = word.translate(_LEET)
        spelled = self._spelling.get(word) or self._spelling.get(word.replace("'", ""))
        if spelled is not None:
            return tuple(spelled.split())
        if word.endswith("'s") and len(word) > 3:
            # English "it's", "tonight's", "my ex's": the word and "s"
            return (*self._split(word[:-2].replace("'", "")), "s")
        word = word.replace("'", "")
        return tuple(self._split(word)) if word else ()

    def _split(self, word: str, depth: int = 0) -> list[str]:
        """Words run together ("ikwil", "ikwildood") apart, when every part is a word and one
        is the vocabulary's; any other word as it is."""
        if len(word) < 5 or depth > 1 or word in self._known:
            return [word]
        # A part from here on holds a vocabulary word only where one starts at or after it.
        last = self._last_known(word)
        if last < 0 or _is_word(word) or self._matches(word):
            return [word]
        known = self._known
        for cut in range(2, len(word) - 1):
            head, tail = word[:cut], word[cut:]
            if not (head in known or tail in known or cut <= last):
                continue  # no part could be the vocabulary's: the cheap test first
            if not _is_part(head) or tail in _DIMINUTIVE:
                continue  # "verstoppertje" is one word, not "verstop" and "pertje"
            tails = [tail] if _is_part(tail, _SHORT_TAILS) else self._split(tail, depth + 1)
            lone = len(tails) == 1 and not _is_part(tails[0], _SHORT_TAILS)
            if lone or tails[-1] in _DIMINUTIVE:
                continue
            parts = [*self._spelling.get(head, head).split(), *tails]
            if any(part in known for part in parts):
                return parts
        return [word]

    def _last_known(self, word: str) -> int:
        """Where the last vocabulary word of three letters or more inside `word` starts; -1
        when none stands in it."""
        known, starts = self._known, self._starts
        for i in range(len(word) - 3, -1, -1):
            if word[i : i + 3] in starts and any(
                word[i:j] in known for j in range(i + 3, len(word) + 1)
            ):
                return i
        return -1

    def _forms_of(self, word: str) -> tuple[str, ...]:
        if word in self._as_typed:
            return (word,)
        forms = {word}
        if word.isdigit() and len(word) >= 2:
            forms.add("#num")  # any number from 10 up ("50 gemiste oproepen")
        squeezed = (
            {_RUN.sub(r"\1\1", word), _RUN.sub(r"\1", word)} - {word}
            if _RUN.search(word)
            else set()
        )
        forms |= squeezed
        for form in [word, *squeezed]:
            forms.add(lemma(form, "nl"))
            forms.add(lemma(form, "en"))
        if len(word) >= 5 and forms.isdisjoint(self._known) and not _is_word(word):
            typo = self._near(word)
            if typo is not None:
                forms.add(typo)
        return tuple(sorted(forms))


#: The short words a run-together word may begin with ("ikwil", "kzie", "tis"): any other one
#: or two letters are a piece of a longer word ("Litouwen" is not "li" and "touwen").
_SHORT_PARTS = frozenset(
    {
        *("ik", "je", "me", "we", "ze", "zn", "mn", "m", "n", "k", "t", "s", "da", "de", "en"),
        *("in", "op", "of", "na", "al", "nu", "zo", "te", "om", "er", "is", "um", "an", "as"),
        *("at", "be", "by", "do", "go", "he", "if", "it", "my", "no", "on", "or", "so", "to"),
        *("up", "us"),
    }
)
#: The short words a run-together word may end with ("hijis", "gaje"): not "te" or "en",
#: which end Dutch words ("Lotte" is not "lot" and "te").
_SHORT_TAILS = frozenset({"ik", "je", "me", "we", "ze", "is", "er", "s", "t", "k", "n", "it", "us"})


def _is_part(word: str, short: frozenset[str] = _SHORT_PARTS) -> bool:
    """Whether `word` may stand as one part of a run-together word."""
    return word in short if len(word) <= 2 else _is_word(word)


@lru_cache(maxsize=65536)
def _is_word(word: str) -> bool:
    """Whether Dutch or English knows the word (a short word always counts as one)."""
    if len(word) <= 2:
        return word.isalpha()
    if "'" in word:
        return known(word)
    cased = word.capitalize()
    # simplemma's own word lists, asked directly: the same answer as `known` for a word without
    # an apostrophe, in half the time (unknown words are asked several times each).
    return any(d.get(word) is not None or d.get(cased) is not None for d in WORD_LISTS)
