"""The demo runs the real engine end to end and finishes the course on its own."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.app.demo import run_demo
from bot.app.settings import Settings
from bot.channels.console import stamp


async def test_scripted_demo_completes_the_course(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, redis_url="redis://ignored.invalid:1/0")
    assert await run_demo(settings, speed=86_400 / 1.2) == 0
    out = capsys.readouterr().out
    for day in range(1, 10):
        assert out.count(f"DAG {day} VAN 9 · ") == 1, f"day {day}"
    assert "Je cursus staat op pauze" in out
    assert "Welkom terug! Je volgende les (dag 4)" in out
    assert "9 lessen ontvangen, 9 antwoorden bewaard" in out


def test_the_console_dates_a_message_in_dutch_abbreviations() -> None:
    """Days and months as Dutch writes them short (CLDR), not cut from the full word."""
    assert stamp(datetime(2026, 3, 2, 7, 0)) == "ma 2 mrt 07:00"
    assert stamp(datetime(2026, 12, 6, 19, 30)) == "zo 6 dec 19:30"
