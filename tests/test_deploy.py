"""The deployment files describe what the README promises: Redis that keeps its data, one bot,
scalable workers, the web process, and a health check for each."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
DRUPPEL_ROLES = {"bot": "run", "worker": "worker", "web": "web"}


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def _compose_command() -> list[str] | None:
    """`docker compose` (v2) where it works, else `docker-compose`, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_accepts_the_compose_file(tmp_path: Path) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed here")
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=\n", encoding="utf-8")  # as from the example
    result = subprocess.run(
        [*command, "-f", "compose.yaml", "config"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert set(resolved["services"]) == {"redis", *DRUPPEL_ROLES}
    assert resolved["services"]["worker"]["deploy"]["replicas"] >= 2


def test_redis_keeps_an_append_only_log_on_a_named_volume() -> None:
    compose = _compose()
    redis = compose["services"]["redis"]
    assert redis["image"] == "redis:7"
    args = " ".join(redis["command"])
    assert "--appendonly yes" in args
    assert "--appendfsync everysec" in args
    volume, _, target = redis["volumes"][0].partition(":")
    assert target == "/data"
    assert volume in compose["volumes"]
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


@pytest.mark.parametrize(("service", "role"), sorted(DRUPPEL_ROLES.items()))
def test_each_druppel_role_runs_its_command_on_the_shared_redis(service: str, role: str) -> None:
    spec = _compose()["services"][service]
    assert spec["command"] == [role]
    assert spec["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert spec["env_file"] == ".env"
    assert spec["depends_on"]["redis"]["condition"] == "service_healthy"
    assert spec["healthcheck"]["test"][0] == "CMD"


def test_web_publishes_its_webhooks_and_checks_readyz_on_the_private_port() -> None:
    web = _compose()["services"]["web"]
    assert web["environment"]["PORT"] == "8080"
    assert web["environment"]["METRICS_PORT"] == "8081"
    assert "METRICS_HOST" not in web["environment"]  # loopback: metrics are not published
    assert web["ports"] == ["8080:8080"]
    probe = " ".join(web["healthcheck"]["test"])
    assert "urllib" in probe
    assert "http://127.0.0.1:8081/readyz" in probe


def test_workers_scale_and_the_bot_does_not() -> None:
    services = _compose()["services"]
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert "container_name" not in services["worker"]  # a fixed name would forbid --scale
    assert services["bot"].get("deploy", {}).get("replicas", 1) == 1  # one long-poller per token


def _dockerfile() -> list[str]:
    return [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_image_runs_druppel_as_a_non_root_user_without_dev_extras() -> None:
    lines = _dockerfile()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users
    assert users[-1] not in {"root", "0"}
    assert 'ENTRYPOINT ["druppel"]' in lines
    assert lines[-1] == 'CMD ["run"]'
    installs = [line for line in lines if "pip install" in line]
    assert not [line for line in installs if "[dev]" in line or "dev.lock" in line]


def test_the_base_image_is_pinned_by_digest() -> None:
    assert re.fullmatch(r"FROM python:3\.11-slim@sha256:[0-9a-f]{64}", _dockerfile()[0])


def test_the_image_installs_only_what_the_lock_names_checked_by_hash() -> None:
    lines = _dockerfile()
    installs = [line for line in lines if "pip install" in line]
    assert installs[0] == "RUN pip install --require-hashes -r requirements.lock"
    assert lines.index("COPY requirements.lock ./") < lines.index(installs[0])
    assert len(installs) == 2
    assert "pip install --no-deps --no-build-isolation ." in installs[1]


def _locked(name: str) -> dict[str, tuple[str, int]]:
    """Each package in a lock file: its pinned version and how many hashes it names."""
    pins: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if pin := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$", line):
            current = _norm(pin[1])
            pins[current] = (pin[2], 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ["dependencies"]), ("requirements-dev.lock", ["dependencies", "dev"])],
)
def test_the_lock_pins_every_dependency_within_its_range_with_hashes(
    lock: str, groups: list[str]
) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [
        Requirement(spec)
        for group in groups
        for spec in (
            project[group] if group == "dependencies" else project["optional-dependencies"][group]
        )
    ]
    pins = _locked(lock)
    assert pins
    assert all(hashes for _, hashes in pins.values()), "every pin names its hashes"
    for requirement in wanted:
        version, _ = pins[_norm(requirement.name)]
        assert requirement.specifier.contains(version), f"{requirement} is locked at {version}"


def test_both_locks_pin_the_same_versions() -> None:
    runtime, dev = _locked("requirements.lock"), _locked("requirements-dev.lock")
    assert {name: pin[0] for name, pin in runtime.items()} == {
        name: dev[name][0] for name in runtime
    }


def test_make_installs_from_the_development_lock() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet --require-hashes -r requirements-dev.lock" in makefile
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in makefile


def test_the_procfile_and_compose_run_the_same_processes() -> None:
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    commands = {line.partition(": ")[2] for line in procfile}
    assert commands == {f"druppel {role}" for role in DRUPPEL_ROLES.values()}
