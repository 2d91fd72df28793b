"""Start the page on localhost and drive it with Debian's Chromium through Playwright.

Shared by the browser tests and the page benchmarks. Only 127.0.0.1 is ever contacted; Chromium runs
with the flags that keep it off the network (no background networking, sync or component updates).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Where the browser tests leave their screenshots (look at them; the README shows some).
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(
    timeout: float = 90.0,
    app_file: Path | None = None,
    *,
    command: list[str] | None = None,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> Iterator[str]:
    """The page (or another Streamlit script) served headless on a free localhost port; yields its URL.

    ``command``: how to start it instead (given the port as ``{port}``), e.g. ``dols-sim app``.
    """
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    if command is None:
        cmd = [sys.executable, "-m", "streamlit", "run", str(app_file or ROOT / "app.py")]
        cmd += ["--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1"]
        cmd += ["--browser.gatherUsageStats", "false"]
    else:
        cmd = [part.format(port=port) for part in command]
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"the page did not start: {tail}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
