"""A question to a coach from WhatsApp, answered from Telegram, end to end: `druppel web` takes
Meta's signed webhook calls, `druppel run` polls the fake Bot API for the coach and sends both
ways, the fake Graph API keeps Meta's 24-hour window on the sped-up clock (a day is ten real
seconds).

Sanne asks after COACH; Anna gets it in her Telegram chat and answers by replying; the answer
reaches Sanne on WhatsApp once. While day 1's question waits, what Sanne writes is her answer to
it; after that, what she writes goes to the coach. When her window has closed, Anna's next answer
waits in the queue behind the template that invites her back, and comes when she answers it.
Anna closes the thread and Sanne is told. A plan told to the coach from WhatsApp gets the help
reply first, and reaches Anna marked urgent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Self

import pytest

from bot.channels.whatsapp.words import as_words
from bot.core import texts, texts_care, texts_coach
from storage.store import Store
from tests.e2e.processes import PARTNER, REPLY, STARTUP, eventually
from tests.e2e.whatsapp_world import TEMPLATE, WhatsAppWorld, fake_graph_api
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.fakes.whatsapp_api import FakeWhatsApp, Sent

TOKEN = "5550002:e2e-coach-token"
ANNA = 5_000_301
SANNE = "31687654321"
QUESTION = "Mijn vriend wil samenwonen en ik krijg er buikpijn van. Is dat normaal?"
ANSWER = "Heel normaal, Sanne. Wat zou je willen dat er gebeurt?"
REFLECTION = "Ik merk dat ik vooral bang ben om mezelf kwijt te raken."
FOLLOW_UP = "Dat we het eerst een jaar proberen, met elk een eigen plek."
LATER = "Dat klinkt als een goed plan. Bespreek het rustig met hem."
PLAN = "ik heb pillen gespaard en vanavond neem ik ze allemaal in"


class CoachOnWhatsApp(WhatsAppWorld):
    """Participants on WhatsApp, their coach (Anna) on Telegram, one `druppel run` for both."""

    SCRUB = (*WhatsAppWorld.SCRUB, "PTB_")

    def __init__(
        self, wa: FakeWhatsApp, tg: FakeTelegram, store: Store, redis_url: str, tmp: Path
    ) -> None:
        super().__init__(wa, store, redis_url, tmp)
        self.tg = tg

    @classmethod
    @asynccontextmanager
    async def opened(cls, store: Store, redis_url: str, tmp: Path) -> AsyncIterator[Self]:
        async with (
            fake_graph_api() as wa,
            FakeTelegram(token=TOKEN) as tg,
            cls(wa, tg, store, redis_url, tmp).running() as w,
        ):
            yield w

    def world_env(self) -> dict[str, str]:
        env = super().world_env()
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=self.tg.root, PTB_TIMEDELTA="true",
            TELEGRAM_CHAT_BURST="20", TRAINER_IDS=str(ANNA),
        )  # fmt: skip
        return env

    async def to_anna(
        self, match: Callable[[SentMessage], bool], within: float = REPLY
    ) -> SentMessage:
        try:
            return await self.tg.wait_for_message(ANNA, match, timeout=within)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

    async def sanne_asks_for_a_coach(self) -> Sent:
        """Up, with Anna's chat open; Sanne signs up, gets day 1, types COACH: its intro."""
        clock = await self.up(sender="run")
        self.tg.user_sends(ANNA, "/inbox", first_name="Anna")  # Anna has opened her chat
        assert (await self.to_anna(lambda m: True, within=STARTUP)).text == texts_coach.INBOX_EMPTY
        await self.sign_up_by_buttons(SANNE, clock)
        await self.receive_day(SANNE, PARTNER, 1)
        await self.writes(SANNE, text="COACH", name="Sanne")
        return await self.next(SANNE)

    def answers_to_sanne(self) -> list[str]:
        return [
            m.text
            for m in self.wa.messages_to(SANNE)
            if m.text.startswith(texts_coach.COACH_ANSWER_MARK)
        ]


pytestmark = pytest.mark.world(kind=CoachOnWhatsApp)


