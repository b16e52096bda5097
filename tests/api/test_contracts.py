"""The wire models of :mod:`api.contracts` against the domain models they stand for.

Each pair must have one JSON schema (in both modes) and the same configuration, so a field added,
removed or changed on one side only fails here; representative domain objects convert into their wire
models and back without loss (:mod:`api.http.mapping`); the OpenAPI document's schemas are the domain
models' schemas under the same names; the routes declare only contract models; and the contract modules
import nothing of the project but themselves.
"""

from __future__ import annotations

import ast
import inspect
import sys
import typing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.models import Schema
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

import api.contracts
import api.services.enterprises as enterprise_service
import ingestion.enterprise.models as extraction
import retrieval.answer as answer
import retrieval.change.catalog as catalog
import retrieval.change.gaps as gaps
import retrieval.change.impact as impact
import retrieval.change.inputs as inputs
import retrieval.change.models as change_models
import retrieval.enterprise_mapping as mapping_models
import scoring.reports as reports
import scoring.schemas as scoring_schemas
import scoring.service as scoring_service
from api.contracts import change, enterprises, qa, records, scores
from api.http import mapping
from api.http.app import create_app
from api.http.routes import ROUTERS
from api.settings import Settings
from kg import models as kg_models

#: (wire model, domain model): every domain model the API sends or takes.
PAIRS: list[tuple[type[BaseModel], type[BaseModel]]] = [
    (qa.Successor, answer.Successor),
    (qa.Citation, answer.Citation),
    (qa.Duty, answer.Duty),
    (qa.Answer, answer.Answer),
    (change.LawArticle, inputs.LawArticle),
    (change.ProcessInput, inputs.ProcessInput),
    (change.CurrentIndicator, inputs.CurrentIndicator),
    (change.EnterpriseProfile, inputs.EnterpriseProfile),
    (change.ChangeRequest, inputs.ChangeRequest),
    (change.ChangeScenario, inputs.ChangeScenario),
    (change.GapScenario, inputs.GapScenario),
    (change.RatingBands, kg_models.RatingBands),
    (change.ProcessMatch, change_models.ProcessMatch),
    (change.RiskProposal, change_models.RiskProposal),
    (change.ObligationProposal, change_models.ObligationProposal),
    (change.Verdict, change_models.Verdict),
    (change.IndicatorProposal, change_models.IndicatorProposal),
    (change.Coverage, gaps.Coverage),
    (change.StaleCitation, gaps.StaleCitation),
    (change.GapReport, gaps.GapReport),
    (change.Successor, catalog.Successor),
    (change.ImpactedCitation, impact.ImpactedCitation),
    (change.ImpactReport, impact.ImpactReport),
    (enterprises.Provenance, extraction.Provenance),
    (enterprises.ExtractedProcess, extraction.ExtractedProcess),
    (enterprises.ExtractedMaterial, extraction.ExtractedMaterial),
    (enterprises.ExtractedEquipment, extraction.ExtractedEquipment),
    (enterprises.ExtractedPollutant, extraction.ExtractedPollutant),
    (enterprises.DocumentReport, extraction.DocumentReport),
    (enterprises.EnterpriseExtraction, extraction.EnterpriseExtraction),
    (enterprises.ProcessChange, extraction.ProcessChange),
    (enterprises.ExtractionDiff, extraction.ExtractionDiff),
    (enterprises.ProcessMapping, mapping_models.ProcessMapping),
    (enterprises.EnterpriseImport, mapping_models.EnterpriseImport),
    (enterprises.MappingCorrection, enterprise_service.MappingCorrection),
    (enterprises.MappingConfirmation, enterprise_service.MappingConfirmation),
    (enterprises.VersionInfo, enterprise_service.VersionInfo),
    (enterprises.EnterpriseView, enterprise_service.EnterpriseView),
    (enterprises.ConfirmationResult, enterprise_service.ConfirmationResult),
    (enterprises.EnterpriseDiff, enterprise_service.EnterpriseDiff),
    (records.RecordIn, scoring_schemas.RecordIn),
    (records.BatchIn, scoring_schemas.BatchIn),
    (records.RecordResult, scoring_schemas.RecordResult),
    (records.BatchResult, scoring_schemas.BatchResult),
    (scores.IndicatorResult, scoring_schemas.IndicatorResult),
    (scores.UnitResult, scoring_schemas.UnitResult),
    (scores.EvidenceRecord, reports.EvidenceRecord),
    (scores.FailingIndicator, reports.FailingIndicator),
    (scores.Trend, reports.Trend),
    (scores.UnitReport, reports.UnitReport),
    (scores.PeriodReport, reports.PeriodReport),
    (scores.ScoreSummary, scoring_service.ScoreSummary),
]

