"""The demo runs the real engine end to end and finishes the course on its own."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from bot.app.demo import NEXT_DAY, NEXT_DAY_HINT, run_demo
from bot.app.settings import Settings
from bot.channels.console import stamp
from bot.core import texts

ROOT = Path(__file__).resolve().parent.parent


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


class Terminal:
    """`druppel demo --interactive` in a pseudo-terminal, read as a person reads it."""

    def __init__(self) -> None:
        self.master, follower = pty.openpty()
        settings = {"REDIS_URL", "DRUPPEL_DATA_DIR", "DRUPPEL_ENCRYPTION_KEY", "TELEGRAM_BOT_TOKEN"}
        env = {k: v for k, v in os.environ.items() if k not in settings}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.app.cli", "demo", "--interactive"],
            stdin=follower, stdout=follower, stderr=follower, env=env, cwd=ROOT,
        )  # fmt: skip
        os.close(follower)
        self.shown = ""
        self._read_to = 0

    def read(self, seconds: float) -> str:
        """What the terminal showed over the next `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.1))
            if ready:
                try:
                    self.shown += os.read(self.master, 65536).decode(errors="replace")
                except OSError:  # the demo ended
                    break
        return self.shown

    def wait_for(self, text: str, within: float = 20.0) -> str:
        """Read until `text` shows after what was waited for last; what came meanwhile."""
        deadline = time.monotonic() + within
        while text not in self.shown[self._read_to :]:
            assert time.monotonic() < deadline, f"{text!r} did not show:\n{self.shown[-3000:]}"
            self.read(0.1)
        start = self._read_to
        self._read_to = self.shown.index(text, self._read_to) + len(text)
        return self.shown[start : self._read_to]

    def types(self, line: str) -> None:
        os.write(self.master, f"{line}\n".encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.types("klaar")
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.close(self.master)


def test_the_interactive_demo_waits_for_the_reader_and_goes_on_when_asked() -> None:
    terminal = Terminal()
    try:
        terminal.wait_for("[1] Mijn partner twijfelt", within=60)
        terminal.types("2")  # Help! Ik twijfel
        terminal.wait_for("[1] 07:00")
        terminal.types("1")
        terminal.wait_for("[1] Ja, klopt")
        terminal.types("1")
        terminal.wait_for(NEXT_DAY_HINT)
        # The reader takes their time: the course does not run on without them.
        assert "DAG 1 VAN 9" not in terminal.read(4)

        terminal.types("")  # Enter
        day_one = terminal.wait_for(NEXT_DAY_HINT)
        assert "DAG 1 VAN 9" in day_one
        assert "DAG 2 VAN 9" not in day_one
        assert "DAG 2 VAN 9" not in terminal.read(3)
        terminal.types("Ik twijfel vooral als het goed gaat.")
        terminal.wait_for("bij dag 1 bewaard")

        terminal.types(NEXT_DAY)
        day_two = terminal.wait_for(NEXT_DAY_HINT)
        assert "DAG 2 VAN 9" in day_two
        assert texts.UNKNOWN_COMMAND not in terminal.shown
        assert "Traceback" not in terminal.shown
        assert "skipped" not in terminal.shown
    finally:
        terminal.close()
    assert terminal.process.returncode == 0
