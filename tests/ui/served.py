"""``hsekg serve`` as a subprocess over a copy of the demo data: the API and the UI on free ports of
127.0.0.1, stopped like an operator stops it (Ctrl-C)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from api.settings import Settings
from tests.ui.servers import free_port, wait_http

HSEKG = Path(sys.executable).with_name("hsekg")


class ServedApp:
    """``hsekg serve --port P --ui-port Q`` with the settings of a data dir (``with`` starts and stops it)."""

    def __init__(self, settings: Settings, *, log: Path) -> None:
        self.api_port, self.ui_port = free_port(), free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.ui_url = f"http://127.0.0.1:{self.ui_port}"
        self._env = {
            **os.environ,
            "HSEKG_ENVIRONMENT": "development",
            "HSEKG_DATA_DIR": str(settings.data_dir),
            "HSEKG_REGULATIONS_DIR": str(settings.regulations_dir),
            "HSEKG_RECORDS_URL": settings.records_url,
            "HSEKG_SECRET_KEY": settings.secret_key.get_secret_value(),
        }
        self._log_path = log
        self.process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None

    def __enter__(self) -> ServedApp:
        command = [str(HSEKG), "serve", "--port", str(self.api_port), "--ui-port", str(self.ui_port)]
        with self._log_path.open("wb") as log:
            self.process = subprocess.Popen(command, env=self._env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_http(f"{self.api_url}/health", timeout=120)
            wait_http(f"{self.ui_url}/_stcore/health", timeout=120)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> int | None:
        """Ctrl-C the server and wait; kill it if it hangs. The exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.returncode = self.process.returncode
        return self.returncode

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        """What the server printed."""
        return self._log_path.read_text(encoding="utf-8", errors="replace")


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0