_CONFIG_KEYS = ("extra", "frozen", "strict", "from_attributes", "populate_by_name", "validate_default")


def _name(pair: tuple[type[BaseModel], type[BaseModel]]) -> str:
    return f"{pair[1].__module__}.{pair[1].__qualname__}"


@pytest.mark.parametrize("pair", PAIRS, ids=_name)
@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_wire_model_has_the_domain_models_schema(pair: tuple[type[BaseModel], type[BaseModel]], mode: str) -> None:
    wire, domain = pair
    assert wire.__name__ == domain.__name__
    assert wire.model_json_schema(mode=mode) == domain.model_json_schema(mode=mode)  # type: ignore[arg-type]


@pytest.mark.parametrize("pair", PAIRS, ids=_name)
def test_wire_model_has_the_domain_models_configuration(pair: tuple[type[BaseModel], type[BaseModel]]) -> None:
    wire, domain = pair
    assert {k: wire.model_config.get(k) for k in _CONFIG_KEYS} == {k: domain.model_config.get(k) for k in _CONFIG_KEYS}


# --- domain objects into wire models and back ---------------------------------------------------------

_AT = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def _source(page: int | None = 1) -> extraction.Provenance:
    return extraction.Provenance(file="工艺流程说明.pdf", page=page, paragraph=3, cell="")


def _indicator(ok: bool = True) -> change_models.IndicatorProposal:
    return change_models.IndicatorProposal(
        name="动火作业审批率",
        level="岗位",
        target=100.0,
        comparator=">=",
        unit="%",
        bands=kg_models.RatingBands(excellent=100.0, qualified=95.0),
        cites=[inputs.LawArticle(law="安全生产法", article=41)],
        duty_ids=["d1"],
        risk_ids=["r1"],
        library_id="ind_hot_work",
        score=0.8,
        chain=["新增喷涂线", "火灾", "动火审批", "动火作业审批率"],
        verdicts=[
            change_models.Verdict(rule="citation", ok=True, reason="现行有效"),
            change_models.Verdict(rule="measurable", ok=ok, reason="可量化", suggestion="" if ok else "补充目标值"),
        ],
    )


def _obligation() -> change_models.ObligationProposal:
    return change_models.ObligationProposal(
        duty_id="d1",
        law="安全生产法",
        article=41,
        quote="生产经营单位应当……",
        subject="生产经营单位",
        modality="应当",
        action="建立安全风险分级管控制度",
        score=0.9,
        risks=["火灾"],
        history=[inputs.LawArticle(law="安全生产法2014", article=38)],
        evidence=["关键词：动火"],
    )


def _risk() -> change_models.RiskProposal:
    return change_models.RiskProposal(id="r1", name="火灾", category="消防", score=0.7, conditions=["使用易燃溶剂"])


def _scenario() -> inputs.ChangeScenario:
    process = inputs.ProcessInput(stage="表面处理", name="喷涂", description="喷漆房内人工喷涂")
    return inputs.ChangeScenario(
        sector="汽车零部件",
        enterprise="某汽车零部件公司",
        processes_before=[inputs.ProcessInput(name="数控车削")],
        change=inputs.ChangeRequest(type="add_process", description="新增一条喷涂线", process=process),
        permit_class="简化管理",
    )


