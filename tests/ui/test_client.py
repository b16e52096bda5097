"""The UI's API client against a real server (the API tests' small app on uvicorn), and against httpx's
fake transport for what a real server of ours never sends (HTML errors, broken JSON)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api import test_app_support as support
from tests.api.test_app_support import PASSWORD, Env
from tests.ui.servers import ThreadedApi, free_port
from ui.client import ApiClient, ApiError, SessionExpiredError, open_http

# the shared fixtures of the API tests, registered in this module
shared_env = support.shared_env
graph = support.graph
kb = support.kb


@pytest.fixture(scope="module")
def server(shared_env: Env) -> Iterator[ThreadedApi]:
    with ThreadedApi(shared_env.app) as running:
        yield running


def _client(server: ThreadedApi, token: str | None = None) -> ApiClient:
    return ApiClient(open_http(server.url), token=token)


def _fake(status: int, body: bytes, content_type: str = "application/json", **headers: str) -> ApiClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type, **headers})

    http = httpx.Client(base_url="http://api.test", transport=httpx.MockTransport(answer))
    return ApiClient(http, token="t")


def test_login_keeps_the_token_and_reads_the_user(server: ThreadedApi) -> None:
    client = _client(server)
    granted = client.login("e1-expert", PASSWORD)
    assert client.token == granted.access_token
    assert granted.expires_in > 0  # the lifetime the UI's session and its cookie are given
    me = client.me()
    assert (me.username, me.role, me.enterprise_id) == ("e1-expert", "expert", "E1")
    assert [p.id for p in client.processes().items] == ["p_paint", "p_weld"]


def test_a_wrong_password_is_a_readable_401(server: ThreadedApi) -> None:
    client = _client(server)
    with pytest.raises(ApiError, match="^未登录或登录已过期：wrong username or password$") as caught:
        client.login("e1-expert", "not the password")
    assert caught.value.status == 401
    assert client.token is None


def test_a_rejected_token_means_the_session_expired(server: ThreadedApi) -> None:
    with pytest.raises(SessionExpiredError, match="请重新登录"):
        _client(server, token="forged").me()


def test_forbidden_and_missing_are_named(server: ThreadedApi, shared_env: Env) -> None:
    viewer = _client(server, token=shared_env.tokens[("E1", "viewer")])
    with pytest.raises(ApiError, match="^没有权限：role 'viewer' may not call proposals.decide$"):
        viewer.decide("x", "approve")
    with pytest.raises(ApiError, match="^未找到：") as caught:
        viewer.clause_text("安全生产法", 9999)
    assert caught.value.status == 404


def test_ids_with_a_hash_are_encoded(server: ThreadedApi, shared_env: Env) -> None:
    expert = _client(server, token=shared_env.tokens[("E1", "expert")])
    clause = expert.clause_text("安全生产法", 28)
    assert (clause.id, clause.text) == ("安全生产法#28", "教育和培训")


def test_an_unreachable_api_is_one_line() -> None:
    client = ApiClient(open_http(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(ApiError, match="^无法连接 API 服务 http://127.0.0.1:") as caught:
        client.login("u", "p")
    assert caught.value.status is None


def test_errors_that_are_not_problem_json() -> None:
    with pytest.raises(ApiError, match="^请求失败（HTTP 418）$"):
        _fake(418, b"<html>" + b"x" * 400 + b"</html>", "text/html").me()
    with pytest.raises(ApiError, match="^服务器内部错误：upstream down$"):
        _fake(500, b"upstream down", "text/plain").me()
    with pytest.raises(ApiError, match="^尝试次数过多：请 30 秒后再试。too many failed logins$"):
        _fake(429, b'{"detail": "too many failed logins"}', **{"Retry-After": "30"}).me()


def test_a_body_that_does_not_fit_the_schema_is_reported() -> None:
    with pytest.raises(ApiError, match="^API 返回了无法识别的数据（/auth/me）"):
        _fake(200, b'{"user": "nobody"}').me()
    with pytest.raises(ApiError, match="^API 返回了无法识别的数据（/proposals/x/decisions）"):
        _fake(200, b"not json").decisions("x")
