"""What is kept about a participant, and their say over it: /privacy, /mijngegevens (a copy of
everything) and /wisgegevens (erase everything, after a yes). Anyone may ask, known or not."""

from __future__ import annotations

import logging

from bot.conversation.buttons import WipeAnswer, wipe_rows
from bot.conversation.context import Context, Replies, say
from bot.core import texts
from bot.core.messages import Incoming, Outgoing
from storage.models import Lane, QueueItem

log = logging.getLogger(__name__)


async def privacy(ctx: Context, _event: Incoming) -> Replies:
    how_long = (
        texts.PRIVACY_RETENTION.format(days=ctx.retention_days)
        if ctx.retention_days
        else texts.PRIVACY_KEPT
    )
    return say(texts.PRIVACY.format(how_long=how_long))


async def export(ctx: Context, event: Incoming) -> Replies:
    """A file with everything kept about them, made when it is sent (never queued as text)."""
    if await ctx.store.participants.by_chat(event.channel, event.chat_id) is None:
        return say(texts.DELETE_NOTHING)
    item = QueueItem(lane=Lane.REPLY, kind="export")
    return [Outgoing(texts.EXPORT_CAPTION, named=item)]


async def delete(ctx: Context, event: Incoming) -> Replies:
    """Ask first: erasing cannot be undone."""
    if await ctx.store.participants.by_chat(event.channel, event.chat_id) is None:
        return say(texts.DELETE_NOTHING)
    return say(texts.DELETE_ASK, *wipe_rows())


async def wipe_answered(ctx: Context, event: Incoming, tap: WipeAnswer) -> Replies:
    """Erase everything about the participant, after they confirmed it."""
    known = await ctx.store.participants.by_chat(event.channel, event.chat_id)
    if known is None:
        return say(texts.DELETE_NOTHING)
    if tap.answer != "ja":
        return say(texts.DELETE_KEPT)
    await ctx.store.delete_participant(known.id)
    log.info("participant %s erased everything about themselves", known.id)
    return say(texts.DELETE_DONE)
