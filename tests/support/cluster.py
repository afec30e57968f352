"""Real bot processes on one database, for the failover tests and the soak benchmark.

Each node is ``python -m tests.support.cluster_node``: the real :class:`~bot.app.App` with its
web server (the Open311 API takes the reports) on a :class:`FileChannel`, a stand-in for the
chat gateway that appends every message the bot sends to one shared file, one ``write`` per
message (``O_APPEND``), so what was sent survives the sender being killed and duplicates can
be counted. Nodes are killed with SIGKILL and watched through ``/healthz``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.harness import EXAMPLE_CONFIG, REPO

API_KEY = "cluster-open311-key"


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def node_config(directory: Path, name: str, port: int, lease: int, check: int) -> Path:
    """The example config with this node's port, the API key and the given lease timing
    (the file channel opts out of the sending limits, as the console does)."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for old, new in (
        ("port = 8080", f"port = {port}"),
        ('open311_api_key = ""', f'open311_api_key = "{API_KEY}"'),
        ("lease_seconds = 15", f"lease_seconds = {lease}"),
        ("check_seconds = 3", f"check_seconds = {check}"),
        # The nodes run on the real clock: without this, a run after 22:00 Shanghai time would
        # hold every card for the quiet hours and look like lost sends (start = end: none).
        ('start = "22:00"\nend = "07:30"', 'start = "00:00"\nend = "00:00"'),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = directory / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Node:
    """One bot process."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        """Where its web server listens."""
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.proc.poll() is None

    def healthz(self, timeout: float = 2.0) -> dict[str, Any] | None:
        """The /healthz body, or None when it does not answer."""
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return json.loads(exc.read() or b"{}")
        except (OSError, ValueError):
            return None

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        """GET a path; (status, body)."""
        try:
            with urllib.request.urlopen(f"{self.base}{path}", timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def report(self, description: str, timeout: float = 10.0) -> int | None:
        """POST one Open311 request; its service_request_id, or None when it failed."""
        form = urllib.parse.urlencode(
            {
                "api_key": API_KEY,
                "service_code": "facility",
                "description": description,
                "address_string": "毛塘路社区",
                "jurisdiction_id": "maotang",
            }
        ).encode()
        try:
            with urllib.request.urlopen(
                f"{self.base}/open311/v2/requests.json", data=form, timeout=timeout
            ) as resp:
                return int(json.loads(resp.read())[0]["service_request_id"])
        except (OSError, ValueError, KeyError, IndexError):
            return None


@dataclass
class Cluster:
    """Nodes on one database URL, sharing one file of sent messages."""

    directory: Path
    database_url: str
    lease: int = 6
    check: int = 1
    env: dict[str, str] = field(default_factory=dict)  # more environment for every node
    nodes: list[Node] = field(default_factory=list)

    @property
    def sent_file(self) -> Path:
        """Every message any node sent, one JSON line each."""
        return self.directory / "sent.jsonl"

    def start(self, name: str) -> Node:
        """Start a node (it competes for leadership at once)."""
        port = free_port()
        config = node_config(self.directory, name, port, self.lease, self.check)
        log = self.directory / f"{name}.log"
        env = dict(os.environ)
        env |= {"LIUFANG_DATABASE_URL": self.database_url, "PYTHONPATH": str(REPO), **self.env}
        env.pop("WECHATY_PUPPET_SERVICE_TOKEN", None)
        cmd = [
            sys.executable,
            "-m",
            "tests.support.cluster_node",
            str(config),
            str(self.sent_file),
        ]
        with log.open("ab") as out:
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=out)
        node = Node(name, port, proc, log)
        self.nodes.append(node)
        return node

    def wait(self, node: Node, role: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until the node answers /healthz (in ``role``, when given)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not node.alive():
                raise RuntimeError(f"{node.name} exited: {node.log.read_text()[-3000:]}")
            body = node.healthz()
            if body is not None and (role is None or body.get("role") == role):
                return body
            time.sleep(0.1)
        raise TimeoutError(f"{node.name} not {role or 'up'} in {timeout}s: {node.healthz()}")

    def kill(self, node: Node) -> None:
        """SIGKILL, as a crash or the OOM killer would."""
        if node.alive():
            node.proc.send_signal(signal.SIGKILL)
        node.proc.wait(10)

    def stop_all(self) -> None:
        """Stop every node still running (SIGTERM, then SIGKILL)."""
        for node in self.nodes:
            if node.alive():
                node.proc.send_signal(signal.SIGTERM)
        for node in self.nodes:
            try:
                node.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill(node)

    def sent(self) -> list[dict[str, Any]]:
        """The messages sent so far, in order."""
        if not self.sent_file.exists():
            return []
        lines = self.sent_file.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


class AlertInbox:
    """A local webhook receiver (the WeCom robot's place) recording each alert and when."""

    def __init__(self) -> None:
        self.alerts: list[tuple[float, dict[str, Any]]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                inbox.alerts.append((time.monotonic(), json.loads(body)))
                answer = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/cgi-bin/webhook/send"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()
