"""The keys' canary: proof, before anything starts, that the configured keys open what is stored.

Every key that seals leaves a canary: a constant sealed under it, filed under the key's short id
(`TextCipher.key_ids`, which reveals nothing of the key). At start-up every canary must open with
a configured key. One that does not means a key that sealed what is stored is missing (a wrong
key, a lost key file, or an old key dropped before `druppel privacy rotate-key` finished), and
then the start is refused with one line, rather than every participant's messages being parked
as unreadable one by one. `rotate-key`, once everything is under the newest key, keeps only the
newest key's canary, so the older key can go.

An installation from before the canary has none: there a few participants' sealed chat ids are
tried instead, and the start is refused only when none of them opens (a single damaged value
must not keep druppel down).
"""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from storage.crypto import CANARY_TEXT, KeysDoNotFit, TextCipher, UndecryptableText, is_sealed
from storage.keys import Keys
from storage.models import Channel
from storage.records import text

#: How many participants' chat ids are tried where no canary stands yet.
SAMPLE = 20

_WRONG = (
    "no key in DRUPPEL_ENCRYPTION_KEY{own} opens what this Redis holds: a wrong key, or the "
    "data of another installation. Set the key that sealed it; nothing was started"
)
_DROPPED = (
    "a key that sealed part of what this Redis holds is missing from DRUPPEL_ENCRYPTION_KEY"
    "{own}: put it back behind the newest, run `druppel privacy rotate-key`, and only then drop "
    "it; nothing was started"
)


async def check_keys(redis: aioredis.Redis, keys: Keys, cipher: TextCipher, own: str = "") -> None:
    """Refuse (KeysDoNotFit) when the keys cannot open what is stored; otherwise make sure the
    newest key has its canary. `own` names a key file that is among the keys, for the message."""
    where = f" (nor in {own})" if own else ""
    canaries = {text(k): text(v) for k, v in (await redis.hgetall(keys.key_canary())).items()}
    if canaries:
        opened = [kid for kid, sealed in canaries.items() if cipher.opens(sealed, CANARY_TEXT)]
        if not opened:
            raise KeysDoNotFit(_WRONG.format(own=where))
        if len(opened) < len(canaries):
            raise KeysDoNotFit(_DROPPED.format(own=where))
    elif not await _sample_opens(redis, keys, cipher):
        raise KeysDoNotFit(_WRONG.format(own=where))
    await redis.hsetnx(keys.key_canary(), cipher.key_ids[0], cipher.seal(CANARY_TEXT))


async def keep_only_newest(redis: aioredis.Redis, keys: Keys, cipher: TextCipher) -> None:
    """After a rotation that left nothing under an older key: only the newest key's canary
    stays, so that dropping the older keys is no longer refused."""
    key = keys.key_canary()
    newest = cipher.key_ids[0]
    await redis.hset(key, newest, cipher.seal(CANARY_TEXT))
    older = [kid for kid in (text(k) for k in await redis.hkeys(key)) if kid != newest]
    if older:
        await redis.hdel(key, *older)


async def _sample_opens(redis: aioredis.Redis, keys: Keys, cipher: TextCipher) -> bool:
    """Where no canary stands yet: True unless some participants' chat ids are sealed and none
    of them opens."""
    tried = 0
    for channel in Channel:
        _cursor, entries = await redis.hscan(keys.chat_index(channel), 0, count=SAMPLE)
        pids = list(entries.values()) if isinstance(entries, dict) else []  # one page is enough
        for pid in pids[:SAMPLE]:
            try:
                stored = await redis.hget(keys.participant(text(pid)), "chat_id")
            except ResponseError:  # an older release's record, a JSON string: not sealed
                continue
            if stored is None or not is_sealed(text(stored)):
                continue
            tried += 1
            try:
                cipher.open(text(stored))
            except UndecryptableText:
                continue
            return True
    return tried == 0
