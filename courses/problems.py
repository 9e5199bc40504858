"""Every problem of a course file, each with its line: what whoever wrote it needs to fix it
in one go, rather than one problem per try.

Loading at start-up stops at the first problem (courses/loader.py); publishing and
`druppel courses validate` list them all, found by where pydantic says each is and the line the
YAML had there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from courses.loader import where
from courses.models import Course


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a course file: its line (when known), the field, and what is wrong;
    for whoever says it in other words, where it is (`loc`, as pydantic gives it), its `kind`
    (pydantic's error type, or one of the course's own) and the numbers in it."""

    line: int | None
    where: str
    problem: str
    loc: tuple[int | str, ...] = ()
    kind: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [f"line {self.line}"] if self.line is not None else []
        if self.where:
            parts.append(self.where)
        return ": ".join([*parts, self.problem])


@dataclass(frozen=True, slots=True)
class Checked:
    """A course file read: the course when nothing is wrong, else every problem found."""

    course: Course | None
    problems: tuple[Problem, ...]


def _line_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The line of the deepest node of `loc` that the file has (a missing field: its parent)."""
    if root is None:
        return None
    node: yaml.Node = root
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if 0 <= part < len(node.value) else None
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def _message(error: Any) -> str:
    if error["type"] == "missing":
        return "is missing"
    if error["type"] == "extra_forbidden":
        return "is not a known field"
    return str(error["msg"]).removeprefix("Value error, ")


def _problem(root: yaml.Node | None, error: Any) -> Problem:
    loc = tuple(error["loc"])
    values = error.get("ctx", {})
    return Problem(_line_of(root, loc), where(loc), _message(error), loc, error["type"], values)


def check_text(text: str, stem: str | None = None) -> Checked:
    """Read a course file's text; with `stem` (the file's name without .yaml), its id must be
    that name."""
    try:
        data: Any = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "is not valid YAML"
        values = {"problem": problem}
        return Checked(None, (Problem(line, "", f"invalid YAML: {problem}", (), "yaml", values),))
    if not isinstance(data, dict):
        wrong = "must be a mapping with id, title, days and so on"
        return Checked(None, (Problem(None, "", wrong, (), "not_a_mapping"),))
    try:
        course = Course.model_validate(data)
    except ValidationError as exc:
        problems = tuple(_problem(root, e) for e in exc.errors(include_url=False))
        return Checked(None, problems)
    if stem is not None and course.id != stem:
        problem = f"is {course.id!r} but the file is named {stem}.yaml"
        values = {"id": repr(course.id), "stem": stem}
        found = Problem(
            _line_of(root, ("id",)), "field id", problem, ("id",), "id_not_file", values
        )
        return Checked(None, (found,))
    return Checked(course, ())
