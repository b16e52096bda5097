"""Property-based API test with Schemathesis against the app's own OpenAPI schema: generated requests
(bounded) never cause a 5xx, and every response matches its documented status, content type and schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kg.corpus import KnowledgeBase
from kg.ladybug_store import LadybugGraphStore
from tests.api import test_app_support as support
from tests.api.test_app_support import Env, build_env

pytestmark = pytest.mark.integration

graph = support.graph
kb = support.kb


@pytest.fixture(scope="module")
def api_env(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase, graph: LadybugGraphStore) -> Env:
    return build_env(tmp_path_factory.mktemp("schemathesis"), kb, graph)


@pytest.fixture(scope="module")
def api_schema(api_env: Env) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", api_env.app)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _role(method: str, path: str) -> str:
    if path.startswith(("/users", "/audit", "/security")):
        return "admin"
    return "expert" if path.startswith("/indicators") and method == "POST" else "manager"


PREFIXES = [
    "/auth",
    "/users",
    "/regulations",
    "/clauses",
    "/processes",
    "/risks",
    "/obligations",
    "/indicators",
    "/qa",
    "/records",
    "/scores",
    "/exports",
    "/audit",
    "/security",
    "/gaps",
    "/impact",
    "/proposals",
    "/enterprises",
]


def test_every_operation_is_covered(api_schema: schemathesis.BaseSchema) -> None:
    paths = {result.ok().path for result in api_schema.get_all_operations()}
    assert len(paths) >= 25 and all(p == "/health" or p.startswith(tuple(PREFIXES)) for p in paths)


#: Groups not run, with the reason (none at present). LadybugDB 0.22 segfaults the process on
#: ``ORDER BY … SKIP n LIMIT m`` when ``n`` exceeds the row count by more than about 11,900 (schemathesis
#: generates such offsets): every graph list goes through :func:`api.http.routes._nodes.page_rows`, which
#: answers a page past the end without a query.
SKIPPED: dict[str, str] = {}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_api_conforms_to_its_schema(api_schema: schemathesis.BaseSchema, api_env: Env, prefix: str) -> None:
    if prefix in SKIPPED:
        pytest.skip(SKIPPED[prefix])
    operations = [r.ok() for r in api_schema.get_all_operations() if r.ok().path.startswith(prefix)]
    assert operations
    for operation in operations:
        _check_operation(operation, api_env.auth(_role(operation.method.upper(), operation.path)))


@pytest.mark.parametrize("path", ["/regulations", "/processes", "/risks", "/obligations"])
def test_a_page_past_the_end_is_empty_not_a_crash(api_env: Env, path: str) -> None:
    response = api_env.client().get(path, params={"offset": 1_000_000}, headers=api_env.auth("viewer"))
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [] and body["total"] > 0 and body["offset"] == 1_000_000


def _check_operation(operation: Any, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
