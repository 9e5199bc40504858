"""The arrows between the packages point one way, and only one module speaks Telegram."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"bot", "courses", "scheduler", "storage"}
MAY_IMPORT = {
    "courses": set(),
    "storage": set(),
    "scheduler": {"storage"},
    "bot": {"courses", "scheduler", "storage"},
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_what_lies_below_it(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        tops = {name.split(".")[0] for name in _imports(path)}
        wrong = (tops & OURS) - MAY_IMPORT[package] - {package}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_only_the_telegram_adapter_imports_telegram() -> None:
    speakers = {
        str(path.relative_to(ROOT))
        for package in OURS
        for path in (ROOT / package).rglob("*.py")
        if any(name.split(".")[0] == "telegram" for name in _imports(path))
    }
    assert speakers == {"bot/channels/telegram.py"}