def _gap_scenario() -> inputs.GapScenario:
    current = inputs.CurrentIndicator(
        name="动火审批率", target="100%", cites=[inputs.LawArticle(law="消防法", article=16)]
    )
    return inputs.GapScenario(
        id="e1", sector="机械加工", processes=[inputs.ProcessInput(name="焊接")], indicators=[current]
    )


def _mapping(confirmed: bool = False) -> mapping_models.ProcessMapping:
    return mapping_models.ProcessMapping(
        name="喷涂",
        stage="表面处理",
        order=2,
        source=_source(),
        status="matched",
        template_id="p_spray",
        template_name="喷涂",
        matches=[change_models.ProcessMatch(template_id="p_spray", name="喷涂", score=3.0, evidence=["名称"])],
        candidate_risks=[_risk()],
        score=3.0,
        id="E1/喷涂",
        confirmed=confirmed,
        confirmed_by="expert" if confirmed else "",
        confirmed_at="2026-10-05T09:00:00+00:00" if confirmed else "",
    )


def _extraction() -> extraction.EnterpriseExtraction:
    process = extraction.ExtractedProcess(name="喷涂", stage="表面处理", order=2, source=_source())
    return extraction.EnterpriseExtraction(
        name="某公司",
        processes=[process],
        materials=[extraction.ExtractedMaterial(name="二甲苯", hazardous=True, reason="危化品", source=_source())],
        equipment=[extraction.ExtractedEquipment(name="叉车", special=True, category="场内机动车辆", source=_source())],
        pollutants=[extraction.ExtractedPollutant(name="VOCs", kind="废气", outlet="DA001", source=_source(None))],
        outlets=["DA001"],
        headcount=120,
        headcount_source=_source(),
        permit_class="简化管理",
        documents=[
            extraction.DocumentReport(file="工艺流程说明.pdf", kind="工艺", status="extracted", counts={"工序": 1})
        ],
    )


def _diff() -> extraction.ExtractionDiff:
    before = extraction.ExtractedProcess(name="焊接", order=1, source=_source())
    after = before.model_copy(update={"order": 2})
    return extraction.ExtractionDiff(
        added=[extraction.ExtractedProcess(name="喷涂", source=_source())],
        changed=[extraction.ProcessChange(name="焊接", before=before, after=after, fields=["order"])],
        new_materials=_extraction().materials,
    )


def _view() -> enterprise_service.EnterpriseView:
    return enterprise_service.EnterpriseView(
        id="E1",
        name="某公司",
        version=2,
        processes=[_mapping(confirmed=True), _mapping()],
        pending=1,
        versions=[enterprise_service.VersionInfo(version=2, imported_at="t", imported_by="u", files=["a.pdf"])],
        diff=_diff(),
        extraction=_extraction(),
    )


def _unit_report() -> reports.UnitReport:
    result = scoring_schemas.IndicatorResult(
        indicator_id="i1",
        name="动火作业审批率",
        value=80.0,
        target=100.0,
        comparator=">=",
        unit="%",
        grade="待改进",
        weight=1.0,
        veto=False,
        n_records=5,
    )
    unit = scoring_schemas.UnitResult(
        period="2026-10",
        level="岗位",
        unit_id="P1",
        name="焊工",
        parent_id="D1",
        score=80.0,
        grade="待改进",
        veto_failed=False,
        n_failing=1,
        n_unmeasured=0,
    )
    record = reports.EvidenceRecord(kind="inspection", record_id=7, observed_at=_AT, outcome="fail", source="mobile")
    failing = reports.FailingIndicator(indicator=result, records=[record], failing_records=1)
    trend = reports.Trend(
        previous_period="2026-09", previous_score=90.0, previous_grade="合格", delta=-10.0, direction="下降"
    )
    return reports.UnitReport(unit=unit, indicators=[result], failing=[failing], unmeasured=[], trend=trend)


def _period_report() -> reports.PeriodReport:
    return reports.PeriodReport(period="2026-10", kind="月度", units=[_unit_report()])


