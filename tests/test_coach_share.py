"""A participant may share one of their own answers with a coach: a button under it in
/antwoorden, a question first, and then that answer alone goes into their thread."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import texts_coach
from storage.models import Channel
from tests.coach_kit import AFTER_DAY_ONE, data
from tests.journey_kit import Kit

DAY_ONE = "Ik schrik van mezelf als hij over trouwen begint."
DAY_TWO = "Mijn vader ging weg toen ik zes was, dat speelt vast mee."


async def _two_days_answered(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.answer("1", DAY_ONE)
    await kit.run_until(AFTER_DAY_ONE + timedelta(days=1))
    await kit.answer("1", DAY_TWO)


@pytest.mark.kit(trainer_ids="42,43")
async def test_one_answer_is_shared_only_after_the_participant_says_yes(kit: Kit) -> None:
    await _two_days_answered(kit)
    [listing] = await kit.answer("1", "/antwoorden")
    assert DAY_ONE in listing.text
    assert DAY_TWO in listing.text
    assert data(listing) == ["sh:vraag:1:twijfel", "sh:vraag:2:twijfel"]

    [ask] = await kit.tap("1", "sh:vraag:2:twijfel")
    assert ask.text == texts_coach.SHARE_ASK.format(day=2)
    assert data(ask) == ["sh:ja:2:twijfel", "sh:nee:2:twijfel"]
    [no] = await kit.tap("1", "sh:nee:2:twijfel")
    assert no.text == texts_coach.SHARE_NOT
    assert kit.channel.to("42") == []  # nothing reaches a coach before a yes

    [done] = await kit.tap("1", "sh:ja:2:twijfel")
    assert done.text == texts_coach.SHARE_DONE.format(day=2)
    for coach in ("42", "43"):
        [copy] = kit.channel.to(coach)
        assert copy.text.startswith("Vraag #")
        assert DAY_TWO in copy.text
        assert DAY_ONE not in copy.text  # that answer was not shared
    [thread] = await kit.engine.store.threads.open_threads()
    assert len(thread.messages) == 1
    assert DAY_TWO in thread.messages[0].text


async def test_without_coaches_the_answers_have_no_share_button(kit: Kit) -> None:
    await _two_days_answered(kit)
    [listing] = await kit.answer("1", "/antwoorden")
    assert DAY_TWO in listing.text
    assert data(listing) == []
    [refused] = await kit.tap("1", "sh:ja:2:twijfel")
    assert refused.text == texts_coach.COACH_NONE
    assert await kit.engine.store.threads.all(await _pid(kit)) == []


async def _pid(kit: Kit) -> str:
    found = await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1")
    assert found is not None
    return found.id
