"""Run ``mahnwerk serve`` as a subprocess for the tests: start, wait for its banner, stop."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEY = re.compile(r"mwk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")
BASE = re.compile(r"(http://127\.0\.0\.1:\d+)/v1")


@dataclass
class Served:
    process: subprocess.Popen[str]
    base: str
    key: str
    banner: str
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def call(self, method: str, path: str, body: bytes | None = None, *, key: str | None = "",
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        """One request over HTTP: (status, headers, JSON body or text)."""
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers=dict(headers or {}))
        token = self.key if key == "" else key
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if body is not None and not request.has_header("Content-type"):
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, answer, raw = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            status, answer, raw = exc.code, dict(exc.headers), exc.read()
        try:
            return status, answer, json.loads(raw) if raw else None
        except ValueError:
            return status, answer, raw.decode()

    def stop(self) -> int:
        """Ctrl-C, as a person stops it; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.reader is not None:
            self.reader.join(timeout=10)  # the last lines printed
        return self.process.returncode


def start(tmp: Path, *args: str, timeout: float = 90) -> Served:
    """``mahnwerk serve --port 0 …`` in ``tmp``; returns once it printed its address and key."""
    exe = shutil.which("mahnwerk", path=str(Path(sys.executable).parent))
    assert exe, "the console script is not installed: pip install -e ."
    stderr = (tmp / "serve.stderr").open("w", encoding="utf-8")  # never a pipe nobody reads
    process = subprocess.Popen([exe, "serve", "--port", "0", "--log", str(tmp / "lambda.log"), *args],
                               cwd=tmp, stdout=subprocess.PIPE, stderr=stderr, text=True)
    stderr.close()
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                ready.set()
        ready.set()  # ended without a banner

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not ready.wait(timeout) or process.poll() is not None or not lines:
        process.kill()
        process.wait()
        raise AssertionError("mahnwerk serve did not come up:\n" + "".join(lines)
                             + (tmp / "serve.stderr").read_text(encoding="utf-8")[-3000:])
    banner = "".join(lines)
    base, key = BASE.search(banner), KEY.search(banner)
    assert base and key, banner
    return Served(process, base.group(1), key.group(0), banner, lines, reader)