#: (domain object, wire model) for each kind of result a route returns.
RESULTS: list[tuple[BaseModel, type[BaseModel]]] = [
    (
        answer.Answer(
            question="动火作业前需要办理什么手续？",
            answer="应当办理动火审批。",
            abstained=False,
            citations=[
                answer.Citation(
                    law="安全生产法",
                    article=41,
                    topic="风险分级管控",
                    quote="生产经营单位应当……",
                    status="已废止",
                    current=False,
                    successor=answer.Successor(law="生态环境法典", article=12, score=0.8),
                    score=3.2,
                )
            ],
            duties=[answer.Duty(law="安全生产法", article=41, subject="生产经营单位", modality="应当", action="审批")],
            risks=[{"id": "r1", "name": "火灾"}],
            indicators=[{"id": "i1", "name": "动火作业审批率"}],
            flags=["repealed"],
            llm_model="qwen",
            ms=12.5,
        ),
        qa.Answer,
    ),
    (_indicator(ok=False), change.IndicatorProposal),
    (_obligation(), change.ObligationProposal),
    (_risk(), change.RiskProposal),
    (_gap_scenario(), change.GapScenario),
    (
        gaps.GapReport(
            id="e1",
            conditions={"permit": ["排污许可"]},
            covered=[
                gaps.Coverage(duty_id="d1", law="消防法", article=16, covered_by=["动火审批率"], reasons=["引用"])
            ],
            gaps=[gaps.Coverage(duty_id="d2", law="安全生产法", article=41, risk="火灾", score=0.9)],
            suggestions=[_indicator()],
            stale_citations=[
                gaps.StaleCitation(
                    indicator="x",
                    law="大气污染防治法",
                    article=3,
                    status="已废止",
                    successor=inputs.LawArticle(law="生态环境法典", article=9),
                    score=0.7,
                )
            ],
            ms=3.0,
        ),
        change.GapReport,
    ),
    (
        impact.ImpactReport(
            regulation="大气污染防治法",
            status="已废止",
            replaced_by="生态环境法典",
            citations=[
                impact.ImpactedCitation(
                    indicator_id="i1",
                    indicator="VOCs 达标排放率",
                    law="大气污染防治法",
                    article=3,
                    successors=[catalog.Successor(law="生态环境法典", article=9, score=0.7, reason="主旨相同")],
                    proposal="改引《生态环境法典》第9条",
                )
            ],
            unmapped=["大气污染防治法#4"],
        ),
        change.ImpactReport,
    ),
    (
        mapping_models.EnterpriseImport(
            profile=inputs.EnterpriseProfile(
                sector="机械加工", processes=[inputs.ProcessInput(name="喷涂")], headcount=3
            ),
            mappings=[_mapping()],
            extraction=_extraction(),
            enterprise_id="E1",
            version=1,
            diff=_diff(),
        ),
        enterprises.EnterpriseImport,
    ),
    (_view(), enterprises.EnterpriseView),
    (
        enterprise_service.ConfirmationResult(
            before=[_mapping()], after=[_mapping(confirmed=True)], enterprise=_view()
        ),
        enterprises.ConfirmationResult,
    ),
    (
        enterprise_service.EnterpriseDiff(enterprise_id="E1", version=2, diff=_diff(), scenarios=[_scenario()]),
        enterprises.EnterpriseDiff,
    ),
    (scoring_schemas.RecordResult(client_id="c1", status="rejected", reason="unknown unit"), records.RecordResult),
    (
        scoring_schemas.BatchResult(
            batch_id="b1",
            received_at=_AT,
            clock_skew_s=1.5,
            results=[scoring_schemas.RecordResult(client_id="c1", status="accepted", record_id=3)],
            accepted=1,
            duplicates=0,
            rejected=0,
        ),
        records.BatchResult,
    ),
    (_period_report(), scores.PeriodReport),
    (
        scoring_service.ScoreSummary(
            period="2026-10",
            kind="月度",
            seconds=0.5,
            report=_period_report(),
            positions_by_grade={"待改进": 1},
            failing_positions=["P1"],
        ),
        scores.ScoreSummary,
    ),
]


