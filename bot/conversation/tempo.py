"""/tempo (/pace): how often the lessons come, chosen by the participant.

The same choice comes by itself with the lesson after two quiet lesson days (see
bot/delivery/tempo.py); a tap on it, or /tempo later, lands here. The next lesson is planned
anew at once, and a nudge still to come moves with it.
"""

from __future__ import annotations

from bot.conversation.context import Command, Context, ForParticipant, Replies, say
from bot.core import texts, texts_pace
from bot.core.messages import Button
from bot.delivery import tempo
from bot.delivery.journey import LIVE
from bot.delivery.tempo import PaceChoice
from storage.models import Enrollment, EnrollmentStatus, Pace, Participant

#: What may be typed after /tempo, as words (lower case, spaces squeezed).
TYPED = {
    "elke dag": Pace.DAILY, "dagelijks": Pace.DAILY, "daily": Pace.DAILY,
    "every day": Pace.DAILY,
    "om de dag": Pace.OTHER_DAY, "om de andere dag": Pace.OTHER_DAY,
    "every other day": Pace.OTHER_DAY,
    "eigen tempo": Pace.OWN, "mijn eigen tempo": Pace.OWN, "in mijn eigen tempo": Pace.OWN,
    "eigen": Pace.OWN, "own": Pace.OWN, "own pace": Pace.OWN,
}  # fmt: skip


def _rows(course_id: str) -> list[tuple[Button, ...]]:
    return [tuple(Button(b.label, b.data) for b in row) for row in tempo.choice_rows(course_id)]


async def pace(ctx: Context, participant: Participant, args: tuple[str, ...]) -> Replies:
    """/tempo shows the pace with the three choices; /tempo om de dag sets it."""
    live = await ctx.live(participant.id)
    if live is None:
        return say(texts_pace.PACE_NO_COURSE)
    if args:
        chosen = TYPED.get(" ".join(args).lower().strip(" .!"))
        if chosen is None:
            return say(texts_pace.PACE_UNKNOWN, *_rows(live.course_id))
        return await choose(ctx, participant, live.course_id, chosen)
    course = ctx.courses.get(live.course_id)
    shown = texts_pace.PACE_ASK.format(pace=tempo.described(course, live))
    return say(shown, *_rows(live.course_id))


async def tapped(ctx: Context, participant: Participant, tap: PaceChoice) -> Replies:
    """A pace button, from the choice after quiet days or from /tempo."""
    enrollment = await ctx.store.enrollments.get(participant.id, tap.course)
    if enrollment is None or enrollment.status not in LIVE:
        return say(texts.STALE_BUTTON)
    return await choose(ctx, participant, tap.course, tap.pace)


async def choose(ctx: Context, participant: Participant, course_id: str, chosen: Pace) -> Replies:
    """Keep the pace and plan the next lesson (and a nudge still to come) by it."""
    journey = ctx.journey
    now = journey.clock.now()

    def change(e: Enrollment) -> Enrollment | None:
        if e.status not in LIVE:
            return None
        e.pace = chosen
        if e.status is not EnrollmentStatus.ACTIVE or journey.past_last_day(e):
            return e  # a paused course keeps it for /verder; after the last day none is due
        e.next_due = None if journey.awaits_reflection(e) else journey.next_lesson_time(
            participant, e, now
        )  # fmt: skip
        day, sent = e.last_delivered_day, e.last_delivered_at
        if e.nudge_due is not None and sent is not None and day >= 1:
            e.nudge_due = journey.nudge_time(participant, e, day, sent, e.next_due)
        return e

    changed = await journey.change(participant.id, course_id, change)
    if changed is None:
        return say(texts.STALE_BUTTON)
    course = ctx.courses.get(course_id)
    lines = [texts_pace.PACE_SET.format(pace=tempo.described(course, changed))]
    when = ctx.next_when(participant, changed)
    if when is not None:
        lines.append(texts_pace.PACE_NEXT.format(when=when))
    elif changed.status is EnrollmentStatus.ACTIVE and journey.awaits_reflection(changed):
        lines.append(texts_pace.PACE_WAITING.format(day=changed.last_delivered_day))
    return say(" ".join(lines))


#: The commands this module answers.
COMMANDS: tuple[Command, ...] = (ForParticipant(("tempo", "pace"), pace),)
