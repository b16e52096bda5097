"""Start and stop the expert UI as a ``streamlit run`` subprocess (what ``hsekg serve`` does beside the API)."""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
from pathlib import Path

from kg.errors import ConfigError

__all__ = ["api_url_for", "start_ui", "stop_ui", "streamlit_command"]

log = logging.getLogger(__name__)


def _ui_app() -> Path:
    """The UI's ASGI app (``ui/server.py``: the entry script ``app.py`` with the route that sets the session
    cookie), found without importing the UI (the CLI stays below it)."""
    spec = importlib.util.find_spec("ui")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the expert UI (package ui) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "server.py"


def api_url_for(host: str, port: int) -> str:
    """The address the UI should call the API at, for an API bound to ``host``:``port`` (a wildcard
    bind is reached on the loopback address)."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def streamlit_command(*, host: str, port: int, max_upload_mb: int = 50) -> list[str]:
    """``streamlit run`` of the UI: headless, no usage statistics, no error details for the browser, and the
    upload limit the API enforces (``max_upload_mb``), so the upload widget states the limit that holds."""
    return [
        sys.executable, "-m", "streamlit", "run", str(_ui_app()),
        "--server.headless", "true",
        "--server.address", host,
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--client.showErrorDetails", "none",
        "--client.toolbarMode", "minimal",
        "--server.maxUploadSize", str(max_upload_mb),
    ]  # fmt: skip


def start_ui(*, api_url: str, host: str, port: int, max_upload_mb: int = 50) -> subprocess.Popen[bytes]:
    """Start the UI, pointed at the API at ``api_url`` (``HSEKG_API_URL`` of the subprocess)."""
    env = {**os.environ, "HSEKG_API_URL": api_url}
    log.info("starting the expert UI on http://%s:%d (API %s)", host, port, api_url)
    return subprocess.Popen(streamlit_command(host=host, port=port, max_upload_mb=max_upload_mb), env=env)


def stop_ui(process: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    """Stop the UI: terminate, and kill it if it has not exited after ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        log.warning("the expert UI did not stop within %.0f s; killing it", timeout)
        process.kill()
        process.wait()
