"""The `druppel` command: every way a person starts or inspects druppel."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.errors import SetupError
from bot.settings import Settings
from courses.loader import CourseFileError, course_files, load_course, load_course_dir
from courses.render import preview
from storage.errors import RedisUnavailable
from storage.store import open_store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="druppel", description="Drip-coaching courses in Telegram and WhatsApp."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    courses = commands.add_parser("courses", help="check and read course files")
    course_commands = courses.add_subparsers(dest="courses_command", required=True)
    validate = course_commands.add_parser("validate", help="validate course files")
    validate.add_argument("files", nargs="*", type=Path, help="course files (default: all)")
    show = course_commands.add_parser("preview", help="print a course as a participant reads it")
    show.add_argument("course", help="course id, e.g. twijfel")
    show.add_argument("--day", type=int, help="only this day")

    commands.add_parser("check", help="check settings, courses and Redis, then exit")
    commands.add_parser("run", help="the Telegram bot and the scheduler, in one process")
    commands.add_parser("worker", help="only the scheduler: sends what is due (run beside `run`)")
    commands.add_parser("web", help="health checks and Prometheus metrics over HTTP on PORT")
    demo = commands.add_parser("demo", help="a sped-up course in the terminal, no account needed")
    demo.add_argument("--interactive", action="store_true", help="be the participant yourself")
    return parser


def _validate(settings: Settings, files: list[Path]) -> int:
    paths = files or course_files(settings.courses_dir)
    for path in paths:
        course = load_course(path)
        print(f"ok  {path}: {course.id}, {course.length} days")
    return 0


def _preview(settings: Settings, course_id: str, day: int | None) -> int:
    courses = load_course_dir(settings.courses_dir)
    course = courses.get(course_id)
    if course is None:
        known = ", ".join(sorted(courses))
        raise SetupError(f"there is no course {course_id!r} (known: {known})")
    if day is not None and not 1 <= day <= course.length:
        raise SetupError(f"{course_id} has days 1 to {course.length}; there is no day {day}")
    sys.stdout.write(preview(course, day))
    return 0


async def _check(settings: Settings) -> int:
    courses = load_course_dir(settings.courses_dir)
    print(f"courses: {', '.join(sorted(courses))}")
    async with open_store(
        settings.redis_url, settings.data_dir, settings.key_prefix, settings.redis_cluster
    ) as store:
        info = await store.redis.info("server")
        where = settings.redis_url or f"embedded, in {settings.data_dir}"
        print(f"redis {info['redis_version']} ({where}): ok")
        print(f"participants: {await store.participants.count()}")
    return 0


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    if args.command == "courses" and args.courses_command == "validate":
        return _validate(settings, args.files)
    if args.command == "courses" and args.courses_command == "preview":
        return _preview(settings, args.course, args.day)
    if args.command == "check":
        return asyncio.run(_check(settings))
    if args.command == "run":
        from bot.run import run_bot

        return asyncio.run(run_bot(settings))
    if args.command == "worker":
        from bot.run import run_worker

        return asyncio.run(run_worker(settings))
    if args.command == "web":
        from bot.web.app import serve_web

        return asyncio.run(serve_web(settings))
    if args.command == "demo":
        from bot.demo import run_demo

        return asyncio.run(run_demo(settings, interactive=args.interactive))
    raise SetupError(f"unknown command {args.command}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: errors a person can act on become one line on stderr, not a traceback."""
    try:
        return run(argv)
    except (CourseFileError, RedisUnavailable, SetupError) as exc:
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