def _properties(cls: type) -> list[str]:
    return sorted(
        name
        for klass in cls.__mro__
        if klass not in (BaseModel, object)
        for name, value in vars(klass).items()
        if isinstance(value, property)
    )


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _same_properties(wire: BaseModel, domain: BaseModel) -> None:
    """Every convenience property of the wire model (the UI's) gives what the domain model's gives."""
    for name in _properties(type(wire)):
        assert _plain(getattr(wire, name)) == _plain(getattr(domain, name)), name
    for field in type(wire).model_fields:
        inner = getattr(wire, field)
        if isinstance(inner, BaseModel):
            _same_properties(inner, getattr(domain, field))
        elif isinstance(inner, list):
            for w, d in zip(inner, getattr(domain, field), strict=True):
                if isinstance(w, BaseModel):
                    _same_properties(w, d)


@pytest.mark.parametrize(("obj", "model"), RESULTS, ids=lambda v: getattr(v, "__name__", type(v).__name__))
def test_a_domain_result_becomes_its_wire_model_unchanged(obj: BaseModel, model: type[BaseModel]) -> None:
    wire = mapping.to_wire(obj, model)
    assert type(wire) is model
    assert wire.model_dump(mode="json") == obj.model_dump(mode="json")
    assert wire.model_dump_json() == obj.model_dump_json()
    _same_properties(wire, obj)


def test_results_map_in_order() -> None:
    wires = mapping.to_wire_list([_risk(), _risk().model_copy(update={"id": "r2"})], change.RiskProposal)
    assert [type(w) for w in wires] == [change.RiskProposal] * 2 and [w.id for w in wires] == ["r1", "r2"]


def test_request_bodies_become_the_domain_inputs_unchanged() -> None:
    scenario = change.ChangeScenario.model_validate(_scenario().model_dump(mode="json"))
    domain_scenario = mapping.change_scenario_in(scenario)
    assert type(domain_scenario) is inputs.ChangeScenario
    assert domain_scenario == _scenario() and domain_scenario.profile() == _scenario().profile()

    gap = mapping.gap_scenario_in(change.GapScenario.model_validate(_gap_scenario().model_dump(mode="json")))
    assert type(gap) is inputs.GapScenario and gap == _gap_scenario()

    body = {"accept": ["E1/染色"], "corrections": [{"process_id": "E1/化料", "new": True, "name": "化料"}]}
    confirmation = mapping.confirmation_in(enterprises.MappingConfirmation.model_validate(body))
    assert confirmation == enterprise_service.MappingConfirmation.model_validate(body)

    record = {"client_id": "c1", "indicator_id": "i1", "level": "岗位", "unit_id": "P1", "observed_at": _AT, "value": 3}
    assert mapping.record_in(records.RecordIn.model_validate(record)) == scoring_schemas.RecordIn.model_validate(record)
    batch = {"batch_id": "b1", "device_id": "pad7", "sent_at": _AT, "records": [record]}
    assert mapping.batch_in(records.BatchIn.model_validate(batch)) == scoring_schemas.BatchIn.model_validate(batch)


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (enterprises.MappingConfirmation, {}),
        (enterprises.MappingCorrection, {"process_id": "E1/x", "template_id": "p", "new": True}),
        (enterprises.MappingCorrection, {"process_id": "E1/x"}),
        (records.RecordIn, {"indicator_id": "i", "level": "岗位", "unit_id": "P1", "observed_at": _AT}),
        (records.RecordIn, {"indicator_id": "i", "level": "岗位", "unit_id": "P1", "observed_at": _AT, "numerator": 1}),
        (
            records.BatchIn,
            {
                "batch_id": "b",
                "device_id": "d",
                "sent_at": _AT,
                "records": [{"indicator_id": "i", "level": "岗位", "unit_id": "P1", "observed_at": _AT, "value": 1}],
            },
        ),
        (change.ChangeScenario, {"change": {"type": "add_process", "description": ""}}),
    ],
)
def test_a_request_body_is_refused_as_the_domain_input_refuses_it(
    model: type[BaseModel], body: dict[str, object]
) -> None:
    domain = dict(PAIRS)[model]
    with pytest.raises(ValueError) as wire_error:
        model.model_validate(body)
    with pytest.raises(ValueError) as domain_error:
        domain.model_validate(body)
    assert str(wire_error.value).replace(model.__name__, "") == str(domain_error.value).replace(domain.__name__, "")


