"""A trainer reads a course exactly as participants get it: `/preview COURSE`.

Every day of the course arrives in the trainer's own chat, rendered the way participants see it
(check-in buttons included), one day every DRUPPEL_PREVIEW_DAY_SECONDS real seconds. It is a
member of the due index (`pv:<user>`), so it survives a restart; it is sent directly, not through
a participant's queue, and counted in no statistic. `/preview stop` ends it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.core import texts
from bot.core.messages import Button, Incoming, Outgoing
from bot.delivery.catalogue import Catalogue
from bot.delivery.errors import DeliveryError
from bot.delivery.items import outgoing
from bot.delivery.senders import Sender
from bot.staff.roles import user_hash
from courses.render import render_day
from scheduler.clock import Clock
from storage.models import Channel, Lane, PreviewState
from storage.store import Store

log = logging.getLogger(__name__)

PREFIX = "pv:"


class Previews:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        courses: Catalogue,
        senders: Mapping[Channel, Sender],
        day_seconds: float = 5.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.courses = courses
        self.senders = senders
        self.day_seconds = day_seconds

    async def command(self, event: Incoming, wanted: str) -> list[Outgoing]:
        """`/preview COURSE`: its newest version, day by day; `/preview stop` ends it."""
        me = user_hash(event.chat_id)
        if wanted.lower() == "stop":
            stopped = await self.stop(me)
            return [Outgoing(texts.PREVIEW_STOPPED if stopped else texts.PREVIEW_NONE)]
        course = await self.courses.newest(wanted.lower())
        if course is None:
            buttons = tuple(
                (Button(c.button, f"b:pv:{c.id}"),)
                for c in sorted(self.courses.values(), key=lambda c: c.title)
            )
            text = texts.PREVIEW_UNKNOWN if wanted else texts.PREVIEW_CHOOSE
            return [Outgoing(text, buttons=buttons)]
        await self.start(me, event.chat_id, event.channel, course.id, course.version)
        seconds = self.day_seconds
        return [Outgoing(texts.PREVIEW_STARTED.format(title=course.title, seconds=seconds))]

    async def start(
        self, user: str, chat_id: str, channel: Channel, course_id: str, version: int | None = None
    ) -> None:
        state = PreviewState(
            course_id=course_id, next_day=1, chat_id=chat_id, channel=channel, version=version
        )
        await self.store.previews.save(user, state)
        await self.store.due.schedule(f"{PREFIX}{user}", self.clock.now())

    async def stop(self, user: str) -> bool:
        await self.store.due.unschedule(f"{PREFIX}{user}")
        return await self.store.previews.drop(user)

    async def run(self, member: str) -> datetime | None:
        """Send the next day of a preview; returns when the one after is due."""
        user = member.removeprefix(PREFIX)
        state = await self.store.previews.get(user)
        course = None
        if state is not None and state.version is not None:
            course = await self.courses.version(state.course_id, state.version)
        elif state is not None:
            course = await self.courses.newest(state.course_id)
        sender = self.senders.get(state.channel) if state else None
        if state is None or course is None or sender is None:
            await self.store.previews.drop(user)
            return None
        day = state.next_day
        messages = [outgoing(m, course.id, day) for m in render_day(course, day)]
        if day == course.length:
            messages.append(Outgoing(texts.PREVIEW_DONE.format(title=course.title)))
        try:
            for message in messages:
                await sender.send(state.chat_id, message, Lane.REPLY)
        except DeliveryError as exc:
            log.warning("a preview of %s stopped: %s", course.id, exc.cause)
            await self.store.previews.drop(user)
            return None
        if day >= course.length:
            await self.store.previews.drop(user)
            return None
        state.next_day = day + 1
        await self.store.previews.save(user, state)
        return self.clock.now() + timedelta(seconds=self.clock.to_course_seconds(self.day_seconds))
