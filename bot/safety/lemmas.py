"""Dutch and English lemmas and word lists (simplemma), its word lists kept decoded on disk.

simplemma ships its word lists compressed; unpacking the Dutch and English ones takes a druppel
process about a third of a second at every start (a third of its start-up). Unpacked once, they
are kept in the user's cache folder as `marshal` data, which loads four times as fast, and every
later process reads them from there. The cache is only read from a folder of this user's own
that nobody else may write to; anything unexpected (no home, a read-only disk, a broken or
foreign file) falls back to simplemma's own lists, as if there were no cache.

Set ``DRUPPEL_CACHE_DIR`` to choose the folder (by default ``$XDG_CACHE_HOME/druppel`` or
``~/.cache/druppel``); the file's name carries simplemma's version, so a new release never
reads an old release's lists.
"""

from __future__ import annotations

import marshal
import os
import stat
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import simplemma
from simplemma import Lemmatizer
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY, DictionaryFactory
from simplemma.strategies.dictionaries.dictionary_factory import MappingStrToByteString

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


def cache_folder() -> Path | None:
    """Where the unpacked word lists are kept, or None where there is no such place."""
    chosen = os.environ.get("DRUPPEL_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "druppel"
    try:
        return Path.home() / ".cache" / "druppel"
    except RuntimeError:  # no home to be found
        return None


def _private(path: Path) -> bool:
    """Whether `path` is this user's own and nobody else may write to it."""
    try:
        found = path.lstat()
    except OSError:
        return False
    mine = not hasattr(os, "getuid") or found.st_uid == os.getuid()
    return mine and not stat.S_ISLNK(found.st_mode) and not found.st_mode & 0o022


def _read(path: Path) -> dict[bytes, bytes] | None:
    if not (_private(path.parent) and _private(path)):
        return None
    try:
        table = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(table, dict):
        return None
    return table


def _write(path: Path, table: dict[bytes, bytes]) -> None:
    """Writes the list where the next process will find it, whole or not at all."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(path.parent):
            return
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".words-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(marshal.dumps(table))
            os.replace(name, path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
    except OSError:
        return


_FACTORY = WordLists(cache_folder())
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
