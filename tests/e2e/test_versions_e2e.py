"""A new course version end to end: `druppel run` as a real process, the fake Bot API over HTTP.

A participant is on day 1 when a trainer sends the course file with days 2 and 3 rewritten as a
document and taps "Publiceren". She reads the rest of her course as it was when she began;
someone who signs up after the publish reads the new days.
"""

from __future__ import annotations

import pytest

from bot.core import texts_courses as words
from courses.problems import check_text
from tests.e2e.processes import PARTNER, STARTUP
from tests.e2e.telegram_world import TRAINER, TrainerWorld
from tests.versions_kit import edited, new_lesson

pytestmark = pytest.mark.world(kind=TrainerWorld)


async def test_who_began_before_a_publish_keeps_the_old_days_and_who_began_after_gets_the_new(
    world: TrainerWorld,
) -> None:
    w = world
    clock = await w.up()
    before, after = 7001, 7002
    await w.sign_up(before, "partner", clock)
    await w.receive_day(before, PARTNER, 1)

    text = edited(PARTNER, 2, days=(2, 3))
    new = check_text(text).course
    assert new is not None
    w.tg.user_sends_document(TRAINER, text.encode(), "partner.yaml", first_name="Trainer")
    ask = await w.next(TRAINER, lambda m: m.text.startswith("Publiceren?"), within=STARTUP)
    assert ask.callback_data == ["b:pub:partner:2", "b:pub:no"]
    w.tap(TRAINER, "b:pub:partner:2")
    published = await w.next(TRAINER)
    assert published.text == words.COURSE_PUBLISHED.format(version=2, title=PARTNER.title)

    await w.sign_up(after, "partner", clock)
    assert (await w.enrollment(before)).course_version == 1
    assert (await w.enrollment(after)).course_version == 2

    for day in (2, 3):  # the rest of her course, as it was when she began
        got = await w.receive_day(before, PARTNER, day)
        assert new_lesson(day, 2) not in got[0].text
    await w.receive_day(after, new, 1)
    got = await w.receive_day(after, new, 2)
    assert new_lesson(2, 2) in got[0].text
