"""What is kept about a participant, and their say over it: /privacy, /mijngegevens (a copy of
everything) and /wisgegevens (erase everything, after a yes). Anyone may ask, known or not."""

from __future__ import annotations

import logging

from bot.conversation.buttons import WipeAnswer, wipe_rows
from bot.conversation.context import Command, Context, ForAnyone, Replies, say
from bot.core import texts
from bot.core.messages import Incoming, Outgoing
from storage.models import Channel, Lane, QueueItem

log = logging.getLogger(__name__)


#: Per channel: what identifies someone, what operators never see of it, what else that
#: channel keeps, and who carries the messages.
_CHANNEL: dict[Channel, tuple[str, str, str, str]] = {
    Channel.TELEGRAM: (
        texts.PRIVACY_IDENTITY_TELEGRAM, texts.PRIVACY_HIDDEN_TELEGRAM, "",
        texts.PRIVACY_CARRIER_TELEGRAM,
    ),
    Channel.WHATSAPP: (
        texts.PRIVACY_IDENTITY_WHATSAPP, texts.PRIVACY_HIDDEN_WHATSAPP,
        texts.PRIVACY_EXTRA_WHATSAPP, texts.PRIVACY_CARRIER_WHATSAPP,
    ),
}  # fmt: skip
_OTHER = (texts.PRIVACY_IDENTITY_OTHER, texts.PRIVACY_HIDDEN_TELEGRAM, "", "")


async def privacy(ctx: Context, event: Incoming) -> Replies:
    """What is kept about them on their channel, why, who sees it, how long, and their say."""
    how_long = (
        texts.PRIVACY_RETENTION.format(days=ctx.retention_days)
        if ctx.retention_days
        else texts.PRIVACY_KEPT
    )
    identity, hidden, extra, carrier = _CHANNEL.get(event.channel, _OTHER)
    return say(
        texts.PRIVACY.format(
            identity=identity, hidden=hidden, extra=extra, carrier=carrier, how_long=how_long
        )
    )


async def export(ctx: Context, event: Incoming) -> Replies:
    """A file with everything kept about them, made when it is sent (never queued as text)."""
    if await ctx.store.participants.by_chat(event.channel, event.chat_id) is None:
        return say(texts.DELETE_NOTHING)
    item = QueueItem(lane=Lane.REPLY, kind="export")
    return [Outgoing(texts.EXPORT_CAPTION, named=item)]


async def delete(ctx: Context, event: Incoming) -> Replies:
    """Ask first: erasing cannot be undone. Their record is not opened: one no key opens can
    be erased all the same."""
    if await ctx.store.participants.linked(event.channel, event.chat_id) is None:
        return say(texts.DELETE_NOTHING)
    return say(texts.DELETE_ASK, *wipe_rows())


async def wipe_answered(ctx: Context, event: Incoming, tap: WipeAnswer) -> Replies:
    """Erase everything about the participant, after they confirmed it."""
    pid = await ctx.store.participants.linked(event.channel, event.chat_id)
    if pid is None:
        return say(texts.DELETE_NOTHING)
    if tap.answer != "ja":
        return say(texts.DELETE_KEPT)
    await ctx.store.delete_participant(pid, (event.channel, event.chat_id))
    log.info("participant %s erased everything about themselves", pid)
    return say(texts.DELETE_DONE)


#: The commands this module answers.
COMMANDS: tuple[Command, ...] = (
    ForAnyone(("privacy",), privacy),
    ForAnyone(("mijngegevens", "export"), export),
    ForAnyone(("wisgegevens", "delete"), delete),
)
