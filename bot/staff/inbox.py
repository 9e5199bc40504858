"""The coaches' inbox, in their own chat with the bot: each question arrives with buttons, a
coach answers by replying to it (or, after "Ik pak hem op", by typing), /inbox lists what is
open, and a thread a week quiet closes by itself. The first coach to take or answer a thread
owns it; the others' copies are edited to say so, and follow-ups go to the owner alone. An
answer reaches the participant through their chat's queue (ordered with the lessons, paced,
sent once), its words read from the sealed thread as it goes out.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import ClassVar, Literal

from redis.asyncio.client import Pipeline

from bot.broadcast.runner import Editor
from bot.core import texts_coach
from bot.core.button_data import ButtonData
from bot.core.messages import Incoming, Kind, Outgoing
from bot.delivery.errors import DeliveryError, RateLimited, Transient
from bot.delivery.items import reply_item
from bot.delivery.owed import Deliveries
from bot.staff.roles import Roles
from scheduler.hours import Hours
from storage.keys import chat_member
from storage.models import Channel, Lane, Participant, QueueItem
from storage.threads import IDLE_SECONDS, MAX_MESSAGE, Thread, ThreadMessage, Who

log = logging.getLogger(__name__)

#: The due index's member that closes threads a week quiet.
MEMBER = "ops:coach"
#: A thread's id as the coaches' copies show it.
_TAG = re.compile(r"#([a-z2-9]{5})\b")

Replies = list[Outgoing]


class ThreadAction(ButtonData):
    """A coach's tap under a question: "q:take:k3f9a" or "q:close:k3f9a"."""

    prefix: ClassVar[str] = "q"
    action: Literal["take", "close"]
    tid: str


def _say(text: str) -> Replies:
    return [Outgoing(text)]


