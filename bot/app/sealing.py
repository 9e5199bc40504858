"""`druppel privacy new-key` and `rotate-key`, and what `druppel check` says of encryption."""

from __future__ import annotations

from collections import Counter

from bot.app.settings import Settings
from storage.canary import keep_only_newest
from storage.crypto import KEY_FILE, Resealed, UndecryptableText
from storage.store import Store


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def encryption(settings: Settings) -> str:
    """How what participants are and write is sealed (a missing key is refused before)."""
    keys = len(settings.encryption_keys)
    if keys:
        newest = "" if keys == 1 else f" ({keys} keys: the first seals, every one opens)"
        return f"encryption: DRUPPEL_ENCRYPTION_KEY set{newest}; everything personal is sealed"
    return (
        f"encryption: the key made in {settings.data_dir / KEY_FILE} seals everything personal; "
        "keep it with the backups of that directory (or set DRUPPEL_ENCRYPTION_KEY, made with "
        "`druppel privacy new-key`)"
    )


async def rotate_key(store: Store) -> tuple[int, str]:
    """Everything personal under the newest key: each participant's name and chat id, their
    chat's entry in the chat index, their reflections and check-ins. Run after putting a new key
    first in the list; then the old key can be dropped. Plain text an older release stored
    gets sealed. Returns the exit code and the line to print."""
    done: Counter[Resealed] = Counter()
    participants = 0
    pids = list(dict.fromkeys([pid async for pid in store.participants.ids()]))
    for pid in pids:
        participants += 1
        done += await store.reflections.reseal(pid)
        done += await store.checkins.reseal(pid)
        try:
            await store.participants.reseal(pid)
        except UndecryptableText:
            done[Resealed.UNREADABLE] += 1
            continue
        participant = await store.participants.get(pid)
        if participant is not None:
            await store.participants.refile(participant)
    resealed = done[Resealed.ROTATED] + done[Resealed.ENCRYPTED]
    plain, unreadable = done[Resealed.ENCRYPTED], done[Resealed.UNREADABLE]
    line = (
        f"rotate-key: {_count(resealed, 'answer')} now under the newest key "
        f"({plain} {'was' if plain == 1 else 'were'} plain text), "
        f"{_count(participants, 'participant')} looked at (their name and chat too)"
    )
    if unreadable:
        left = "was left as it was" if unreadable == 1 else "were left as they were"
        return 1, (
            f"{line}; {unreadable} could not be opened with any key in DRUPPEL_ENCRYPTION_KEY "
            f"and {left}"
        )
    await keep_only_newest(store.redis, store.keys, store.cipher)
    return 0, line
