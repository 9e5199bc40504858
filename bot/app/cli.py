"""The `druppel` command: every way a person starts or inspects druppel."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.app.sealing import encryption, rotate_key
from bot.app.settings import Settings, stored
from bot.core.errors import SetupError
from bot.delivery.catalogue import Catalogue
from courses.loader import CourseFileError, load_course_dir
from courses.models import Course
from storage.crypto import KeyRequired, KeysDoNotFit, UndecryptableText, new_key
from storage.errors import RedisUnavailable
from storage.models import EnrollmentStatus
from storage.store import Store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="druppel", description="Drip-coaching courses in Telegram and WhatsApp."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    courses = commands.add_parser("courses", help="check, read and publish courses")
    course_commands = courses.add_subparsers(dest="courses_command", required=True)
    validate = course_commands.add_parser("validate", help="validate course files")
    validate.add_argument("files", nargs="*", type=Path, help="course files (default: all)")
    show = course_commands.add_parser("preview", help="print a course as a participant reads it")
    show.add_argument("course", help="course id, e.g. twijfel")
    show.add_argument("--day", type=int, help="only this day")
    publish = course_commands.add_parser(
        "publish", help="validate a course file and store it as its course's newest version"
    )
    publish.add_argument("file", type=Path, help="the course file, with its new version")
    publish.add_argument("--by", help="who publishes it (default: your login name)")
    listed = course_commands.add_parser("versions", help="list a course's versions")
    listed.add_argument("course", help="course id, e.g. twijfel")
    move = course_commands.add_parser(
        "migrate", help="move running enrollments to a newer version from their next day on"
    )
    move.add_argument("course", help="course id, e.g. twijfel")
    move.add_argument("--to", type=int, required=True, metavar="VERSION")

    commands.add_parser("check", help="check settings, courses and Redis, then exit")
    commands.add_parser("run", help="the Telegram bot and the scheduler, in one process")
    commands.add_parser("worker", help="only the scheduler: sends what is due (run beside `run`)")
    commands.add_parser("web", help="health checks and Prometheus metrics over HTTP on PORT")
    demo = commands.add_parser("demo", help="a sped-up course in the terminal, no account needed")
    demo.add_argument("--interactive", action="store_true", help="be the participant yourself")
    demo.add_argument(
        "--channel", choices=("console", "whatsapp"), default="console",
        help="show the chat as the terminal (default) or as WhatsApp shows it",
    )  # fmt: skip

    safety = commands.add_parser("safety", help="try the safety net on messages")
    safety_commands = safety.add_subparsers(dest="safety_command", required=True)
    scan = safety_commands.add_parser(
        "scan", help="one message a line in; TIER, CATEGORY and WHY (tab-separated) a line out"
    )
    scan.add_argument(
        "file", nargs="?", type=Path, help="messages, one a line (default: standard input)"
    )
    scan.add_argument(
        "--vocabulary", type=Path, metavar="DIR",
        help="read the vocabulary files (*.yaml) in DIR instead of the shipped ones",
    )  # fmt: skip

    privacy = commands.add_parser("privacy", help="encryption keys, erasure and retention")
    privacy_commands = privacy.add_subparsers(dest="privacy_command", required=True)
    privacy_commands.add_parser(
        "new-key", help="print a fresh encryption key, for DRUPPEL_ENCRYPTION_KEY"
    )
    privacy_commands.add_parser(
        "rotate-key",
        help="seal everything personal anew with the newest DRUPPEL_ENCRYPTION_KEY",
    )
    delete = privacy_commands.add_parser(
        "delete", help="erase everything about one participant (who asked by other means)"
    )
    delete.add_argument("participant", metavar="ID", help="the participant's id, as /user shows")
    retention = privacy_commands.add_parser(
        "retention",
        help="erase participants quiet for DRUPPEL_RETENTION_DAYS (told 14 days before), once",
    )
    retention.add_argument("--days", type=int, help="this many days instead of the setting")
    return parser


def _courses(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import courses_cli

    command = args.courses_command
    if command == "validate":
        return courses_cli.validate(settings, args.files)
    if command == "preview":
        return asyncio.run(courses_cli.preview(settings, args.course, args.day))
    if command == "publish":
        return asyncio.run(courses_cli.publish(settings, args.file, args.by))
    if command == "versions":
        return asyncio.run(courses_cli.list_versions(settings, args.course))
    return asyncio.run(courses_cli.migrate(settings, args.course, args.to))


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


async def _check(settings: Settings) -> int:
    courses = load_course_dir(settings.courses_dir)
    print(f"courses: {', '.join(sorted(courses))}")
    from bot.app.whatsapp import configured, describe, problems

    if wrong := problems(settings):
        raise SetupError(f"WhatsApp settings: {'; '.join(wrong)}")
    print(describe(settings))
    telegram = settings.telegram_bot_token is not None and bool(
        settings.telegram_bot_token.get_secret_value().strip()
    )
    if telegram:
        print(
            f"telegram: token set; at most {settings.telegram_max_per_second:g} messages a "
            f"second, lessons and broadcasts {settings.bulk_per_second:g} a second"
        )
    if settings.telegram_paid_broadcast:
        print(_paid_broadcasting(settings))
    async with stored(settings) as store:
        info = await store.redis.info("server")
        where = settings.redis_url or f"embedded, in {settings.data_dir}"
        print(f"redis {info['redis_version']} ({where}): ok")
        print(f"participants: {await store.participants.count()}")
        for warning in await _uncovered(store, courses):
            print(f"druppel: warning: {warning}", file=sys.stderr)
    print(encryption(settings))
    if not settings.retention_days:
        print(
            "druppel: warning: DRUPPEL_RETENTION_DAYS=0, so nothing of a participant is ever "
            "erased unless they ask (the default erases after 365 quiet days)",
            file=sys.stderr,
        )
    if not telegram and not configured(settings):
        print(
            "druppel: no channel is configured: set TELEGRAM_BOT_TOKEN (the token @BotFather "
            "gives you in Telegram) or the WHATSAPP_* settings (see README, WhatsApp)",
            file=sys.stderr,
        )
        return 2
    return 0


def _paid_broadcasting(settings: Settings) -> str:
    from bot.channels.telegram.rates import PAID_FEE_STARS
    from scheduler.ratelimit import Rate

    pace = Rate.steady(settings.telegram_paid_per_second).per_second
    return (
        f"telegram: paid broadcasting is on: lessons and broadcasts go up to {pace:g} a second, "
        f"at up to {PAID_FEE_STARS:g} Telegram Stars a message, withdrawn from the bot's "
        "balance; replies stay free"
    )


async def _uncovered(store: Store, courses: Mapping[str, Course]) -> list[str]:
    """Enrollments the course files on disk no longer cover: a course that is gone, or one cut
    below the day a participant is on (each compared with the version they follow: the file
    on disk, or one published since)."""
    catalogue = Catalogue(courses, store.versions)
    live = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
    warnings: list[str] = []
    for course_id in sorted(await store.enrollments.segments.course_ids()):
        pids = [p async for p in store.enrollments.segments.members([course_id], live)]
        if not pids:
            continue
        course = courses.get(course_id)
        if course is None:
            warnings.append(
                f"{len(pids)} participants follow course {course_id!r}, which no course file "
                "provides; they are paused with a message until it is back"
            )
            continue
        beyond: Counter[int] = Counter()  # version -> how many are past its last day
        lengths: dict[int, int] = {}
        for pid in pids:
            enrollment = await store.enrollments.get(pid, course_id)
            own = None if enrollment is None else await catalogue.of(enrollment)
            if enrollment is not None and own is not None:
                lengths[enrollment.course_version] = own.length
                beyond[enrollment.course_version] += enrollment.last_delivered_day > own.length
        if beyond.total():
            which = ", ".join(f"version {v}: {lengths[v]} days" for v in sorted(+beyond))
            warnings.append(
                f"{beyond.total()} participants of {course_id!r} are past the last day of their "
                f"version ({which}); their course ends with its end message"
            )
    return warnings


async def _rotate_key(settings: Settings) -> int:
    # Unchecked: rotating is how keys that do not fit yet are made to (it names what no key opens).
    async with stored(settings, check=False) as store:
        code, line = await rotate_key(store)
    print(line)
    return code


def _privacy(settings: Settings, args: argparse.Namespace) -> int:
    if args.privacy_command == "rotate-key":
        return asyncio.run(_rotate_key(settings))
    from bot.app import erase_cli

    if args.privacy_command == "delete":
        return asyncio.run(erase_cli.delete(settings, args.participant))
    return asyncio.run(erase_cli.retention(settings, args.days))


def _safety_scan(file: Path | None, vocabulary: Path | None) -> int:
    from bot.safety import Detector, load
    from bot.safety.scan import scan

    files = None if vocabulary is None else sorted(vocabulary.glob("*.yaml"))
    if files is not None and not files:
        raise SetupError(f"no vocabulary files (*.yaml) in {vocabulary}")
    detector = Detector(load(files))
    if file is None:
        lines: Iterable[str] = sys.stdin
        for out in scan(lines, detector):
            print(out, flush=True)
        return 0
    try:
        with file.open(encoding="utf-8") as messages:
            for out in scan(messages, detector):
                print(out)
    except OSError as error:
        raise SetupError(f"cannot read {file}: {error.strerror}") from error
    return 0


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "safety":
        return _safety_scan(args.file, args.vocabulary)
    if args.command == "privacy" and args.privacy_command == "new-key":
        print(new_key())  # needs no settings: it is how the first one is made
        return 0
    settings = Settings()
    if args.command == "courses":
        return _courses(settings, args)
    if args.command == "check":
        return asyncio.run(_check(settings))
    if args.command == "privacy":
        return _privacy(settings, args)
    if args.command == "run":
        from bot.app.run import run_bot

        return asyncio.run(run_bot(settings))
    if args.command == "worker":
        from bot.app.run import run_worker

        return asyncio.run(run_worker(settings))
    if args.command == "web":
        from bot.app.web.app import serve_web

        return asyncio.run(serve_web(settings))
    if args.command == "demo":
        from bot.app.demo import run_demo

        return asyncio.run(run_demo(settings, interactive=args.interactive, channel=args.channel))
    raise SetupError(f"unknown command {args.command}")


def _one_line_errors() -> tuple[type[Exception], ...]:
    """The errors a person can act on. A vocabulary error can only have come from a safety net
    that was loaded, so the net is never loaded to name it: loading it takes most of a second,
    and only `run`, `worker`, `web`, `demo` and `safety scan` need it (a refused `check` or
    `--help` does not)."""
    vocabulary = sys.modules.get("bot.safety.vocabulary")
    loaded: tuple[type[Exception], ...] = (
        (vocabulary.VocabularyError,) if vocabulary is not None else ()
    )
    return (
        CourseFileError,
        KeyRequired,
        KeysDoNotFit,
        RedisUnavailable,
        SetupError,
        UndecryptableText,
        *loaded,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: errors a person can act on become one line on stderr, not a traceback."""
    try:
        return run(argv)
    except _one_line_errors() as exc:
        print(f"druppel: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in error["loc"]).upper()
        print(f"druppel: setting {field}: {error['msg']}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