# --- the OpenAPI document -----------------------------------------------------------------------------


def test_the_openapi_documents_schemas_are_the_domain_models_schemas_under_their_names(tmp_path: Path) -> None:
    """What the routes published when they returned the domain models: every schema, by the same name (the
    two ``Successor`` schemas keep their module-qualified names)."""
    components = create_app(Settings(data_dir=tmp_path)).openapi()["components"]["schemas"]
    _, top = models_json_schema([(d, "validation") for _, d in PAIRS], ref_template="#/components/schemas/{model}")
    # as FastAPI writes a schema into the document (``None`` values such as ``"default": null`` left out)
    expected = {k: jsonable_encoder(Schema(**v), by_alias=True, exclude_none=True) for k, v in top["$defs"].items()}
    assert {"retrieval__answer__Successor", "retrieval__change__catalog__Successor"} <= set(expected)
    missing = sorted(set(expected) - set(components))
    assert not missing
    for name, schema in expected.items():
        assert components[name] == schema, name


def _models(tp: object, seen: set[type[BaseModel]]) -> None:
    for arg in typing.get_args(tp):
        _models(arg, seen)
    if inspect.isclass(tp) and issubclass(tp, BaseModel) and tp not in seen:
        seen.add(tp)
        for field in tp.model_fields.values():
            _models(field.annotation, seen)


def test_the_routes_take_and_return_only_contract_models() -> None:
    seen: set[type[BaseModel]] = set()
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                _models(route.response_model, seen)
                for param in route.dependant.body_params:
                    _models(param.field_info.annotation, seen)
    assert seen
    origins = {(m.__pydantic_generic_metadata__["origin"] or m) for m in seen}
    outside = sorted(
        f"{m.__module__}.{m.__qualname__}" for m in origins if not m.__module__.startswith("api.contracts")
    )
    assert not outside


# --- what the contracts and the UI import ---------------------------------------------------------------

_PROJECT = {"api", "evals", "ingestion", "kg", "retrieval", "scoring", "ui", "tests"}
_ROOT = Path(api.contracts.__file__).parents[2]


def _imports(package: Path) -> list[tuple[str, str]]:
    """(file, imported module) of every import under ``package``, type-checking ones included."""
    out: list[tuple[str, str]] = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out += [(path.name, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: relative import"
                out.append((path.name, node.module or ""))
    return out


def test_the_contracts_import_only_the_standard_library_pydantic_and_themselves() -> None:
    allowed = set(sys.stdlib_module_names) | {"pydantic", "pydantic_core"}
    wrong = [
        (f, m)
        for f, m in _imports(_ROOT / "api" / "contracts")
        if not (m == "api.contracts" or m.startswith("api.contracts.") or m.split(".")[0] in allowed)
    ]
    assert not wrong


def test_the_ui_imports_of_the_project_only_itself_and_the_contracts() -> None:
    wrong = [
        (f, m)
        for f, m in _imports(_ROOT / "ui")
        if m.split(".")[0] in _PROJECT
        and not (m == "ui" or m.startswith("ui.") or m == "api.contracts" or m.startswith("api.contracts."))
    ]
    assert not wrong


def test_the_wire_and_the_domain_accept_the_same_change_type_names() -> None:
    from retrieval.change import inputs

    assert change.CHANGE_TYPE_NAMES == inputs.CHANGE_TYPE_NAMES
    assert set(inputs.CHANGE_TYPE_NAMES) == set(typing.get_args(inputs.ChangeType))
    for key, names in inputs.CHANGE_TYPE_NAMES.items():
        for name in (key, *names):
            body = {"type": name, "description": "变更"}
            assert change.ChangeRequest.model_validate(body).type == key
            assert inputs.ChangeRequest.model_validate(body).type == key
