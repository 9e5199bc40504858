"""A trainer publishes a course from the chat: they send the course file as a document, read
whether it is in order, what changed, and the first changed day as participants will read it,
and tap "Publiceren". The same steps as `druppel courses publish` (bot/staff/versions.py).

The file waits in Redis between the check and the tap (a day at most), so any process may
handle the tap, and one tap publishes once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.core import texts_courses as words
from bot.core.messages import Button, Incoming, Outgoing
from bot.delivery.catalogue import Catalogue
from bot.delivery.items import outgoing
from bot.staff import versions
from bot.staff.roles import user_hash
from courses.diff import Change, CourseDiff, day_ranges
from courses.loader import where as courses_where
from courses.models import Course
from courses.problems import Problem
from courses.render import render_day
from scheduler.clock import Clock
from storage.models import Channel
from storage.store import Store
from storage.versions import Upload

log = logging.getLogger(__name__)

#: Fetches a file someone sent by its platform id, at most `limit` bytes; None when it cannot.
Fetch = Callable[[str, int], Awaitable[bytes | None]]
Replies = list[Outgoing]

#: Button data: "b:pub:<course>:<version>" publishes the trainer's upload, "b:pub:no" drops it.
PUBLISH = "pub"


def _say(text: str, *rows: tuple[Button, ...]) -> Replies:
    return [Outgoing(text, buttons=tuple(rows))]


def change_lines(changes: CourseDiff) -> list[str]:
    """What changed, in Dutch, a line each."""
    if changes.empty:
        return [words.NOTHING_CHANGED]
    lines = []
    for change, template in (
        (Change.ADDED, words.DAYS_ADDED),
        (Change.REMOVED, words.DAYS_REMOVED),
    ):
        numbers = [d.day for d in changes.days if d.change is change]
        if numbers:
            lines.append(template.format(days=words.days(day_ranges(numbers), len(numbers) > 1)))
    for day in changes.days:
        if day.change is Change.CHANGED:
            parts = ", ".join(
                words.PART_NAMES[part.value].format(index=index) for part, index in day.parts
            )
            lines.append(words.DAY_CHANGED.format(day=day.day, parts=parts))
    if changes.fields:
        fields = ", ".join(words.FIELD_NAMES.get(f, f) for f in changes.fields)
        lines.append(words.COURSE_FIELDS_CHANGED.format(fields=fields))
    return lines


class Publishing:
    def __init__(self, store: Store, catalogue: Catalogue, clock: Clock) -> None:
        self.store = store
        self.catalogue = catalogue
        self.clock = clock
        #: How each channel fetches a file someone sent (the wiring adds Telegram's).
        self.files: dict[Channel, Fetch] = {}

    async def received(self, event: Incoming) -> Replies:
        """A trainer sent a file: check it as a course, and offer to publish it."""
        attachment = event.attachment
        fetch = self.files.get(event.channel)
        if attachment is None or fetch is None:
            return _say(words.COURSE_FILE_NOT_HERE)
        if not attachment.name.lower().endswith((".yaml", ".yml")):
            return _say(words.COURSE_FILE_NOT_YAML.format(name=attachment.name or "?"))
        limit = words.MAX_COURSE_FILE
        if attachment.size is not None and attachment.size > limit:
            size, most = -(-attachment.size // 1024), limit // 1024
            return _say(words.COURSE_FILE_TOO_BIG.format(size=size, limit=most))
        content = await fetch(attachment.file_id, limit)
        if content is None:
            return _say(words.COURSE_FILE_UNREADABLE)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return _say(words.COURSE_FILE_NOT_YAML.format(name=attachment.name))
        return await self._checked(event, await versions.propose(self.catalogue, text))

    async def _checked(self, event: Incoming, proposal: versions.Proposal) -> Replies:
        course, newest, changes = proposal.course, proposal.newest, proposal.changes
        if course is None:
            problems = "\n".join(
                words.COURSE_PROBLEM_LINE.format(line=p.line, problem=in_dutch(p))
                if p.line is not None
                else words.COURSE_PROBLEM.format(problem=in_dutch(p))
                for p in proposal.checked.problems
            )
            return _say(words.COURSE_FILE_PROBLEMS.format(problems=problems))
        if proposal.refusal is versions.Refusal.UNKNOWN_COURSE or newest is None:
            known = ", ".join(sorted(self.catalogue))
            return _say(words.COURSE_UNKNOWN.format(course=course.id, known=known))
        if proposal.refusal is versions.Refusal.WRONG_VERSION:
            return _say(
                words.COURSE_WRONG_VERSION.format(
                    version=course.version, title=newest.title, newest=newest.version,
                    next=newest.version + 1,
                )
            )  # fmt: skip
        if proposal.refusal is versions.Refusal.UNCHANGED or changes is None:
            return _say(words.COURSE_UNCHANGED.format(version=newest.version, title=newest.title))
        upload = Upload(
            course_id=course.id, version=course.version, against=newest.version,
            digest=versions.digest(course), body=course.model_dump_json(), at=self.clock.now(),
        )  # fmt: skip
        await self.store.versions.save_upload(user_hash(event.chat_id), upload)
        summary = words.COURSE_CHECKED.format(
            title=course.title, version=course.version, days=course.length,
            newest=newest.version, changes="\n".join(change_lines(changes)),
        )  # fmt: skip
        replies = _say(summary)
        day = changes.first_changed_day
        if day is not None:
            replies += _say(words.COURSE_PREVIEW_DAY.format(day=day, version=course.version))
            replies += [outgoing(m, course.id, day) for m in render_day(course, day)]
        buttons = (
            Button(words.COURSE_PUBLISH, f"b:{PUBLISH}:{course.id}:{course.version}"),
            Button(words.COURSE_PUBLISH_CANCEL, f"b:{PUBLISH}:no"),
        )
        return [*replies, *_say(words.COURSE_PUBLISH_ASK.format(version=course.version), buttons)]

    async def tapped(self, event: Incoming, value: str) -> Replies:
        """The trainer tapped "Publiceren" (`value` "<course>:<version>") or "Annuleren"."""
        upload = await self.store.versions.take_upload(user_hash(event.chat_id))
        if value == "no":
            return _say(words.COURSE_PUBLISH_CANCELLED if upload else words.COURSE_PUBLISH_STALE)
        if upload is None or value != f"{upload.course_id}:{upload.version}":
            return _say(words.COURSE_PUBLISH_STALE)
        course = Course.model_validate_json(upload.body)
        newest = await self.catalogue.newest(course.id)
        newer = newest.version if newest is not None else upload.against
        if newer == upload.against:  # nobody published since the trainer read the change
            by = f"{event.first_name or 'trainer'} ({event.channel.value} {event.chat_id})"
            now = self.clock.now()
            overtaken = await versions.publish(self.store, self.catalogue, course, by, now)
            if overtaken is None:
                log.info("course %s version %d published in the chat", course.id, course.version)
                return _say(
                    words.COURSE_PUBLISHED.format(version=course.version, title=course.title)
                )
            newer = overtaken
        return _say(
            words.COURSE_PUBLISH_OVERTAKEN.format(newest=newer, title=course.title, next=newer + 1)
        )


def in_dutch(problem: Problem) -> str:
    """A problem of a course file as a trainer reads it: where, and what is wrong, in Dutch
    (its line is said apart)."""
    values = {k: str(v) for k, v in problem.values.items()}
    if "expected" in values:  # pydantic's "'daily' or 'after_reflection'"
        values["expected"] = values["expected"].replace("' or '", "' of '")
    if "message" in values and "day" in values:  # a quote of a day it cannot quote
        template = words.QUOTE_IN_PROMPT if values["message"] == "0" else words.QUOTE_IN_LESSON
        values["where"] = template.format(day=values["day"], message=values["message"])
    said = words.PROBLEMS.get(problem.kind)
    if said is None:
        said, values = words.PROBLEM_OTHER, {"problem": problem.problem}
    for key, value in values.items():  # as pydantic fills them: "{answer}" stays as it is
        said = said.replace(f"{{{key}}}", value)
    where = courses_where(problem.loc, **words.WHERE_WORDS)
    return f"{where}: {said}" if where else said
