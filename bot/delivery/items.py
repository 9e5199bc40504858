"""What goes into a chat's queue, and what comes out of it again as a message.

Course messages are queued by name (course, day, part) and rendered when sent, so no lesson text
is copied into Redis and a corrected course file reaches what is still queued; replies are the
bot's own words, stored as they are.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Annotated, ClassVar

from pydantic import Field

from bot.core import texts, texts_care
from bot.core.button_data import ButtonData
from bot.core.messages import Button, Outgoing
from courses.models import Course
from courses.render import DayMessage, render_day, render_nudge
from storage.models import Lane, QueueItem, StoredButton, StoredMessage


class CheckInScore(ButtonData):
    """A tap on a check-in's scale, "k:partner:2:4": the course, the day, and the score."""

    prefix: ClassVar[str] = "k"
    course: str
    day: Annotated[int, Field(ge=1)]
    score: Annotated[int, Field(ge=1, le=5)]


def outgoing(message: DayMessage, course_id: str, day: int) -> Outgoing:
    """A rendered course message as a channel-neutral one; check-in choices become buttons."""
    buttons: tuple[tuple[Button, ...], ...] = ()
    if message.choices:
        row = tuple(
            CheckInScore(course=course_id, day=day, score=int(c.value)).button(c.label)
            for c in message.choices
        )
        buttons = (row,)
    return Outgoing(message.text, heading=message.heading, buttons=buttons)


def day_items(course: Course, day: int, lane: Lane = Lane.LESSON) -> list[QueueItem]:
    """Every part of one day, in order."""
    return [
        QueueItem(
            lane=lane, kind="day", course_id=course.id, day=day, index=i, version=course.version
        )
        for i in range(len(render_day(course, day)))
    ]


def course_item(
    kind: str, course_id: str, day: int, index: int = 0, version: int | None = None
) -> QueueItem:
    """A nudge, the end message of a course, a part of the follow-up after it, or the question
    how someone is before a lesson (after a message of theirs signalled danger); on `version`
    of the course (None: the enrollment's when it is sent)."""
    return QueueItem(
        lane=Lane.LESSON, kind=kind, course_id=course_id, day=day, index=index, version=version
    )


def reply_item(message: Outgoing) -> QueueItem:
    if message.named is not None:
        return message.named
    stored = StoredMessage(
        text=message.text,
        heading=message.heading,
        buttons=[
            [StoredButton(label=b.label, data=b.data) for b in row] for row in message.buttons
        ],
        image=None if message.image is None else base64.b64encode(message.image).decode("ascii"),
        document=None if message.document is None else message.document[0],
        content=None
        if message.document is None
        else base64.b64encode(message.document[1]).decode("ascii"),
    )
    return QueueItem(lane=Lane.REPLY, kind="text", message=stored)


def _image(stored: str | None) -> bytes | None:
    """A stored image's bytes; one that does not decode is left off, so the text still goes."""
    if stored is None:
        return None
    try:
        return base64.b64decode(stored, validate=True)
    except ValueError:
        return None


def reply_items(messages: Sequence[Outgoing]) -> list[QueueItem]:
    return [reply_item(m) for m in messages]


def render(
    item: QueueItem, courses: Mapping[str, Course], answers: Mapping[int, str] | None = None
) -> Outgoing | None:
    """The message an item names, or None when it names nothing that exists any more;
    `answers` fill a part that quotes the participant's earlier answer (bot/delivery/quoting.py)."""
    if item.kind == "text":
        if item.message is None:
            return None
        rows = tuple(tuple(Button(b.label, b.data) for b in row) for row in item.message.buttons)
        image = _image(item.message.image)
        content = _image(item.message.content)
        document = None
        if item.message.document is not None and content is not None:
            document = (item.message.document, content)
        return Outgoing(
            item.message.text, heading=item.message.heading, buttons=rows, image=image,
            document=document,
        )  # fmt: skip
    course = courses.get(item.course_id or "")
    if course is None or item.day is None or not 1 <= item.day <= course.length:
        return None
    if item.kind == "care":
        return Outgoing(texts_care.CARE_CHECK)
    if item.kind == "end":
        return Outgoing(texts.COURSE_DONE.format(title=course.title))
    if item.kind == "nudge":
        nudge = render_nudge(course, item.day)
        return None if nudge is None else outgoing(nudge, course.id, item.day)
    if item.kind == "followup":
        if course.followup is None or item.index > 1:
            return None
        return Outgoing(course.followup.text if item.index == 0 else course.followup.prompt)
    messages = render_day(course, item.day, {} if answers is None else answers)
    if item.index >= len(messages):
        return None
    return outgoing(messages[item.index], course.id, item.day)
