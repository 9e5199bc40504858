"""Everything druppel holds about a participant, as one readable JSON file (`/mijngegevens`).

Made when it is sent, from what is stored then, so the participant's words are never copied
into their chat's queue (and are decrypted only on the way out, when encryption is on).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from storage.store import Store

EXPORT_NAME = "druppel-mijn-gegevens.json"


async def export(store: Store, pid: str, now: datetime) -> bytes | None:
    """The participant's profile, enrollments, reflections and check-ins; None if they are gone.
    `now` is the course clock's time, so the file says when it was made in druppel's time."""
    participant = await store.participants.get(pid)
    if participant is None:
        return None
    data = {
        "exported_at": now.astimezone(UTC).isoformat(),
        "about": "Alles wat druppel over jou bewaart. Geen mens leest je antwoorden.",
        "profile": participant.model_dump(mode="json", exclude={"step", "pending_course"}),
        "enrollments": [
            e.model_dump(mode="json") for e in await store.enrollments.for_participant(pid)
        ],
        "reflections": [r.model_dump(mode="json") for r in await store.reflections.all(pid)],
        "checkins": [c.model_dump(mode="json") for c in await store.checkins.all(pid)],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
