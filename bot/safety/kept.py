"""What the safety net keeps on disk between processes: data it would otherwise unpack or parse
again at every start (simplemma's word lists, the learned model), as `marshal` data in the
user's cache folder.

The folder is only read where it is this user's own and nobody else may write to it; anything
unexpected (no home, a read-only disk, a broken or foreign file) is as good as no file, and the
caller reads the data the slow way. Set ``DRUPPEL_CACHE_DIR`` to choose the folder (by default
``$XDG_CACHE_HOME/druppel`` or ``~/.cache/druppel``).
"""

from __future__ import annotations

import marshal
import os
import stat
import tempfile
from pathlib import Path
from typing import Any


def cache_folder() -> Path | None:
    """Where kept data lies, or None where there is no such place."""
    chosen = os.environ.get("DRUPPEL_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "druppel"
    try:
        return Path.home() / ".cache" / "druppel"
    except RuntimeError:  # no home to be found
        return None


def private(path: Path) -> bool:
    """Whether `path` is this user's own and nobody else may write to it."""
    try:
        found = path.lstat()
    except OSError:
        return False
    mine = not hasattr(os, "getuid") or found.st_uid == os.getuid()
    return mine and not stat.S_ISLNK(found.st_mode) and not found.st_mode & 0o022


def read(path: Path) -> object | None:
    """What was kept at `path`; None where nothing (trustworthy) is."""
    if not (private(path.parent) and private(path)):
        return None
    try:
        found: object = marshal.loads(path.read_bytes())
        return found
    except (OSError, EOFError, ValueError, TypeError):
        return None


def write(path: Path, data: Any, *, replacing: str | None = None) -> None:
    """Keeps `data` where the next process will find it, whole or not at all; `replacing`: a
    pattern of earlier files it takes the place of, removed once it is written. `data` is what
    `marshal` keeps: dictionaries, lists, strings, bytes and numbers."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not private(path.parent):
            return
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".kept-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(marshal.dumps(data))
            os.replace(name, path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        for earlier in path.parent.glob(replacing) if replacing else ():
            if earlier != path:
                earlier.unlink(missing_ok=True)
    except (OSError, ValueError):
        return
