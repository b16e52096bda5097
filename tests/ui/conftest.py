"""Fixtures of the UI tests: the demo enterprise's data built once, the API serving it on 127.0.0.1,
and the Streamlit app under ``AppTest`` pointed at that API."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from api.container import Container
from api.http.app import create_app
from api.services.review.proposals import RunInput
from api.settings import REPO_ROOT, Settings
from retrieval.change.inputs import LawArticle
from retrieval.change.models import IndicatorProposal, ObligationProposal
from tests.ui.demo_env import (
    CHANGE,
    ENTERPRISE,
    PASSWORD,
    build_demo_data,
    cheap_hashing,
    demo_settings,
    seed_through_api,
    token,
    username,
)
from tests.ui.servers import ThreadedApi

UI_APP = REPO_ROOT / "ui" / "app.py"


@dataclass
class DemoApi:
    """The API under test: its address and the proposal run seeded through it."""

    url: str
    run: dict[str, Any]
    settings: Settings
    services: Container


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    """A pristine data dir of the demo enterprise (copy it before serving: serving changes it)."""
    data_dir = tmp_path_factory.mktemp("ui-template") / "data"
    build_demo_data(data_dir, shared_dir / "regulations")
    return data_dir


def copy_demo(template: Path, into: Path, shared_dir: Path) -> Settings:
    """A fresh copy of the demo data dir and its settings."""
    shutil.copytree(template, into)
    return demo_settings(into, shared_dir / "regulations")


@pytest.fixture(scope="session")
def demo_api(tmp_path_factory: pytest.TempPathFactory, demo_template: Path, shared_dir: Path) -> Iterator[DemoApi]:
    """The API over a copy of the demo data, in a background thread; scores and a change run seeded."""
    settings = copy_demo(demo_template, tmp_path_factory.mktemp("ui-api") / "data", shared_dir)
    services = Container(settings, hashing=cheap_hashing())
    with ThreadedApi(create_app(settings, container=services)) as server:
        yield DemoApi(url=server.url, run=seed_through_api(server.url), settings=settings, services=services)
    services.close()


@pytest.fixture
def app(demo_api: DemoApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The UI's entry script under AppTest, talking to the demo API (caches emptied).

    The entry script turns an unexpected exception into a readable "页面出错" line for the expert; here
    such a line fails the test, so the catch-all cannot hide a bug."""
    monkeypatch.setenv("HSEKG_API_URL", demo_api.url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(UI_APP), default_timeout=120)
    yield at
    crashes = [e.value for e in at.error if str(e.value).startswith("页面出错")]
    assert not crashes, crashes


def log_in(at: AppTest, role: str = "expert") -> AppTest:
    """Run the app and log in through the form as the demo user of ``role``."""
    at.run()
    at.text_input(key="login_username").input(username(role))
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click()
    return at.run()


def api_call(demo_api: DemoApi, method: str, path: str, *, role: str = "expert", **kwargs: Any) -> Any:
    """Call the demo API directly as the demo user of ``role`` (to seed, and to check what the UI did)."""
    headers = {"Authorization": f"Bearer {token(demo_api.url, role)}"}
    r = httpx.request(method, f"{demo_api.url}{path}", headers=headers, timeout=300, **kwargs)
    r.raise_for_status()
    return r.json()


def new_run(demo_api: DemoApi, tag: str) -> dict[str, Any]:
    """A change run of its own for one test: the demo change with the process named ``喷涂<tag>``."""
    scenario = copy.deepcopy(CHANGE)
    scenario["change"]["process"]["name"] = f"喷涂{tag}"
    run: dict[str, Any] = api_call(demo_api, "POST", "/proposals/runs", json={"scenario": scenario})
    return run


def show_run(at: AppTest, tag: str) -> AppTest:
    """Narrow the review queue to the run of ``new_run(…, tag)``."""
    at.text_input(key="review_process").input(f"喷涂{tag}")
    return at.run()


def texts(at: AppTest, kind: str) -> list[str]:
    """The values of the elements of one kind (markdown, error, success, warning, info, caption …)."""
    return [str(e.value) for e in at.get(kind)]


def stale_article(demo_api: DemoApi) -> tuple[str, int, str]:
    """An article of a replaced regulation, and the regulation that replaced it."""
    regulations = api_call(demo_api, "GET", "/regulations", params={"limit": 200})["items"]
    for regulation in sorted(regulations, key=lambda r: r["id"]):
        if not regulation["properties"].get("replaced_by") or "/" in regulation["id"]:
            continue  # ids with "/" (GB/T …) cannot be addressed in a path yet
        clauses = api_call(demo_api, "GET", f"/regulations/{regulation['id']}/clauses")
        if clauses:
            article = min(int(c["node"]["article"]) for c in clauses)
            return regulation["id"], article, str(regulation["properties"]["replaced_by"])
    raise AssertionError("the demo graph has no replaced regulation with articles")


def invalid_run(demo_api: DemoApi, tag: str) -> tuple[str, dict[str, Any]]:
    """A run of its own holding one proposal that fails validation: a good indicator made to cite an
    article of a replaced regulation, judged by the real validator (no API call makes one on purpose).
    The run's process is ``喷涂<tag>``; returns the proposal id and the indicator as it was before."""
    good = new_run(demo_api, f"{tag}-source")["proposals"][0]
    law, article, _ = stale_article(demo_api)
    before = IndicatorProposal.model_validate(good["indicator"])
    stale = before.model_copy(update={"cites": [LawArticle(law=law, article=article)], "verdicts": []})
    checked = demo_api.services.change.validator.run(stale)
    assert not checked.valid
    run = RunInput(
        source="change", enterprise_id=ENTERPRISE, sector="汽车零部件", process=f"喷涂{tag}", change=good["change"]
    )
    obligations = [ObligationProposal.model_validate(o) for o in good["obligations"]]
    _, views = demo_api.services.review_queue.add_run(run, [checked], obligations=obligations, actor="test")
    return views[0].id, good["indicator"]


def frame(at: AppTest, column: str, *, nth: int = 0) -> Any:
    """The ``nth`` table (a pandas DataFrame) shown with a column named ``column``."""
    tables = [d.value for d in at.dataframe if column in d.value.columns]
    return tables[nth]
