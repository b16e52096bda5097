"""The HTTP client of the expert UI: every read and write goes through the API, so roles and the audit
trail apply to the UI exactly as to any other client.

Requests and responses are the API's own wire models (:mod:`api.contracts`), the only part of the API
the UI imports. Errors become one readable :class:`ApiError`, never a traceback::

    ApiError            any failed call: problem+json detail, connection refused, timeout, bad JSON
    └── SessionExpiredError   401 on an authenticated call: the token expired or the user was disabled
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from api.contracts.change import ChangeScenario, EnterpriseProfile, GapScenario, ImpactReport
from api.contracts.common import ClauseTextOut, NodeOut, Page, RecordOut, TokenOut, UserOut
from api.contracts.enterprises import (
    ConfirmationResult,
    EnterpriseDiff,
    EnterpriseImport,
    EnterpriseView,
    MappingConfirmation,
)
from api.contracts.process_map import ProcessFlow, ProcessRiskMap
from api.contracts.qa import Answer
from api.contracts.review import (
    BulkResult,
    DecisionOut,
    GapRunOut,
    ProcessGraphOut,
    ProposalFacetsOut,
    ProposalOut,
    ProposalRunOut,
)
from api.contracts.scores import PeriodReport, ScoreSummary

__all__ = [
    "DEFAULT_TIMEOUT",
    "LONG_TIMEOUT",
    "ApiClient",
    "ApiError",
    "DocumentUpload",
    "RulesUpload",
    "SessionExpiredError",
    "open_http",
]

#: Seconds for ordinary reads and writes, and for the long operations (change runs, gaps, Q&A, scoring).
DEFAULT_TIMEOUT = 30.0
LONG_TIMEOUT = 180.0

M = TypeVar("M", bound=BaseModel)

#: What the status codes mean to an expert; the API's ``detail`` follows.
_STATUS_TEXT = {
    400: "请求格式错误",
    401: "未登录或登录已过期",
    403: "没有权限",
    404: "未找到",
    409: "操作冲突",
    413: "文件过大",
    422: "输入不符合要求",
    429: "尝试次数过多",
    500: "服务器内部错误",
    502: "大模型服务调用失败",
    503: "知识图谱暂不可用",
}


@dataclass(frozen=True)
class RulesUpload:
    """An enterprise's 考核细则 file with the description the gap analysis needs.

    Args:
        filename: the file's name (its extension tells the format: .xlsx or .json).
        content: the file's bytes.
        sector: the enterprise's sector.
        enterprise: the enterprise's name or description.
        processes: its process names, separated by 、 , ; or lines.
    """

    filename: str
    content: bytes
    sector: str = ""
    enterprise: str = ""
    processes: str = ""


@dataclass(frozen=True)
class DocumentUpload:
    """One of an enterprise's documents (工艺流程说明, 安全操作规程, 环评报告表, 排污许可证副本, 设备清单).

    Args:
        filename: the file's name: the provenance of what is read from it; its extension tells the format
            (.pdf, .docx, .md, .txt, .xlsx).
        content: the file's bytes.
    """

    filename: str
    content: bytes


class ApiError(Exception):
    """A failed API call, with a message fit to show to the user.

    Args:
        message: what went wrong, in words.
        status: the HTTP status, if the API answered.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class SessionExpiredError(ApiError):
    """The token is no longer accepted (401): log in again."""


def open_http(base_url: str, *, timeout: float = DEFAULT_TIMEOUT) -> httpx.Client:
    """A pooled HTTP client for the API at ``base_url`` (shared by all sessions of the UI)."""
    return httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, headers={"Accept": "application/json"})


def _problem_message(response: httpx.Response) -> str:
    prefix = _STATUS_TEXT.get(response.status_code, f"请求失败（HTTP {response.status_code}）")
    detail = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        detail = str(body.get("detail") or body.get("title") or "")
    elif response.text and len(response.text) < 300:
        detail = response.text
    retry = response.headers.get("Retry-After")
    if response.status_code == 429 and retry:
        detail = f"请 {retry} 秒后再试。{detail}"
    return f"{prefix}：{detail}" if detail else prefix


