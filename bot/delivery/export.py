"""Everything druppel holds about a participant, as one readable JSON file (`/mijngegevens`).

Made when it is sent, from what is stored then, so the participant's words are never copied
into their chat's queue (and are decrypted only on the way out, when encryption is on). Besides
their profile, courses, answers and scores it lists what else names them: the broadcasts they
were sent, what is still on its way or was set aside after failing (which message, when and
why; the bot's own reply texts are left out, the lesson is named by course and day), their
threads with the coaches (nothing of who the coaches are), the delivery failures operators see,
and what their channel keeps (WhatsApp: each message's delivery statuses).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from storage.failures import KEEP
from storage.models import Channel, QueueItem
from storage.store import Store

EXPORT_NAME = "druppel-mijn-gegevens.json"
ABOUT = "Alles wat druppel over jou bewaart. Geen mens leest je antwoorden."

JSON = dict[str, Any]
#: What a thread holds of the coaches, not of the participant: who they are, their copies.
_COACHES_OWN: Any = {
    "pid": True, "owner": True, "closed_by": True, "copies": True, "shown": True,
    "messages": {"__all__": {"by"}},
}  # fmt: skip


@runtime_checkable
class ChannelRecords(Protocol):
    """A channel that keeps something of a chat outside the participant's own keys."""

    async def records(self, chat_id: str) -> dict[str, list[JSON]]:
        """What it keeps, by name, ready for the file."""
        ...


def _item(item: QueueItem) -> JSON:
    """A queued message as the file shows it: what kind, for which course day; no text (a
    reply's text is the bot's, and a lesson is named, not copied)."""
    fields = item.model_dump(
        mode="json", include={"kind", "lane", "course_id", "day", "broadcast_id"}
    )
    return {k: v for k, v in fields.items() if v is not None}


def _parked(raw: str) -> JSON | None:
    try:
        parked = json.loads(raw)
        item = QueueItem.model_validate(parked.get("item") or {})
    except (ValueError, AttributeError):
        return None
    why = parked.get("why") if isinstance(parked.get("why"), dict) else {}
    return {**_item(item), "parked_at": why.get("at"), "why": why.get("cause")}


async def _broadcasts(store: Store, pid: str) -> list[JSON]:
    found: list[JSON] = []
    for bid in await store.broadcasts.received(pid):
        broadcast = await store.broadcasts.get(bid)
        if broadcast is None:  # its record is gone; that it reached them is still kept
            found.append({"id": bid})
            continue
        found.append(
            {"id": bid, "sent_at": broadcast.created_at.isoformat(), "text": broadcast.text}
        )
    return found


async def export(
    store: Store, pid: str, now: datetime, channels: Mapping[Channel, object] | None = None
) -> bytes | None:
    """Everything kept about the participant; None if they are gone. `now` is the course
    clock's time, so the file says when it was made in druppel's time; their channel (among
    `channels`, the senders) adds what it keeps of their chat, if it keeps anything."""
    participant = await store.participants.get(pid)
    if participant is None:
        return None
    channel = (channels or {}).get(participant.channel)
    parked = [_parked(raw) for raw in await store.queue.parked(pid)]
    failures = [f for f in await store.failures.recent(KEEP) if f.participant == pid]
    data: JSON = {
        "exported_at": now.astimezone(UTC).isoformat(),
        "about": ABOUT,
        "profile": participant.model_dump(mode="json", exclude={"step", "pending_course"}),
        "enrollments": [
            e.model_dump(mode="json") for e in await store.enrollments.for_participant(pid)
        ],
        "reflections": [r.model_dump(mode="json") for r in await store.reflections.all(pid)],
        "checkins": [c.model_dump(mode="json") for c in await store.checkins.all(pid)],
        "broadcasts_received": await _broadcasts(store, pid),
        "queued": [_item(i) for i in await store.queue.items(pid) if i.kind != "export"],
        "held_while_paused": [_item(i) for i in await store.queue.items(pid, held=True)],
        "parked": [p for p in parked if p is not None],
        "coach_threads": [
            t.model_dump(mode="json", exclude=_COACHES_OWN) for t in await store.threads.all(pid)
        ],
        "delivery_failures": [
            f.model_dump(mode="json", exclude={"participant"}) for f in reversed(failures)
        ],
    }
    if isinstance(channel, ChannelRecords):
        data.update(await channel.records(participant.chat_id))
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