class Inbox:
    def __init__(self, deliveries: Deliveries, roles: Roles, hours: Hours | None = None) -> None:
        self.deliveries = deliveries
        self.store = deliveries.store
        self.clock = deliveries.journey.clock
        self.roles = roles
        self.hours = hours
        deliveries.jobs[MEMBER] = self.sweep

    # -- what the participant's side asks of the coaches ------------------------------------------
    async def coaches(self) -> list[str]:
        """Who gets the questions and may answer them: the trainers. An operator who is not
        also a trainer sees counts only, never a name or a question."""
        granted = set(await self.store.roles.trainers())
        return sorted(self.roles.configured_trainers | granted)

    async def available(self) -> bool:
        return bool(await self.coaches())

    def opens(self, now: datetime) -> datetime | None:
        if self.hours is None or self.hours.is_open(now):
            return None
        return self.hours.next_open(now)

    def _editor(self) -> Editor | None:
        """Coaches are reached on Telegram (the terminal stands in for it in a demo)."""
        for channel in (Channel.TELEGRAM, Channel.CONSOLE):
            sender = self.deliveries.senders.get(channel)
            if isinstance(sender, Editor):
                return sender
        return None

    def _name(self, participant: Participant | None) -> str:
        return (participant.first_name if participant else None) or texts_coach.UNNAMED

    def _where(self, thread: Thread) -> str:
        course = self.deliveries.journey.courses.get(thread.course_id or "")
        if course is None or thread.day is None:
            return ""
        return texts_coach.WHERE.format(course=course.button, day=thread.day)

    def _urgent(self, thread: Thread) -> str:
        if not thread.urgent:
            return ""
        category = texts_coach.CATEGORY.get(thread.category or "", thread.category or "")
        return texts_coach.URGENT.format(category=category)

    async def asked(self, participant: Participant, thread: Thread) -> None:
        """The thread's newest message to its owner, or to every coach while nobody owns it."""
        first = sum(m.who is Who.PARTICIPANT for m in thread.messages) == 1
        template = texts_coach.QUESTION if first else texts_coach.FOLLOW_UP
        text = template.format(
            urgent=self._urgent(thread), tid=thread.id, name=self._name(participant),
            where=self._where(thread), text=thread.messages[-1].text,
        )  # fmt: skip
        buttons = (
            (
                ThreadAction(action="take", tid=thread.id).button(texts_coach.TAKE_BUTTON),
                ThreadAction(action="close", tid=thread.id).button(texts_coach.CLOSE_BUTTON),
            ),
        )
        message = Outgoing(text, buttons=() if thread.owner else buttons)
        await self._post(thread, message, question=first)
        await self.store.due.wake(MEMBER, thread.last_at + timedelta(seconds=IDLE_SECONDS))

    async def closed(self, participant: Participant, thread: Thread) -> None:
        text = texts_coach.PARTICIPANT_CLOSED.format(tid=thread.id, name=self._name(participant))
        await self._edit_all(thread, texts_coach.CLOSED_FOR_ALL, participant, exclude=None)
        await self._post(thread, Outgoing(text))

    async def blank(self, copies: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
        """Edit what the coaches were shown of an erased participant to "(gewist)"; returns
        those to try later (None: this process cannot edit; a message too old stays as it is)."""
        sender = self._editor()
        if sender is None:
            return None
        later = []
        for chat, message_id in copies:
            try:
                await sender.edit(chat, message_id, Outgoing(texts_coach.ERASED))
            except (Transient, RateLimited) as exc:
                log.info("coach: a coach's copy is blanked later: %s", exc)
                later.append((chat, message_id))
            except DeliveryError as exc:
                log.info("coach: could not blank a coach's copy: %s", exc)
        return later

    async def _post(self, thread: Thread, message: Outgoing, question: bool = False) -> None:
        """To the thread's owner, or to every coach while nobody owns it; each message kept in
        the thread (the question's as the copy the others' edits go to), to edit or blank it."""
        chats = [thread.owner] if thread.owner else await self.coaches()
        posted = await self._send(chats, message)
        if posted:
            await self._remember(thread, posted, question)

    async def _remember(self, thread: Thread, posted: dict[str, str], question: bool) -> None:
        def remember(t: Thread) -> Thread:
            if question:
                t.copies.update(posted)
            for chat, message_id in posted.items():
                t.shown.setdefault(chat, []).append(message_id)
            return t

        await self.store.threads.update(thread.pid, thread.id, remember)

    async def _tell(self, chat: str, text: str, *threads: Thread) -> Replies:
        """A message to one coach that names a participant: posted and kept with the threads
        it names, so an erasure blanks it too (a plain reply when it could not be posted)."""
        posted = await self._send([chat], Outgoing(text))
        if not posted:
            return _say(text)
        for thread in threads:
            await self._remember(thread, posted, question=False)
        return []

    async def _send(self, chats: list[str], message: Outgoing) -> dict[str, str]:
        """Send to each coach directly; their message ids, to edit them later."""
        sender = self._editor()
        posted: dict[str, str] = {}
        if sender is None:
            log.error("coach: no channel to reach the coaches on")
            return posted
        for chat in chats:
            try:
                posted[chat] = await sender.post(chat, message)
            except DeliveryError as exc:
                log.warning("coach: a question did not reach a coach: %s", exc)
        return posted

    async def _edit_all(
        self, thread: Thread, template: str, participant: Participant | None,
        exclude: str | None, coach: str = "",
    ) -> None:  # fmt: skip
        """Edit each coach's copy of the question (but `exclude`'s) to say what became of it."""
        sender = self._editor()
        if sender is None:
            return
        text = template.format(tid=thread.id, name=self._name(participant), coach=coach)
        for chat, message_id in thread.copies.items():
            if chat == exclude:
                continue
            try:
                await sender.edit(chat, message_id, Outgoing(text))
            except DeliveryError as exc:
                log.info("coach: could not edit a coach's copy: %s", exc)

    # -- what a coach does ----------------------------------------------------------------------
    async def handle(self, event: Incoming) -> Replies | None:
        """A coach's command, tap or answer; None when the event is none of these."""
        if event.chat_id not in await self.coaches():
            return None
        if event.kind is Kind.COMMAND and event.command == "inbox":
            return await self.listing(event.chat_id)
        tapped = ThreadAction.read(event.data or "") if event.kind is Kind.BUTTON else None
        if tapped is not None:
            if tapped.action == "take":
                return await self._take(event, tapped.tid)
            return await self._close(event, tapped.tid)
        if event.kind is not Kind.TEXT:
            return None
        replied = _TAG.search(event.replied_to or "")
        if replied is not None and texts_coach.HOW_TO_ANSWER.strip() in (event.replied_to or ""):
            return await self.answer(event, replied.group(1))
        return None

    async def typed(self, event: Incoming) -> Replies | None:
        """A coach's plain text after "Ik pak hem op": the answer to that thread."""
        if event.chat_id not in await self.coaches():
            return None
        typing = await self.store.threads.typing_to(event.chat_id)
        return None if typing is None else await self.answer(event, typing)

    async def _claim(self, event: Incoming, tid: str) -> tuple[Thread | None, Replies]:
        """The thread for this coach: theirs now if nobody owned it, else who owns it."""
        thread = await self.store.threads.find(tid)
        if thread is None:
            return None, _say(texts_coach.GONE)
        me = event.chat_id

        def take(t: Thread) -> Thread | None:
            if t.owner is not None:
                return None
            t.owner = me
            return t

        owned = await self.store.threads.update(thread.pid, tid, take)
        if owned is None:
            return None, _say(texts_coach.GONE)
        if owned.owner != me:
            return None, _say(texts_coach.ALREADY_TAKEN.format(tid=tid, coach=texts_coach.A_COACH))
        if thread.owner is None:  # just taken: the others' copies say so
            participant = await self.store.participants.get(owned.pid)
            coach = event.first_name or texts_coach.A_COACH
            await self._edit_all(owned, texts_coach.TAKEN_BY_OTHER, participant, me, coach)
        return owned, []

    async def _take(self, event: Incoming, tid: str) -> Replies:
        thread, refused = await self._claim(event, tid)
        if thread is None:
            return refused
        await self.store.threads.typing(event.chat_id, tid)
        participant = await self.store.participants.get(thread.pid)
        taken = texts_coach.TAKEN.format(tid=tid, name=self._name(participant))
        return await self._tell(event.chat_id, taken, thread)

    async def answer(self, event: Incoming, tid: str) -> Replies:
        """A coach's answer: into the thread and into the participant's chat queue, in one
        transaction, so a crash keeps both or neither; the same answer handed in again (the
        platform repeats an update it did not hear confirmed) is not sent twice."""
        thread, refused = await self._claim(event, tid)
        if thread is None:
            return refused
        words = event.text.strip()[:MAX_MESSAGE] or "…"
        participant = await self.store.participants.get(thread.pid)
        done = texts_coach.ANSWER_SENT.format(tid=tid, name=self._name(participant))
        last = thread.messages[-1] if thread.messages else None
        if last is not None and (last.who, last.by, last.text) == (Who.COACH, event.chat_id, words):
            return await self._tell(event.chat_id, done, thread)
        message = ThreadMessage(who=Who.COACH, at=self.clock.now(), text=words, by=event.chat_id)

        def queue(pipe: Pipeline, joined: Thread) -> None:
            index = len(joined.messages) - 1
            item = QueueItem(lane=Lane.REPLY, kind="coach", thread=tid, index=index)
            self.store.queue.queue(pipe, thread.pid, [item])

        await self._recheck(thread.pid)
        joined = await self.store.threads.add(thread.pid, tid, message, event.chat_id, queue)
        if joined is None:
            return _say(texts_coach.GONE)
        await self.deliveries.drain(thread.pid)
        await self.store.threads.typing(event.chat_id, None)
        await self.store.due.wake(MEMBER, joined.last_at + timedelta(seconds=IDLE_SECONDS))
        return await self._tell(event.chat_id, done, joined)

    async def _recheck(self, pid: str) -> None:
        """Should this process die before the chat is drained, the chat is looked at again."""
        safety = self.clock.to_course_seconds(self.deliveries.drainer.lock_seconds)
        await self.store.due.recheck(chat_member(pid), self.clock.now() + timedelta(seconds=safety))

    async def _queue(self, pid: str, items: list[QueueItem]) -> None:
        """Into the participant's chat queue, behind whatever it still owes, then drained."""
        await self._recheck(pid)
        await self.store.queue.put(pid, items)
        await self.deliveries.drain(pid)

    async def _close(self, event: Incoming, tid: str) -> Replies:
        thread = await self.store.threads.find(tid)
        if thread is None:
            return _say(texts_coach.GONE)
        closed = await self.store.threads.close(thread.pid, tid, event.chat_id)
        if closed is None:
            return _say(texts_coach.GONE)
        participant = await self.store.participants.get(thread.pid)
        await self._edit_all(closed, texts_coach.CLOSED_FOR_ALL, participant, event.chat_id)
        await self._queue(thread.pid, [reply_item(Outgoing(texts_coach.COACH_CLOSED_BY_COACH))])
        closing = texts_coach.CLOSED.format(tid=tid, name=self._name(participant))
        return await self._tell(event.chat_id, closing, closed)

    async def listing(self, chat: str) -> Replies:
        """/inbox: open threads, urgent first, then the longest waiting, then the answered."""
        threads = await self.store.threads.open_threads()
        if not threads:
            return _say(texts_coach.INBOX_EMPTY)
        now = self.clock.now()
        far = datetime.max.replace(tzinfo=now.tzinfo)
        threads.sort(key=lambda t: (not t.urgent, t.waiting_since or far, t.opened_at))
        lines = [texts_coach.INBOX_HEAD.format(count=len(threads))]
        for t in threads:
            participant = await self.store.participants.get(t.pid)
            state = (
                texts_coach.INBOX_WAITING.format(waited=texts_coach.waited(now - t.waiting_since))
                if t.waiting_since is not None
                else texts_coach.INBOX_ANSWERED.format(owner="")
            )
            mark = "⚠️ " if t.urgent else ""
            line = texts_coach.INBOX_LINE.format(
                mark=mark, tid=t.id, name=self._name(participant), where=self._where(t),
                state=state,
            )  # fmt: skip
            lines.append(line)
        return await self._tell(chat, "\n".join(lines), *threads)

    # -- the week's quiet -----------------------------------------------------------------------
    async def sweep(self) -> datetime | None:
        """Close what has been quiet a week, telling both sides; then when to look again."""
        now = self.clock.now()
        for thread in await self.store.threads.idle(now):
            closed = await self.store.threads.close(thread.pid, thread.id, "idle")
            if closed is None:
                continue
            participant = await self.store.participants.get(thread.pid)
            await self._edit_all(closed, texts_coach.IDLE_CLOSED, participant, None)
            await self._queue(thread.pid, [reply_item(Outgoing(texts_coach.COACH_CLOSED_IDLE))])
        left = await self.store.threads.open_threads()
        if not left:
            return None
        return min(t.last_at for t in left) + timedelta(seconds=IDLE_SECONDS)
