"""`druppel demo --channel whatsapp`: the course through the real WhatsApp sender, printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app.demo import run_demo
from bot.app.settings import Settings
from bot.channels.whatsapp import texts as wa_texts
from bot.channels.whatsapp.sender import IMAGE_NAME


async def test_the_whatsapp_demo_shows_lists_the_window_and_the_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, redis_url="redis://ignored.invalid:1/0")
    files = tmp_path / "bestanden"
    # Two seconds a day: at 1.2 the scripted answers now and then came after the next day
    # (WhatsApp paces one person's messages), 2 of 6 runs, and landed on it.
    code = await run_demo(settings, speed=86_400 / 2, channel="whatsapp", files=files)
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    unwrapped = re.sub(r"\n +│ ", " ", out)  # a message's lines as one
    for day in range(1, 10):
        assert out.count(f"*Dag {day} van 9 · ") == 1, f"day {day}"
    assert "☰ Maak je keuze" in out  # the time choice and the check-ins come as lists
    assert "Met HELP zie je" in out
    assert unwrapped.count(wa_texts.WINDOW_NOTE) == 1  # the window is told about once
    # The invitation as the participant reads it: its text, the name filled in.
    assert (
        "Hoi Sanne, je les van vandaag staat klaar. Tik op Verder om hem te lezen. "
        "(WhatsApp-sjabloon druppel_verder, nl) [1] Verder" in unwrapped
    )
    assert "{{1}}" not in out
    # The end-of-course chart, uploaded to WhatsApp, is written where the line says.
    assert f"[afbeelding: {files / IMAGE_NAME}]" in unwrapped
    assert (files / IMAGE_NAME).read_bytes().startswith(b"\x89PNG")
    assert "(tikt op “Verder”)" in out
    assert "9 lessen ontvangen, 8 antwoorden bewaard" in out
