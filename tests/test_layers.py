"""The arrows between the packages point one way, only one package speaks Telegram, and no
test module is imported as a library."""

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


def _imports(path: Path, *, by_name: bool = False) -> set[str]:
    """Every module a file imports; with `by_name`, `from bot.core import texts` reads
    `bot.core.texts`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if by_name:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            else:
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
    outside = {path for path in speakers if not path.startswith("bot/channels/telegram/")}
    assert speakers, "the Telegram adapter imports telegram"
    assert not outside, f"only bot/channels/telegram/ may import telegram: {sorted(outside)}"


def test_the_safety_net_stands_on_its_own() -> None:
    """The safety net reads words and says what to answer; it leans on nothing of the
    conversation or delivery, so it can be tried alone (`druppel safety scan`)."""
    allowed = {"bot.safety", "bot.core.messages", "bot.core.texts_care", "bot.core.errors"}
    for path in (ROOT / "bot" / "safety").rglob("*.py"):
        ours = {name for name in _imports(path, by_name=True) if name.split(".")[0] in OURS}
        wrong = {n for n in ours if not any(n == a or n.startswith(f"{a}.") for a in allowed)}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


#: Inside `bot`, each folder and what it may import of `bot` besides itself. Arrows point down:
#: the app wires everything; channels, the conversation, broadcasts, operators and staff stand
#: on delivery; delivery on the safety net and the core; the core on nothing of `bot`.
BOT_MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "safety": {"core"},
    "delivery": {"core", "safety"},
    "conversation": {"core", "safety", "delivery"},
    "broadcast": {"core", "delivery"},
    "ops": {"core", "delivery"},
    "staff": {"core", "delivery", "broadcast", "ops"},
    "channels": {"core", "delivery"},
    "app": {"core", "safety", "delivery", "conversation", "broadcast", "ops", "staff",
            "channels"},
}  # fmt: skip


def test_every_folder_of_bot_is_placed_in_the_layers() -> None:
    folders = {p.name for p in (ROOT / "bot").iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in (ROOT / "bot").glob("*.py")} - {"__init__"}
    assert folders == set(BOT_MAY_IMPORT), "a new folder of bot/ needs its place in the layers"
    assert not modules, f"every module of bot/ lives in a folder: {sorted(modules)}"


@pytest.mark.parametrize("folder", sorted(BOT_MAY_IMPORT))
def test_a_folder_of_bot_imports_only_what_lies_below_it(folder: str) -> None:
    for path in (ROOT / "bot" / folder).rglob("*.py"):
        used = {
            name.split(".")[1]
            for name in _imports(path, by_name=True)
            if name.startswith("bot.") and name.count(".") >= 1
        }
        wrong = used - BOT_MAY_IMPORT[folder] - {folder}
        assert not wrong, f"{path.relative_to(ROOT)} imports bot.{sorted(wrong)}, above it"


def _test_modules_imported(path: Path) -> set[str]:
    """The test modules (`test_*`) of ours a file imports, relative imports included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            prefix = "." * node.level + (f"{node.module}." if node.module else "")
            names = [prefix + alias.name for alias in node.names]
        else:
            continue
        for name in names:
            ours = name.startswith((".", "tests."))
            if ours and any(part.startswith("test_") for part in name.split(".")):
                found.add(name)
    return found


def test_no_test_module_imports_another() -> None:
    """What tests share lives in helper modules and conftest.py files (tests/journey_kit.py,
    tests/e2e/, tests/fakes/); a test module is never a library, so each can be read, moved or
    removed on its own."""
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for folder in ("tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        for name in _test_modules_imported(path)
    }
    assert not wrong, sorted(wrong)