async def test_a_question_from_whatsapp_is_answered_from_telegram_across_the_window(
    world: CoachOnWhatsApp,
) -> None:
    w, tg = world, world.tg
    intro = await w.sanne_asks_for_a_coach()
    assert "coaches van je cursus" in intro.text
    assert intro.ids == ["co:stop"]
    await w.writes(SANNE, text=QUESTION, name="Sanne")
    sent = await w.next(SANNE)
    assert sent.text.startswith("Je vraag is naar je coach gestuurd.")
    copy = await w.to_anna(lambda m: m.text.startswith("Vraag #"))
    assert QUESTION in copy.text
    assert "van Sanne, " in copy.text
    tid = copy.text.split("#")[1][:5]

    # Anna answers by replying to the question: on WhatsApp, once, marked as a coach's.
    tg.user_sends(ANNA, ANSWER, first_name="Anna", reply_to=copy.message_id)
    await w.to_anna(lambda m: m.text == texts_coach.ANSWER_SENT.format(name="Sanne", tid=tid))
    answer = await w.next(SANNE, lambda m: m.text.startswith(texts_coach.COACH_ANSWER_MARK))
    assert ANSWER in answer.text
    assert "COACH" in answer.text  # how to reach the coach while a lesson asks something

    # Day 1's question still waits: what she writes now is her answer to it...
    await w.writes(SANNE, text=REFLECTION, name="Sanne")
    saved = await w.next(SANNE)
    assert saved.text.startswith(as_words(texts.REFLECTION_SAVED.format(day=1)))
    # ...and with nothing asked, what she writes goes to the coach who answered.
    await w.writes(SANNE, text=FOLLOW_UP, name="Sanne")
    assert (await w.next(SANNE)).text == texts_coach.COACH_ADDED
    follow_up = await w.to_anna(lambda m: m.text.startswith(f"Vervolg op #{tid}"))
    assert FOLLOW_UP in follow_up.text
    pid = (await w.participant(SANNE)).id
    assert [r.text for r in await w.store.reflections.all(pid)] == [REFLECTION]

    # Her window closes: Anna's next answer waits behind the invitation.
    async def window_closed() -> bool | None:
        await asyncio.sleep(0.1)
        return None if w.wa.window_open(SANNE) else True

    await eventually(window_closed, 15, "Sanne's window closed")
    tg.user_sends(ANNA, LATER, first_name="Anna", reply_to=follow_up.message_id)
    await w.next(SANNE, lambda m: m.type == "template" and m.template == TEMPLATE, within=REPLY)

    async def held() -> bool | None:
        return True if [i for i in await w.store.queue.items(pid) if i.kind == "coach"] else None

    await eventually(held, REPLY, "the answer waiting in Sanne's queue")
    await asyncio.sleep(1.5)
    assert len(w.answers_to_sanne()) == 1  # nothing free-form outside the window
    await w.writes(SANNE, quick_reply="Verder", name="Sanne")
    later = await w.next(SANNE, lambda m: LATER in m.text, within=REPLY)
    assert later.text.startswith(texts_coach.COACH_ANSWER_MARK)

    # Anna closes it; Sanne is told, on WhatsApp.
    tg.user_taps(ANNA, f"q:close:{tid}")
    await w.to_anna(lambda m: m.text.startswith(f"#{tid} is gesloten"))
    closed = await w.next(SANNE, lambda m: m.text == as_words(texts_coach.COACH_CLOSED_BY_COACH))
    assert closed.type == "text"
    await asyncio.sleep(1.5)
    assert len(w.answers_to_sanne()) == 2  # each answer exactly once
    [thread] = await w.store.threads.all(pid)
    assert [m.text for m in thread.messages] == [QUESTION, ANSWER, FOLLOW_UP, LATER]
    assert thread.closed_by == str(ANNA)


async def test_danger_in_a_question_from_whatsapp_gets_help_first_and_reaches_the_coach_urgent(
    world: CoachOnWhatsApp,
) -> None:
    w = world
    await w.sanne_asks_for_a_coach()
    await w.writes(SANNE, text=PLAN, name="Sanne")
    help_now = await w.next(SANNE)
    assert help_now.text.split("\n")[0] == as_words(texts_care.ACT_113)
    copy = await w.to_anna(lambda m: m.text.startswith("⚠️ DRINGEND (plan voor zelfdoding)"))
    assert PLAN in copy.text
    [thread] = await w.store.threads.all((await w.participant(SANNE)).id)
    assert (thread.urgent, thread.category) == (True, "suicide_plan")
