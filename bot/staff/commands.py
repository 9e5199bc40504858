"""The commands only trainers and operators have: broadcasts, and granting the trainer role.

To anyone without the role these commands do not exist: `handle` returns None and the event goes
to the coach, which answers exactly as it answers any unknown command or stale button.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from bot.broadcast import runner
from bot.broadcast.runner import PREFIX as BROADCAST_PREFIX
from bot.broadcast.runner import Runner
from bot.broadcast.segments import Segment, parse, recipients
from bot.core import texts, texts_staff
from bot.core.messages import Button, Incoming, Kind, Outgoing
from bot.delivery.owed import Deliveries
from bot.ops.commands import COMMANDS as OPERATOR_COMMANDS
from bot.ops.commands import OperatorCommands
from bot.staff.inbox import Inbox
from bot.staff.preview import PREFIX as PREVIEW_PREFIX
from bot.staff.preview import Previews
from bot.staff.publish import PUBLISH, Publishing
from bot.staff.report import report
from bot.staff.roles import Role, Roles, user_hash
from scheduler.localtime import parse_time_of_day
from storage.models import Broadcast, BroadcastState, StaffDraft, TrainerGrant

log = logging.getLogger(__name__)

#: The longest broadcast text: Telegram's 4096 characters, less the heading and some room.
MAX_BROADCAST = 3500

Menus = Callable[[str, list[tuple[str, str]]], Awaitable[None]]
Replies = list[Outgoing]


def _say(text: str, *rows: tuple[Button, ...]) -> Replies:
    return [Outgoing(text, buttons=tuple(rows))]


def menu_for(role: Role | None) -> list[tuple[str, str]]:
    menu = list(texts.MENU)
    if role is not None:
        menu += texts_staff.STAFF_MENU_TRAINER
    if role is Role.OPERATOR:
        menu += texts_staff.STAFF_MENU_OPERATOR
    return menu


class Staff:
    def __init__(
        self,
        deliveries: Deliveries,
        roles: Roles,
        menus: Menus | None = None,
        preview_day_seconds: float = 5.0,
    ) -> None:
        self.deliveries = deliveries
        self.store = deliveries.store
        self.journey = deliveries.journey
        self.previews = Previews(
            self.store, self.journey.clock, self.journey.catalogue, deliveries.senders,
            preview_day_seconds,
        )  # fmt: skip
        self.publishing = Publishing(self.store, self.journey.catalogue, self.journey.clock)
        deliveries.prefix_jobs[PREVIEW_PREFIX] = self.previews.run
        #: Broadcasts keep their recipients' queues filled, a step at a time, through the due
        #: index; `budget` is set by the wiring to the channels' bulk pace.
        self.broadcasts = Runner(self.store, self.journey.clock, deliveries.senders)
        deliveries.prefix_jobs[BROADCAST_PREFIX] = self.broadcasts.run_member
        self.roles = roles
        self.menus = menus
        self.ops = OperatorCommands(self.journey)
        self.inbox = Inbox(deliveries, roles)

    async def refresh_menus(self) -> None:
        """Each trainer and operator sees their own commands in Telegram's menu."""
        if self.menus is None:
            return
        for user_id, role in (await self.roles.everyone()).items():
            await self.menus(user_id, menu_for(role))

    async def handle(self, event: Incoming) -> Replies | None:
        role = await self.roles.of(event.chat_id)
        if role is None:
            return None
        coached = await self.inbox.handle(event)
        if coached is not None:
            return coached
        if event.kind is Kind.UNSUPPORTED and event.attachment is not None:
            return await self.publishing.received(event)  # a course file to publish
        if event.kind is Kind.COMMAND:
            command = event.command or ""
            if command == "broadcast":
                return await self._broadcast(event)
            if command == "broadcasts":
                return await self._broadcasts()
            if command == "preview":
                return await self.previews.command(event, event.args[0] if event.args else "")
            if command in ("rapport", "report"):
                return [await report(self.store, self.journey.catalogue, event.args)]
            if role is Role.OPERATOR and command == "trainer":
                return await self._trainer(event)
            if role is Role.OPERATOR and command == "trainers":
                return await self._trainers()
            if role is Role.OPERATOR and command in OPERATOR_COMMANDS:
                return await self.ops.handle(event)
            return None
        if event.kind is Kind.BUTTON and (event.data or "").startswith("b:"):
            return await self._button(event, role, event.data or "")
        if event.kind is Kind.TEXT:
            drafted = await self._text(event)
            return drafted if drafted is not None else await self.inbox.typed(event)
        return None

    # -- broadcasts ---------------------------------------------------------------------------
    def _segment_buttons(self) -> tuple[tuple[Button, ...], ...]:
        rows: list[tuple[Button, ...]] = [
            (Button(texts_staff.BROADCAST_BUTTON_ALL, "b:s:all"),),
            (
                Button(texts_staff.BROADCAST_BUTTON_ACTIVE, "b:s:active"),
                Button(texts_staff.BROADCAST_BUTTON_PAUSED, "b:s:paused"),
                Button(texts_staff.BROADCAST_BUTTON_FINISHED, "b:s:finished"),
            ),
        ]
        for course in sorted(self.journey.courses.values(), key=lambda c: c.title):
            rows.append((Button(course.button, f"b:s:course:{course.id}"),))
            one_day = texts_staff.BROADCAST_BUTTON_DAY.format(title=course.button)
            rows.append((Button(one_day, f"b:d:{course.id}"),))
        return tuple(rows)

    async def _broadcast(self, event: Incoming) -> Replies:
        draft = StaffDraft(step="segment", at=self.journey.clock.now())
        await self.store.broadcasts.save_draft(user_hash(event.chat_id), draft)
        return _say(texts_staff.BROADCAST_CHOOSE, *self._segment_buttons())

    async def _button(self, event: Incoming, role: Role, data: str) -> Replies:
        me = user_hash(event.chat_id)
        draft = await self.store.broadcasts.draft(me)
        kind, _, value = data[2:].partition(":")
        courses = self.journey.courses
        if kind == "x":
            return await self._stop(event.chat_id, role, value)
        if kind == "pv":
            return await self.previews.command(event, value)
        if kind == PUBLISH:
            return await self.publishing.tapped(event, value)
        if draft is None:
            return _say(texts_staff.BROADCAST_STALE)
        if kind == "d" and value in courses:
            course = courses[value]
            days = [Button(str(n), f"b:s:day:{course.id}:{n}") for n in range(1, course.length + 1)]
            rows = [tuple(days[i : i + 5]) for i in range(0, len(days), 5)]
            return _say(texts_staff.BROADCAST_CHOOSE_DAY.format(title=course.title), *rows)
        if kind == "s" and (segment := parse(value, courses)) is not None:
            draft.step, draft.segment = "text", segment.code
            await self.store.broadcasts.save_draft(me, draft)
            return _say(
                texts_staff.BROADCAST_ASK_TEXT.format(segment=segment.label, limit=MAX_BROADCAST)
            )
        if kind == "no":
            await self.store.broadcasts.drop_draft(me)
            return _say(texts_staff.BROADCAST_CANCELLED_DRAFT)
        if kind == "at" and draft.step == "confirm":
            draft.step = "time"
            await self.store.broadcasts.save_draft(me, draft)
            return _say(texts_staff.BROADCAST_ASK_TIME)
        if kind == "ok" and draft.step == "confirm":
            return await self._confirm(event, draft)
        return _say(texts_staff.BROADCAST_STALE)

    async def _text(self, event: Incoming) -> Replies | None:
        me = user_hash(event.chat_id)
        draft = await self.store.broadcasts.draft(me)
        if draft is not None and draft.step == "time":
            return await self._time(me, draft, event.text)
        if draft is None or draft.step != "text":
            return None  # not writing a broadcast: an ordinary message
        segment = parse(draft.segment, self.journey.courses)
        body = event.text.strip()
        if segment is None:
            await self.store.broadcasts.drop_draft(me)
            return _say(texts_staff.BROADCAST_STALE)
        if len(body) > MAX_BROADCAST:
            return _say(
                texts_staff.BROADCAST_TOO_LONG.format(length=len(body), limit=MAX_BROADCAST)
            )
        if not body:
            return _say(
                texts_staff.BROADCAST_ASK_TEXT.format(segment=segment.label, limit=MAX_BROADCAST)
            )
        count = len(await recipients(self.store, segment))
        if count == 0:
            await self.store.broadcasts.drop_draft(me)
            return _say(texts_staff.BROADCAST_NOBODY.format(segment=segment.label))
        draft.step, draft.text = "confirm", body
        await self.store.broadcasts.save_draft(me, draft)
        preview = runner.message(self._broadcast_record(event, segment, body, count))
        question = texts_staff.BROADCAST_PREVIEW.format(count=count, segment=segment.label)
        return [
            preview,
            Outgoing(
                question,
                buttons=(
                    (
                        Button(texts_staff.BROADCAST_SEND, "b:ok"),
                        Button(texts_staff.BROADCAST_CANCEL, "b:no"),
                    ),
                    (Button(texts_staff.BROADCAST_LATER, "b:at"),),
                ),
            ),
        ]

    async def _time(self, me: str, draft: StaffDraft, typed: str) -> Replies:
        """The trainer chose a time: each participant gets it then, in their own time zone."""
        at = parse_time_of_day(typed)
        if at is None:
            return _say(texts_staff.BROADCAST_BAD_TIME)
        draft.step, draft.send_at = "confirm", at
        await self.store.broadcasts.save_draft(me, draft)
        return _say(
            texts_staff.BROADCAST_AT_CONFIRM.format(time=texts.hhmm(at)),
            (
                Button(texts_staff.BROADCAST_SEND, "b:ok"),
                Button(texts_staff.BROADCAST_CANCEL, "b:no"),
            ),
        )

    def _broadcast_record(
        self, event: Incoming, segment: Segment, body: str, total: int
    ) -> Broadcast:
        return Broadcast(
            id=secrets.token_hex(8), by=event.chat_id, segment=segment.code,
            segment_label=segment.label, text=body, total=total,
            created_at=self.journey.clock.now(), progress_chat=event.chat_id,
            progress_channel=event.channel,
        )  # fmt: skip

    async def _confirm(self, event: Incoming, draft: StaffDraft) -> Replies:
        me = user_hash(event.chat_id)
        segment = parse(draft.segment, self.journey.courses)
        await self.store.broadcasts.drop_draft(me)  # one confirm sends once, however often tapped
        if segment is None or not draft.text:
            return _say(texts_staff.BROADCAST_STALE)
        people = await recipients(self.store, segment)
        if not people:
            return _say(texts_staff.BROADCAST_NOBODY.format(segment=segment.label))
        broadcast = self._broadcast_record(event, segment, draft.text, len(people))
        broadcast.send_at = draft.send_at
        await self.broadcasts.start(broadcast, people)
        log.info("broadcast %s to %d participants started", broadcast.id, len(people))
        return []  # the progress message, edited as it goes, is the answer

    async def _stop(self, chat_id: str, role: Role, bid: str) -> Replies:
        broadcast = await self.store.broadcasts.get(bid) if len(bid) <= 32 else None
        if broadcast is None or (role is not Role.OPERATOR and broadcast.by != chat_id):
            return _say(texts_staff.BROADCAST_STALE)
        if broadcast.state is not BroadcastState.RUNNING:
            return _say(texts_staff.BROADCAST_STALE)
        await self.store.broadcasts.cancel(bid)
        await self.store.due.schedule(runner.member(bid), self.journey.clock.now())
        return _say(texts_staff.BROADCAST_STOPPING)

    async def _broadcasts(self) -> Replies:
        recent = await self.store.broadcasts.recent()
        if not recent:
            return _say(texts_staff.BROADCASTS_NONE)
        zone = ZoneInfo(self.journey.default_timezone)
        lines = []
        for b in recent:
            counts = await self.store.broadcasts.outcomes(b.id)
            state = {
                BroadcastState.RUNNING: texts_staff.BROADCAST_RUNNING,
                BroadcastState.DONE: texts_staff.BROADCAST_DONE,
                BroadcastState.CANCELLED: texts_staff.BROADCAST_CANCELLED,
            }[b.state]
            lines.append(
                texts_staff.BROADCASTS_LINE.format(
                    when=b.created_at.astimezone(zone).strftime("%d-%m %H:%M"),
                    state=state,
                    segment=b.segment_label,
                    sent=counts.get("sent", 0),
                    failed=counts.get("failed", 0),
                    blocked=counts.get("blocked", 0),
                )
            )
        return _say("\n".join(lines))

    # -- the trainer role ---------------------------------------------------------------------
    async def _trainer(self, event: Incoming) -> Replies:
        args = event.args
        if len(args) != 2 or args[0] not in ("add", "remove") or not args[1].isascii():
            return _say(texts_staff.TRAINER_USAGE)
        user = args[1]
        if not user.isdigit() or len(user) > 20:
            return _say(texts_staff.TRAINER_USAGE)
        if args[0] == "add":
            grant = TrainerGrant(by=event.chat_id, at=self.journey.clock.now())
            added = await self.store.roles.grant(user, grant)
            if self.menus is not None:
                await self.menus(user, menu_for(await self.roles.of(user)))
            return _say(
                (texts_staff.TRAINER_ADDED if added else texts_staff.TRAINER_ALREADY).format(
                    user=user
                )
            )
        if user in self.roles.configured_trainers:
            return _say(texts_staff.TRAINER_FROM_SETTINGS.format(user=user))
        removed = await self.store.roles.revoke(user)
        if self.menus is not None:
            await self.menus(user, menu_for(await self.roles.of(user)))
        return _say(
            (texts_staff.TRAINER_REMOVED if removed else texts_staff.TRAINER_NOT).format(user=user)
        )

    async def _trainers(self) -> Replies:
        zone = ZoneInfo(self.journey.default_timezone)
        lines = [
            texts_staff.TRAINERS_LINE.format(user=u, source=texts_staff.TRAINERS_SOURCE_SETTINGS)
            for u in sorted(self.roles.configured_trainers)
        ]
        for user, grant in sorted((await self.store.roles.trainers()).items()):
            when = grant.at.astimezone(zone).strftime("%d-%m-%Y %H:%M")
            source = texts_staff.TRAINERS_SOURCE_GRANT.format(by=grant.by, when=when)
            lines.append(texts_staff.TRAINERS_LINE.format(user=user, source=source))
        return _say("\n".join(lines) if lines else texts_staff.TRAINERS_NONE)
