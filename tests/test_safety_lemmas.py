"""simplemma's word lists are unpacked once and kept in the user's cache folder: a later
process reads them from there, but never from a folder someone else may write to, and a broken
file is as good as none."""

from __future__ import annotations

import marshal
from pathlib import Path

from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY

from bot.safety.lemmas import WordLists, lemma

WORDS = ("geslagen", "bang", "pillen", "vriendin", "afscheidsbrief", "zzqx")


def test_the_lists_are_kept_and_read_back_as_simplemma_ships_them(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    first = WordLists(folder).get_dictionary("nl")
    path = WordLists(folder).path("nl")
    assert path is not None
    assert path.exists()
    assert folder.stat().st_mode & 0o777 == 0o700  # the user's own
    again = WordLists(folder).get_dictionary("nl")
    shipped = DEFAULT_DICTIONARY_FACTORY.get_dictionary("nl")
    for word in WORDS:
        assert first.get(word) == again.get(word) == shipped.get(word)
    assert len(again) == len(shipped)


def test_a_later_process_reads_the_kept_file(tmp_path: Path) -> None:
    lists = WordLists(tmp_path)
    path = lists.path("nl")
    assert path is not None
    tmp_path.chmod(0o700)
    path.write_bytes(marshal.dumps({b"zzqx": b"kept"}))
    path.chmod(0o600)
    assert lists.get_dictionary("nl").get("zzqx") == "kept"


def test_a_folder_others_may_write_to_is_never_read(tmp_path: Path) -> None:
    lists = WordLists(tmp_path)
    path = lists.path("nl")
    assert path is not None
    path.write_bytes(marshal.dumps({b"zzqx": b"planted"}))
    tmp_path.chmod(0o777)
    found = lists.get_dictionary("nl")
    assert found.get("zzqx") is None
    assert found.get("geslagen") == DEFAULT_DICTIONARY_FACTORY.get_dictionary("nl").get("geslagen")


def test_a_broken_file_is_as_good_as_none_and_is_written_again(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    path = WordLists(tmp_path).path("en")
    assert path is not None
    path.write_bytes(b"\x00not marshal")
    path.chmod(0o600)
    assert WordLists(tmp_path).get_dictionary("en").get("children") == "child"
    assert isinstance(marshal.loads(path.read_bytes()), dict)


def test_lemmas_are_simplemma_s() -> None:
    import simplemma

    for word in WORDS:
        assert lemma(word, "nl") == simplemma.lemmatize(word, lang="nl")
        assert lemma(word, "en") == simplemma.lemmatize(word, lang="en")
