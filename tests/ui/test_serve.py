"""``hsekg serve`` starts the API and the expert UI together, and stopping it stops both."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from tests.ui.conftest import copy_demo
from tests.ui.demo_env import token
from tests.ui.served import ServedApp, listening

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def settings(tmp_path: Path, demo_template: Path, shared_dir: Path) -> Settings:
    return copy_demo(demo_template, tmp_path / "data", shared_dir)


def test_serve_runs_the_api_and_the_ui_and_stops_both(settings: Settings, tmp_path: Path) -> None:
    served = ServedApp(settings, log=tmp_path / "serve.log")
    with served:
        expert = {"Authorization": f"Bearer {token(served.api_url, 'expert')}"}
        assert httpx.get(f"{served.api_url}/auth/me", headers=expert).json()["username"] == "demo-expert"
        page = httpx.get(served.ui_url, timeout=10)
        assert page.status_code == 200 and '<div id="root">' in page.text
    assert served.returncode == 0, served.log()
    assert not listening(served.api_port) and not listening(served.ui_port)
