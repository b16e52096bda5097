"""The UI subprocess command: headless on the given address, the upload limit the API enforces, and the
ASGI app that carries the session cookie's route."""

from __future__ import annotations

from pathlib import Path

from api.cli.ui_process import api_url_for, streamlit_command


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_ui_states_the_api_s_upload_limit_and_listens_where_asked() -> None:
    command = streamlit_command(host="127.0.0.1", port=8601, max_upload_mb=50)
    assert _option(command, "--server.maxUploadSize") == "50"  # Streamlit's default (200 MB) is not what holds
    assert (_option(command, "--server.address"), _option(command, "--server.port")) == ("127.0.0.1", "8601")
    assert _option(command, "--server.headless") == "true"


def test_the_api_url_the_ui_is_given() -> None:
    assert api_url_for("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert api_url_for("::", 8000) == "http://[::1]:8000"


def test_the_ui_runs_as_the_app_with_the_session_cookie_s_route() -> None:
    command = streamlit_command(host="127.0.0.1", port=8601)
    script = Path(_option(command, "run"))
    assert script.name == "server.py" and script.parent.name == "ui"  # app.py alone: a login lasts one tab
