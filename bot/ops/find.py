"""Finding a participant by what an operator knows of them: the internal id in the logs, their
Telegram chat id, or their WhatsApp number.

Each is one lookup: the participant's record, or a chat index (filed under an HMAC of the chat
id, storage/participants.py). The operator hears which of the three matched.
"""

from __future__ import annotations

import re
from typing import Literal

from storage.models import Channel, Participant
from storage.store import Store

#: What a participant id can look like (as storage/models.py allows it).
PARTICIPANT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
#: A Telegram chat id (negative for groups).
TELEGRAM_CHAT = re.compile(r"^-?[0-9]{1,20}$")
#: A WhatsApp number as the Cloud API gives it: country code and number, digits only.
PHONE = re.compile(r"^[0-9]{7,15}$")
#: What people put between a number's digits.
PHONE_NOISE = re.compile(r"[\s().-]")

Matched = Literal["id", "telegram", "whatsapp"]


def as_number(typed: str) -> str:
    """A number as people write it ("+31 6 1234 5678", "0031612345678") as WhatsApp gives it."""
    number = PHONE_NOISE.sub("", typed)
    if number.startswith("+"):
        return number[1:]
    return number[2:] if number.startswith("00") else number


async def find(store: Store, typed: str) -> tuple[Participant, Matched] | None:
    """The participant `typed` names, and as what; the internal id is tried first."""
    participants = store.participants
    if PARTICIPANT_ID.match(typed) and (found := await participants.get(typed)) is not None:
        return found, "id"
    if TELEGRAM_CHAT.match(typed):
        found = await participants.by_chat(Channel.TELEGRAM, typed)
        if found is not None:
            return found, "telegram"
    number = as_number(typed)
    if PHONE.match(number):
        found = await participants.by_chat(Channel.WHATSAPP, number)
        if found is not None:
            return found, "whatsapp"
    return None
