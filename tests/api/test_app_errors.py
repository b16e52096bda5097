"""One error format (problem+json), the size limit, malformed input, pagination bounds, login and Q&A."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.services.security import MAX_FAILURES, TokenIssuer
from tests.api import test_app_support as support
from tests.api.test_app_support import PASSWORD, Env

# the shared fixtures, registered in this module
env = support.env
shared_env = support.shared_env
graph = support.graph
kb = support.kb

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("urn:hsekg:")
    return dict(body)


def test_unknown_node_and_unknown_route_are_404(shared_env: Env) -> None:
    client = shared_env.client()
    body = _problem(client.get("/regulations/不存在的法", headers=shared_env.auth("viewer")), 404)
    assert "不存在的法" in str(body["detail"]) and body["instance"] == "/regulations/不存在的法"
    _problem(client.get("/nowhere"), 404)
    _problem(client.delete("/regulations", headers=shared_env.auth("viewer")), 405)


def test_malformed_json_is_400_naming_the_place(shared_env: Env) -> None:
    headers = {**shared_env.auth("viewer"), "content-type": "application/json"}
    body = _problem(shared_env.client().post("/qa", content=b'{"question": "x",', headers=headers), 400)
    assert "malformed JSON" in str(body["detail"])


def test_wrong_types_are_422_listing_fields_without_echoing_input(shared_env: Env) -> None:
    client = shared_env.client()
    body = _problem(client.post("/qa", json={"question": 5, "k": "many"}, headers=shared_env.auth("viewer")), 422)
    errors = body["errors"]
    assert isinstance(errors, list) and {tuple(e["loc"]) for e in errors} == {("body", "question"), ("body", "k")}
    secret = {"username": "abc", "password": "pw-s3cr3t", "role": "viewer"}
    body = _problem(client.post("/users", json=secret, headers=shared_env.auth("admin")), 422)
    assert "pw-s3cr3t" not in str(body)


def test_domain_validation_is_422(shared_env: Env) -> None:
    review = {"decision": "reject", "comment": "  "}
    body = _problem(
        shared_env.client().post("/indicators/i_fume/review", json=review, headers=shared_env.auth("expert")), 422
    )
    assert "comment" in str(body["detail"])


def test_pagination_is_bounded(shared_env: Env) -> None:
    client = shared_env.client()
    headers = shared_env.auth("viewer")
    page = client.get("/risks", params={"limit": 2, "offset": 1}, headers=headers).json()
    assert page["limit"] == 2 and page["offset"] == 1 and len(page["items"]) == 2 and page["total"] == 3
    for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}):
        _problem(client.get("/risks", params=params, headers=headers), 422)


def test_body_over_the_limit_is_413(shared_env: Env) -> None:
    client = shared_env.client()
    headers = {**shared_env.auth("viewer"), "content-type": "application/json"}
    big = b'{"question": "' + b"x" * (2 * 2**20) + b'"}'
    body = _problem(client.post("/qa", content=big, headers=headers), 413)
    assert "1 MiB" in str(body["detail"])

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield b'{"question": "'
        for _ in range(20):
            yield b"y" * 2**17
        yield b'"}'

    _problem(client.post("/qa", content=chunks(), headers=headers), 413)


def test_qa_goes_through_the_answerer(shared_env: Env) -> None:
    response = shared_env.client().post(
        "/qa", json={"question": "焊工培训要求", "k": 3}, headers=shared_env.auth("viewer")
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["citations"][0] == {**answer["citations"][0], "law": "安全生产法", "article": 28}
    assert shared_env.answerer.asked[-1] == ("焊工培训要求", 3)


def test_login_issues_a_working_token_and_rate_limits_failures(env: Env) -> None:
    client = env.client()
    token = client.post("/auth/token", data={"username": "e1-manager", "password": PASSWORD}).json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 900
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert (me["username"], me["role"], me["enterprise_id"]) == ("e1-manager", "manager", "E1")
    for _ in range(MAX_FAILURES):
        _problem(client.post("/auth/token", data={"username": "e1-manager", "password": "wrong-password"}), 401)
    body = _problem(client.post("/auth/token", data={"username": "e1-manager", "password": PASSWORD}), 429)
    assert "too many failed logins" in str(body["detail"])
    # another user from the same address is not affected
    assert client.post("/auth/token", data={"username": "e1-viewer", "password": PASSWORD}).status_code == 200


def test_bad_and_expired_tokens_are_401(shared_env: Env) -> None:
    client = shared_env.client()
    # a garbage, a mangled and a forged token say the same and nothing of the decoder's internals
    for garbage in (b"not-a-token", b"eyJ\xb7\xb7.e30.x", b"a.b.c"):
        body = _problem(client.get("/auth/me", headers={"Authorization": b"Bearer " + garbage}), 401)
        assert body["detail"] == "invalid token"
    from api.services.security import Principal

    past = datetime.now(UTC) - timedelta(hours=1)
    issuer = TokenIssuer("unit-test-secret-key-0123456789", clock=lambda: past)
    expired = issuer.issue(Principal("e1-viewer", "viewer", "E1")).access_token
    body = _problem(client.get("/auth/me", headers={"Authorization": f"Bearer {expired}"}), 401)
    assert "expired" in str(body["detail"])
    forged = TokenIssuer("another-secret-key-0123456789").issue(Principal("e1-admin", "admin", "E1")).access_token
    body = _problem(client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"}), 401)
    assert body["detail"] == "invalid token"


@pytest.mark.parametrize("path", ["/openapi.json"])
def test_openapi_documents_problems_and_examples(shared_env: Env, path: str) -> None:
    schema = shared_env.client().get(path).json()
    qa = schema["paths"]["/qa"]["post"]
    assert PROBLEM in qa["responses"]["422"]["content"]
    assert "examples" in str(schema["paths"]["/records/batch"]["post"]["requestBody"])
