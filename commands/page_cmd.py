"""``dols-sim app``: serve the web page (Streamlit) from the installed package, not only from a clone."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Annotated

import typer

#: Streamlit settings the page is served with. The same as the clone's ``.streamlit/config.toml`` (a
#: test checks they agree), given as flags so an installed package, which has no such file, gets them.
PAGE_SETTINGS: dict[str, dict[str, object]] = {
    "browser": {"gatherUsageStats": False},  # privacy: no usage statistics leave the machine
    "server": {"headless": True, "fileWatcherType": "none", "maxUploadSize": 50},
    "client": {"showErrorDetails": False, "toolbarMode": "minimal"},
}


def streamlit_flags() -> list[str]:
    """:data:`PAGE_SETTINGS` as ``streamlit run`` flags."""
    flags = []
    for section, values in PAGE_SETTINGS.items():
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{key}", text]
    return flags


def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve the page on.")] = 8501,
    address: Annotated[
        str, typer.Option(help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
) -> None:
    """Start the web page (Streamlit), headless, on http://ADDRESS:PORT."""
    from importlib.resources import files

    script = files("page") / "app.py"  # the page's entry script, inside the installed package
    print(f"dols-sim page: http://{address}:{port}  (Ctrl+C to stop)", flush=True)
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), *streamlit_flags()]
    cmd += ["--server.port", str(port), "--server.address", address]
    server = subprocess.Popen(cmd)
    # Stopped by a service manager or a script (SIGTERM), not only Ctrl+C: pass it on, or the server
    # would outlive this command.
    signal.signal(signal.SIGTERM, lambda signum, _frame: server.send_signal(signum))
    try:
        raise typer.Exit(server.wait())
    except KeyboardInterrupt:  # the terminal sent Ctrl+C to the server too: let it finish stopping
        server.wait()
        raise typer.Exit(0) from None
