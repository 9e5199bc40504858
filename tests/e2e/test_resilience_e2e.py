"""druppel never stays up deaf: when Telegram refuses the token mid-run (even for a few seconds,
after which python-telegram-bot gives up polling for good), `druppel run` ends with one clear
line and a non-zero exit, so a process manager restarts it."""

from __future__ import annotations

import asyncio

from bot.core import texts
from tests.e2e.processes import COURSES, PRECISE, STARTUP
from tests.e2e.telegram_world import TOKEN, TelegramWorld


async def test_a_token_refused_for_six_seconds_ends_the_process_instead_of_leaving_it_deaf(
    world: TelegramWorld,
) -> None:
    w, tg = world, world.tg
    await w.set_clock()
    bot = await w.start()
    tg.user_sends(8001, "/help")
    await w.next(8001, within=STARTUP)  # up and answering
    tg.token = "5550001:someone-else"  # the Bot API answers 401 to our token...
    tg.user_sends(8009, "hoi")  # (ends the long poll in flight, so the next one meets the 401)
    await asyncio.sleep(6)
    tg.token = TOKEN  # ...and is fine again
    code = await asyncio.wait_for(bot.process.wait(), 20)
    assert code not in (0, None)
    output = bot.output()
    assert "Traceback" not in output
    assert TOKEN.split(":")[1] not in output
    [line] = [x for x in output.splitlines() if "ERROR" in x]
    assert "Telegram refused TELEGRAM_BOT_TOKEN while polling" in line
    assert "exiting so that it is restarted" in line


async def test_sigterm_always_exits_0_without_a_traceback(world: TelegramWorld) -> None:
    await world.set_clock()
    bot = await world.start()
    world.tg.user_sends(8002, "/help")
    await world.next(8002, within=STARTUP)
    assert await bot.stop() == 0
    assert "Traceback" not in bot.output()


async def test_a_debug_log_of_a_whole_journey_names_no_chat_and_quotes_no_one(
    world: TelegramWorld,
) -> None:
    w, tg = world, world.tg
    w.speed = PRECISE
    w.log_level = "DEBUG"
    await w.set_clock()
    bot = await w.start()
    worker = await w.start("worker")
    clock = await w.clock()
    chat = 987_654_321
    await w.sign_up(chat, "twijfel", clock, deep_link=True, name="Marijke")
    await w.receive_day(chat, COURSES["twijfel"], 1)
    secret = "Mijn geheime gedachte over Joost."
    tg.user_sends(chat, secret)
    await w.next(chat, lambda m: m.text.startswith(texts.REFLECTION_SAVED.format(day=1)))
    tg.user_sends(chat, "ik ben bang voor mijn vriend")
    await w.next(chat, lambda m: m.text.startswith("Dank je dat je dit"))
    tg.user_sends(chat, "/pauze")
    await w.next(chat, lambda m: m.text == texts.PAUSED)
    await asyncio.sleep(1)
    output = bot.output() + worker.output()
    assert "DEBUG" in output  # the log really was at DEBUG
    for never in (str(chat), "Marijke", "geheime", "bang voor mijn vriend", TOKEN):
        assert never not in output, never


async def test_a_bot_api_outage_is_a_few_log_lines_and_every_lesson_arrives_after_it(
    world: TelegramWorld,
) -> None:
    w, tg = world, world.tg
    w.speed = PRECISE
    await w.set_clock()
    await w.start()
    worker = await w.start("worker")
    clock = await w.clock()
    chats = list(range(8101, 8111))
    for chat in chats:
        await w.sign_up(chat, "twijfel", clock, deep_link=True)
    lines_before = len(worker.output().splitlines())
    tg.fail_next("502", count=100_000)  # every send fails, for a while
    await asyncio.sleep(8)
    tg.stop_failing()
    outage_lines = len(worker.output().splitlines()) - lines_before
    for chat in chats:
        await w.receive_day(chat, COURSES["twijfel"], 1)
    assert "Traceback" not in worker.output()
    # One line per kind of trouble per ten seconds, not one per participant per retry.
    assert outage_lines <= 6, worker.output()


async def test_one_persons_flood_of_200_messages_does_not_hold_up_anyone_elses_answer(
    world: TelegramWorld,
) -> None:
    w, tg = world, world.tg
    w.speed = PRECISE
    clock = await w.up()
    flooding, other = 8401, 8402
    await w.sign_up(flooding, "twijfel", clock, deep_link=True)
    tg.user_sends(other, "/start")
    await w.next(other, within=STARTUP)
    for i in range(200):
        tg.user_sends(flooding, f"regel {i}")
    asked = asyncio.get_running_loop().time()
    tg.user_sends(other, "/help")
    await w.next(other, lambda m: m.text.startswith(texts.HELP.split("\n")[0]))
    took = asyncio.get_running_loop().time() - asked
    assert took < 1.0, f"someone else's /help waited {took:.2f}s behind a flood"
    slow_down = await w.next(flooding, lambda m: m.text == texts.SLOW_DOWN, within=STARTUP)
    assert slow_down.text == texts.SLOW_DOWN  # told once, kindly
