"""A channel as the drain sees it: what it sends, and who keeps its chats' own pace.

A chat's own pace (about one message a second after a short burst) can be kept by its queue:
the queue step that hands out the next item takes the chat's turn in the same script, so a
message costs one call to Redis, not two. A sender that leaves it to the queue says so by
being `QueuePaced`.
"""

from __future__ import annotations

from typing import Protocol, cast, runtime_checkable

from pydantic import ValidationError

from bot.core.messages import Outgoing
from scheduler.ratelimit import Rate
from storage.crypto import is_sealed
from storage.models import Lane, QueueItem
from storage.queue import Pace


class Sender(Protocol):
    """A channel as the drain sees it: it sends one message or raises a DeliveryError."""

    async def send(self, chat_id: str, message: Outgoing, lane: Lane) -> None: ...


@runtime_checkable
class QueuePaced(Protocol):
    """A sender whose chats' own pace their queue keeps: the chat's turn is taken in the same
    step that hands out its next item (one script a message), and `send_queued` then waits
    only for the limits every chat shares, and says how long it waited (the chat's next turn
    is counted from when the message went). `chat_pace` None: the chats are not paced."""

    @property
    def chat_pace(self) -> Rate | None: ...

    async def send_queued(self, chat_id: str, message: Outgoing, lane: Lane) -> float: ...


#: The longest a reply waits, holding its chat's lock, for its chat's own pace (real seconds);
#: a lesson or broadcast never waits for it, it gives its turn to other chats.
REPLY_PACE_WAIT = 2.0


def queue_pace(sender: Sender) -> Pace | None:
    """The chat's own pace for its queue to keep, where the sender leaves it to the queue."""
    rate = sender.chat_pace if isinstance(sender, QueuePaced) else None
    return None if rate is None else (rate.interval_us, rate.tolerance_us)


async def send(
    sender: Sender, pace: Pace | None, chat_id: str, message: Outgoing, lane: Lane
) -> float:
    """Send a message of a chat's queue; with `pace`, the queue took the chat's turn for it.
    Returns the seconds it waited for the shared budget after that turn."""
    if pace is not None:  # only a QueuePaced sender has one (`queue_pace`)
        return await cast(QueuePaced, sender).send_queued(chat_id, message, lane)
    await sender.send(chat_id, message, lane)
    return 0.0


def held_lane(raw: str | None) -> Lane:
    """The lane of an item its chat's pace holds back, read without opening it: only replies
    are sealed, and what cannot be read is left to the step that sends it."""
    if raw is None or is_sealed(raw):
        return Lane.REPLY
    try:
        return QueueItem.model_validate_json(raw).lane
    except ValidationError:
        return Lane.REPLY
