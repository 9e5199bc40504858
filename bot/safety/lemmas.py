"""Dutch and English lemmas and word lists (simplemma), its word lists kept decoded on disk.

simplemma ships its word lists compressed; unpacking the Dutch and English ones takes a druppel
process about a third of a second at every start (a third of its start-up). Unpacked once, they
are kept in the user's cache folder as `marshal` data, which loads four times as fast, and every
later process reads them from there. Anything unexpected (see `kept`) falls
back to simplemma's own lists, as if there were no cache. The file's name carries simplemma's
version, so a new release never reads an old release's lists.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path

import simplemma
from simplemma import Lemmatizer
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY, DictionaryFactory
from simplemma.strategies.dictionaries.dictionary_factory import MappingStrToByteString

from bot.safety import kept

LANGUAGES = ("nl", "en")


class WordLists(DictionaryFactory):
    """simplemma's word lists, from the cache where it holds them."""

    def __init__(self, folder: Path | None) -> None:
        self._folder = folder
        self._lists: dict[str, Mapping[str, str]] = {}

    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        found = self._lists.get(lang)
        if found is None:
            found = self._lists[lang] = self._load(lang)
        return found

    def _load(self, lang: str) -> Mapping[str, str]:
        path = self.path(lang)
        if path is not None:
            table = _read(path)
            if table is not None:
                return MappingStrToByteString(table)
        shipped = DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang)
        if path is not None:
            _write(path, {key.encode(): value.encode() for key, value in shipped.items()})
        return shipped

    def path(self, lang: str) -> Path | None:
        """The file that keeps `lang`'s list, if there is a cache folder."""
        if self._folder is None:
            return None
        return self._folder / f"simplemma-{simplemma.__version__}-{lang}.marshal"


def _read(path: Path) -> dict[bytes, bytes] | None:
    table = kept.read(path)
    return table if isinstance(table, dict) else None


def _write(path: Path, table: dict[bytes, bytes]) -> None:
    """Writes the list where the next process will find it, whole or not at all."""
    kept.write(path, table)


_FACTORY = WordLists(kept.cache_folder())
#: The word lists, for asking whether a word is known (see `normalise._is_word`).
WORD_LISTS = tuple(_FACTORY.get_dictionary(lang) for lang in LANGUAGES)
_LEMMATIZER = Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=_FACTORY))
_LOOKUP = DictionaryLookupStrategy(_FACTORY)


def lemma(word: str, lang: str) -> str:
    """`word`'s lemma in `lang`, as `simplemma.lemmatize` gives it."""
    return str(_LEMMATIZER.lemmatize(word, lang))


def known(word: str) -> bool:
    """Whether Dutch or English knows `word`, as `simplemma.is_known` says."""
    word = unicodedata.normalize("NFC", word)
    return any(_LOOKUP.get_lemma(word, lang) is not None for lang in LANGUAGES)
