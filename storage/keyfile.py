"""The embedded setup's own encryption key, made in its data directory on the first start.

With no REDIS_URL and no DRUPPEL_ENCRYPTION_KEY, druppel still encrypts: the first start writes
a fresh key to `<data dir>/encryption.key` (readable by its owner only, 0600) and every start
after reads it. Losing the file loses what it sealed, so a backup of the data directory must
hold it; whoever can read it can read the data, so it never leaves the machine otherwise.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from storage.crypto import KEY_FILE, KeyRequired, new_key, parse_keys


def embedded_key(data_dir: Path) -> str:
    """The key in `data_dir`, made now if there is none. Two processes starting at once both
    end up with the one that was written first (it is linked into place whole, or not at all)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEY_FILE
    if not path.exists():
        draft = data_dir / f".{KEY_FILE}.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, f"{new_key()}\n".encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink()
    keys = parse_keys(path.read_text(encoding="ascii"))
    if len(keys) != 1:
        raise KeyRequired(f"{path} does not hold one key; restore it from a backup")
    return keys[0]


def keys_to_use(redis_url: str | None, data_dir: Path, configured: Sequence[str]) -> list[str]:
    """The keys a store seals and opens with, newest first: the configured ones; with the
    embedded Redis also the key in its data directory (made when nothing is configured), so
    moving to a configured key keeps what the generated one sealed readable until rotated."""
    keys = list(configured)
    if redis_url is not None:
        if not keys:
            raise KeyRequired(
                "DRUPPEL_ENCRYPTION_KEY is not set, and with REDIS_URL it must be: make one "
                "with `druppel privacy new-key` and keep it safe"
            )
        return keys
    if keys and not (data_dir / KEY_FILE).exists():
        return keys
    own = embedded_key(data_dir)
    return keys if own in keys else [*keys, own]
