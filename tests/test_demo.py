"""The demo runs the real engine end to end and finishes the course on its own."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from bot.app.demo import NEXT_DAY, NEXT_DAY_HINT, PROMPT, run_demo
from bot.app.settings import Settings
from bot.channels.console import BOLD, CHART_NAME, PLAIN, stamp
from bot.core import texts

ROOT = Path(__file__).resolve().parent.parent


async def test_scripted_demo_completes_the_course(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, redis_url="redis://ignored.invalid:1/0")
    files = tmp_path / "bestanden"
    code = await run_demo(settings, speed=86_400 / 1.2, files=files)
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    for day in range(1, 10):
        # Not a terminal: the heading as written, not in capitals.
        assert out.count(f"Dag {day} van 9 · ") == 1, f"day {day}"
    assert "DAG 1" not in out
    assert "Je cursus staat op pauze" in out
    assert "Welkom terug! Je volgende les (dag 4)" in out
    assert "9 lessen ontvangen, 9 antwoorden bewaard" in out
    assert "De cursus is afgerond." in out  # one language: no "Status: completed"
    # The chart a terminal cannot show is written where the line says.
    unwrapped = re.sub(r"\n +│ ", " ", out)  # a message's lines as one
    assert f"[afbeelding: {files / CHART_NAME}]" in unwrapped
    assert (files / CHART_NAME).read_bytes().startswith(b"\x89PNG")


def test_the_console_dates_a_message_in_dutch_abbreviations() -> None:
    """Days and months as Dutch writes them short (CLDR), not cut from the full word."""
    assert stamp(datetime(2026, 3, 2, 7, 0)) == "ma 2 mrt 07:00"
    assert stamp(datetime(2026, 12, 6, 19, 30)) == "zo 6 dec 19:30"


_CONTROL = re.compile(r"\x1b\[(\d*)([A-Za-z])|(\r)|(\n)|([^\x1b\r\n]+)")


def screen(raw: str) -> list[str]:
    """The lines a terminal shows after printing `raw`: a line taken away is gone (moving the
    cursor up and clearing the line), a bold heading reads as its words."""
    lines, row, col = [""], 0, 0
    for number, code, cr, lf, text in _CONTROL.findall(raw):
        if code == "A":
            row = max(0, row - int(number or 1))
        elif code == "K":
            lines[row] = ""
        elif cr:
            col = 0
        elif lf:
            row += 1
            lines.extend([""] * (row + 1 - len(lines)))
        elif text:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + text + line[col + len(text) :]
            col += len(text)
    return lines


class Terminal:
    """`druppel demo --interactive` in a pseudo-terminal, read as a person reads it."""

    def __init__(self, *options: str) -> None:
        self.master, follower = pty.openpty()
        settings = {"REDIS_URL", "DRUPPEL_DATA_DIR", "DRUPPEL_ENCRYPTION_KEY", "TELEGRAM_BOT_TOKEN"}
        env = {k: v for k, v in os.environ.items() if k not in settings}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.app.cli", "demo", "--interactive", *options],
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

    def screen(self) -> list[str]:
        return screen(self.shown)

    def signs_up(self) -> None:
        """/start (the demo types it), then 'Help! Ik twijfel', 07:00 and the zone it offers."""
        self.wait_for("[1] Mijn partner twijfelt", within=60)
        self.types("2")
        self.wait_for("[1] 07:00")
        self.types("1")
        self.wait_for("[1] Ja, klopt")
        self.types("1")
        self.wait_for(NEXT_DAY_HINT)

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
        terminal.signs_up()
        # The reader takes their time: the course does not run on without them.
        assert "Dag 1 van 9" not in terminal.read(4)

        terminal.types("")  # Enter
        day_one = terminal.wait_for(NEXT_DAY_HINT)
        assert "Dag 1 van 9" in day_one
        assert "Dag 2 van 9" not in day_one
        assert "Dag 2 van 9" not in terminal.read(3)
        terminal.types("Ik twijfel vooral als het goed gaat.")
        terminal.wait_for("bij dag 1 bewaard")

        terminal.types(NEXT_DAY)
        day_two = terminal.wait_for(NEXT_DAY_HINT)
        assert "Dag 2 van 9" in day_two
        assert texts.UNKNOWN_COMMAND not in terminal.shown
        assert "Traceback" not in terminal.shown
        assert "skipped" not in terminal.shown
    finally:
        terminal.close()
    assert terminal.process.returncode == 0


def test_the_interactive_demo_prompts_and_shows_what_you_type_once() -> None:
    """In a terminal the reader types after a prompt; what they typed then shows once, as
    their line in the chat, not once as typed and again as the chat's line."""
    terminal = Terminal()
    try:
        terminal.signs_up()
        terminal.types("")
        terminal.wait_for(NEXT_DAY_HINT)
        terminal.wait_for(PROMPT)  # druppel has said its part: the reader's turn
        terminal.types("Ik twijfel vooral als het goed gaat.")
        terminal.wait_for("bij dag 1 bewaard")
        terminal.read(1)
        shown = terminal.screen()
        said = [line for line in shown if "Ik twijfel vooral als het goed gaat." in line]
        assert len(said) == 1, said
        assert re.fullmatch(r"\d\d:\d\d Sanne +│ Ik twijfel vooral als het goed gaat\.", said[0])
        tapped = [line for line in shown if "(tikt op “Help! Ik twijfel”)" in line]
        assert len(tapped) == 1
        assert not any(line.strip() == "2" for line in shown), "the typed 2 stays on screen"
        assert shown[-1] == PROMPT  # waiting for the next line, after druppel's answer
    finally:
        terminal.close()