def _path(*parts: str) -> str:
    """A URL path from segments, each percent-encoded (clause ids hold ``#``, names hold Chinese)."""
    return "/" + "/".join(quote(p, safe="") for p in parts)


class ApiClient:
    """Typed calls of the hsekg API.

    Args:
        http: a client whose ``base_url`` is the API (see :func:`open_http`); shared, not closed here.
        token: the bearer token of the logged-in user, if any.
    """

    def __init__(self, http: httpx.Client, *, token: str | None = None) -> None:
        self._http = http
        self.token = token

    @property
    def base_url(self) -> str:
        """The API's address."""
        return str(self._http.base_url)

    def _request(self, method: str, path: str, *, timeout: float | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            limit = timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT
            response = self._http.request(method, path, headers=headers, timeout=limit, **kwargs)
        except httpx.TimeoutException as e:
            raise ApiError(f"API 服务响应超时（{self.base_url}{path}），请稍后重试") from e
        except httpx.HTTPError as e:
            raise ApiError(f"无法连接 API 服务 {self.base_url}：{e}") from e
        if response.status_code == 401 and self.token:
            raise SessionExpiredError("登录已过期或账号已停用，请重新登录", status=401)
        if response.is_error:
            raise ApiError(_problem_message(response), status=response.status_code)
        return response

    def _get(self, path: str, model: type[M], *, params: Mapping[str, Any] | None = None) -> M:
        return _parse(self._request("GET", path, params=_clean(params)), model)

    def _post(self, path: str, model: type[M], *, json: Any = None, timeout: float | None = None) -> M:
        return _parse(self._request("POST", path, json=json, timeout=timeout), model)

    # --- identity -------------------------------------------------------------------------------

    def login(self, username: str, password: str) -> TokenOut:
        """Log in (OAuth2 password form); the token is kept on the client and returned with its lifetime.

        Raises:
            ApiError: wrong credentials (401), too many attempts (429), API unreachable.
        """
        self.token = None
        response = self._request("POST", "/auth/token", data={"username": username, "password": password})
        try:
            granted = TokenOut.model_validate(response.json())
        except ValueError as e:
            raise ApiError("登录响应中没有令牌") from e
        if not granted.access_token:
            raise ApiError("登录响应中没有令牌")
        self.token = granted.access_token
        return granted

    def me(self) -> UserOut:
        """The logged-in user: username, role, enterprise, department."""
        return self._get("/auth/me", UserOut)

    # --- review queue ---------------------------------------------------------------------------

    def run_change(self, scenario: ChangeScenario) -> ProposalRunOut:
        """Propose indicators for a change and store them in the review queue."""
        body = {"scenario": scenario.model_dump(mode="json")}
        return self._post("/proposals/runs", ProposalRunOut, json=body, timeout=LONG_TIMEOUT)

    def proposals(
        self,
        *,
        status: str | None = None,
        sector: str | None = None,
        process: str | None = None,
        source: str | None = None,
        run_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[ProposalOut]:
        """A page of the enterprise's proposals, filtered."""
        params = {"status": status, "sector": sector, "process": process, "source": source, "run_id": run_id}
        return self._get("/proposals", Page[ProposalOut], params={**params, "limit": limit, "offset": offset})

    def proposal_facets(self) -> ProposalFacetsOut:
        """The statuses, sectors and sources present in the queue."""
        return self._get("/proposals/facets", ProposalFacetsOut)

    def proposal(self, proposal_id: str) -> ProposalOut:
        """One proposal with its chain and verdicts."""
        return self._get(_path("proposals", proposal_id), ProposalOut)

    def decisions(self, proposal_id: str) -> list[DecisionOut]:
        """The decisions taken on a proposal, oldest first."""
        response = self._request("GET", _path("proposals", proposal_id, "decisions"))
        return _parse_list(response, DecisionOut)

    def decide(
        self, proposal_id: str, decision: str, *, comment: str = "", changes: Mapping[str, Any] | None = None
    ) -> ProposalOut:
        """Approve, reject (comment required) or edit (changes required) a proposal."""
        body: dict[str, Any] = {"decision": decision, "comment": comment}
        if changes:
            body["changes"] = dict(changes)
        return self._post(_path("proposals", proposal_id, "decision"), ProposalOut, json=body)

    def decide_many(self, ids: list[str], decision: str, *, comment: str = "") -> list[BulkResult]:
        """Approve or reject several proposals; each succeeds or fails on its own."""
        body = {"ids": ids, "decision": decision, "comment": comment}
        response = self._request("POST", "/proposals/decisions", json=body)
        return _parse_list(response, BulkResult, field="results")

    # --- gaps and impact ------------------------------------------------------------------------

    def enterprise_rules(self, enterprise_id: str) -> GapScenario:
        """The stored 考核细则 and processes of an enterprise."""
        return self._get(_path("enterprises", enterprise_id, "rules"), GapScenario)

    def gaps(self, scenario: GapScenario, *, send_to_review: bool = False) -> GapRunOut:
        """The rule gaps of an indicator set (optionally sending the suggestions to the review queue)."""
        body = {"scenario": scenario.model_dump(mode="json"), "send_to_review": send_to_review}
        return self._post("/gaps", GapRunOut, json=body, timeout=LONG_TIMEOUT)

    def gaps_upload(self, upload: RulesUpload, *, send_to_review: bool = False) -> GapRunOut:
        """The rule gaps of an uploaded 考核细则 (.xlsx or .json)."""
        data = {
            "sector": upload.sector,
            "enterprise": upload.enterprise,
            "processes": upload.processes,
            "send_to_review": "true" if send_to_review else "false",
        }
        files = {"file": (upload.filename, upload.content)}
        response = self._request("POST", "/gaps/upload", files=files, data=data, timeout=LONG_TIMEOUT)
        return _parse(response, GapRunOut)

    def impact(self, regulation_id: str) -> ImpactReport:
        """The impact of a replaced regulation on the indicator set, with re-citation proposals."""
        return self._get(_path("impact", regulation_id), ImpactReport)

    # --- enterprise process map ---------------------------------------------------------------

    def import_enterprise(
        self, documents: Sequence[DocumentUpload], *, name: str = "", sector: str = ""
    ) -> EnterpriseImport:
        """Import documents as the caller's enterprise's process map (stored as its next version when they
        differ from the stored ones): the steps mapped onto templates, and a report per document."""
        data = {k: v for k, v in (("name", name), ("sector", sector)) if v}
        response = self._request(
            "POST", "/enterprises/import", files=_files(documents), data=data, timeout=LONG_TIMEOUT
        )
        return _parse(response, EnterpriseImport)

    def enterprise(self, enterprise_id: str) -> EnterpriseView:
        """The stored enterprise: its facts, its steps with their mapping and confirmation, its versions."""
        return self._get(_path("enterprises", enterprise_id), EnterpriseView)

    def enterprise_profile(self, enterprise_id: str) -> EnterpriseProfile:
        """The enterprise profile read from the graph, as the gap and change analyses take it."""
        return self._get(_path("enterprises", enterprise_id, "profile"), EnterpriseProfile)

    def confirm_mapping(self, enterprise_id: str, confirmation: MappingConfirmation) -> ConfirmationResult:
        """Accept the mapping of all or some steps, or correct it (another template, new, renamed)."""
        body = confirmation.model_dump(mode="json", exclude_none=True)
        return self._post(_path("enterprises", enterprise_id, "confirm"), ConfirmationResult, json=body)

    def enterprise_diff(self, enterprise_id: str, documents: Sequence[DocumentUpload]) -> EnterpriseDiff:
        """Compare a new version of the documents with the stored one (nothing stored): the differences
        and the change scenarios they lead to."""
        path = _path("enterprises", enterprise_id, "diff")
        response = self._request("POST", path, files=_files(documents), timeout=LONG_TIMEOUT)
        return _parse(response, EnterpriseDiff)

    # --- knowledge ------------------------------------------------------------------------------

    def regulations(self, *, limit: int = 200, offset: int = 0) -> Page[NodeOut]:
        """A page of regulations."""
        return self._get("/regulations", Page[NodeOut], params={"limit": limit, "offset": offset})

    def clause_text(self, law: str, article: int) -> ClauseTextOut:
        """The text of article ``article`` of regulation ``law``."""
        return self._get(_path("clauses", f"{law}#{article}", "text"), ClauseTextOut)

    def processes(self, *, limit: int = 200, offset: int = 0) -> Page[NodeOut]:
        """A page of processes."""
        return self._get("/processes", Page[NodeOut], params={"limit": limit, "offset": offset})

    def process_graph(self, process_id: str) -> ProcessGraphOut:
        """A process with its risks, their obligations and the indicators measuring them."""
        return self._get(_path("processes", process_id, "graph"), ProcessGraphOut)

    def process_risk_map(self, process_id: str) -> ProcessRiskMap:
        """A process's risks, their duties and clauses, and the indicators measuring them."""
        return self._get(_path("processes", process_id, "risk-map"), ProcessRiskMap)

    def flow(self, enterprise_id: str) -> ProcessFlow:
        """The enterprise's processes in flow order (its imported map, else its sector's templates)."""
        return self._get(_path("enterprises", enterprise_id, "flow"), ProcessFlow)

    def ask(self, question: str, *, k: int = 8) -> Answer:
        """An answer with article-level citations (or an abstention)."""
        return self._post("/qa", Answer, json={"question": question, "k": k}, timeout=LONG_TIMEOUT)

    # --- scores ---------------------------------------------------------------------------------

    def run_scores(self, period: str) -> ScoreSummary:
        """Score a period for the enterprise."""
        return self._post(_path("scores", period, "run"), ScoreSummary, timeout=LONG_TIMEOUT)

    def scores(self, period: str, *, level: str | None = None, unit_id: str | None = None) -> PeriodReport:
        """The report of a scored period."""
        return self._get(_path("scores", period), PeriodReport, params={"level": level, "unit_id": unit_id})

    def records(
        self,
        *,
        level: str | None = None,
        unit_id: str | None = None,
        indicator_id: str | None = None,
        period: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[RecordOut]:
        """A page of the enterprise's inspection records (the drill-down of a score)."""
        params: dict[str, Any] = {"level": level, "unit_id": unit_id, "indicator_id": indicator_id, "period": period}
        params |= {"limit": limit, "offset": offset}
        return self._get("/records", Page[RecordOut], params=params)

    def scorecard_xlsx(self, period: str) -> bytes:
        """The scorecards of a period as an Excel workbook."""
        return self._request("GET", _path("exports", "scorecard", f"{period}.xlsx"), timeout=LONG_TIMEOUT).content


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Query parameters without the unset ones."""
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None and v != ""}


def _files(documents: Sequence[DocumentUpload]) -> list[tuple[str, tuple[str, bytes]]]:
    """The multipart ``files`` field of an upload (the API takes the file names as provenance)."""
    return [("files", (d.filename, d.content)) for d in documents]


def _parse(response: httpx.Response, model: type[M]) -> M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as e:
        raise ApiError(f"API 返回了无法识别的数据（{response.request.url.path}）：{e.error_count()} 处不符") from e


def _parse_list(response: httpx.Response, model: type[M], *, field: str | None = None) -> list[M]:
    try:
        data = response.json()
        items = data[field] if field is not None else data
        return TypeAdapter(list[model]).validate_python(items)  # type: ignore[valid-type]
    except (ValueError, KeyError, TypeError, ValidationError) as e:
        raise ApiError(f"API 返回了无法识别的数据（{response.request.url.path}）") from e