def test_the_interactive_demo_prints_headings_in_bold_as_written() -> None:
    terminal = Terminal()
    try:
        terminal.signs_up()
        terminal.types("")
        terminal.wait_for(NEXT_DAY_HINT)
        assert f"{BOLD}Dag 1 van 9 · Twijfel of bindingsangst?{PLAIN}" in terminal.shown
        assert "DAG 1 VAN 9" not in terminal.shown
    finally:
        terminal.close()


def test_a_number_taps_only_a_button_of_what_just_came() -> None:
    """Day 1 has no check-in: a "1" then is typed text, not a tap on the sign-up's
    "Ja, klopt" far above."""
    terminal = Terminal()
    try:
        terminal.signs_up()
        terminal.types("")
        terminal.wait_for(NEXT_DAY_HINT)
        terminal.wait_for(PROMPT)
        terminal.types("1")
        terminal.wait_for("Wil je dit bewaren als je antwoord op dag 1?")
        shown = terminal.screen()
        assert sum("(tikt op “Ja, klopt”)" in line for line in shown) == 1  # the sign-up's own
        assert any(re.fullmatch(r"\d\d:\d\d Sanne +│ 1", line) for line in shown)
    finally:
        terminal.close()


def test_the_export_file_is_written_where_the_line_says() -> None:
    terminal = Terminal()
    folder: Path | None = None
    try:
        terminal.signs_up()
        terminal.wait_for(PROMPT)
        terminal.types("/mijngegevens")
        terminal.wait_for(texts.EXPORT_CAPTION.split(",")[0])
        terminal.read(0.5)
        unwrapped = re.sub(r"\r?\n +│ ", " ", terminal.shown)
        found = re.search(r"\[bestand: (\S+\.json)\]", unwrapped)
        assert found, terminal.shown[-2000:]
        path = Path(found.group(1))
        folder = path.parent
        exported = json.loads(path.read_text())
        assert exported["enrollments"][0]["course_id"] == "twijfel"
        assert exported["profile"]["first_name"] == "Sanne"
    finally:
        terminal.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def test_the_interactive_whatsapp_demo_shows_the_invitation_and_the_tap_brings_the_lesson() -> None:
    """On WhatsApp the commands are words; a day later the 24-hour window has closed, so the
    invitation comes first, as its text; tapping it brings the day's lesson."""
    terminal = Terminal("--channel", "whatsapp")
    try:
        intro = terminal.wait_for("[1] Mijn partner twijfelt", within=60)
        assert "commando (HELP)" in intro
        terminal.types("2")
        terminal.wait_for("[1] 07:00")
        terminal.types("1")
        terminal.wait_for("[1] Ja, klopt")
        terminal.types("1")
        terminal.wait_for(NEXT_DAY_HINT)
        terminal.types("")
        assert "*Dag 1 van 9 · " in terminal.wait_for(NEXT_DAY_HINT)
        terminal.wait_for(PROMPT)
        terminal.types("Ik twijfel vooral als het goed gaat.")
        terminal.wait_for("bij dag 1 bewaard")
        terminal.wait_for(PROMPT)
        terminal.types("")
        invitation = terminal.wait_for("[1] Verder")
        assert "Hoi Sanne, je les van vandaag staat klaar." in invitation
        assert "Dag 2 van 9" not in invitation
        # The reader's turn once the invitation shows: what it holds waits for their tap, so
        # the demo does not wait out the day's 15 s for it (20 s before, at the test's limit).
        terminal.wait_for(PROMPT, within=10)
        terminal.types("1")
        terminal.wait_for("(tikt op “Verder”)")
        assert "*Dag 2 van 9 · " in terminal.wait_for("[5] 5", within=30)
    finally:
        terminal.close()
