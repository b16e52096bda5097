"""Indicators drafted by a chat model (a scripted OpenAI-compatible server on 127.0.0.1): they replace the
templated drafts, cite only their duty's article, and are judged by the same validator; a failing or
malformed model leaves the templates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.change.inputs import ChangeScenario
from retrieval.change.llm_drafts import LlmIndicatorDrafter
from retrieval.change.proposals import ChangeProposer
from retrieval.llm import OpenAICompatibleChat
from tests.retrieval.scripted_llm import ScriptedChat, serve
from tests.retrieval.test_proposals import SCENARIO, Env, build_env


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return build_env(tmp_path)


def _proposer(env: Env, url: str) -> ChangeProposer:
    chat = OpenAICompatibleChat(url, "scripted", "k", timeout=5)
    return ChangeProposer(env.catalog, env.clauses, llm=LlmIndicatorDrafter(chat, env.catalog))


def _reply(*drafts: dict[str, object]) -> str:
    return json.dumps({"indicators": list(drafts)}, ensure_ascii=False)


GOOD = {
    "duty": "ob_pipe",
    "name": "暗管偷排排查发现次数",
    "metric": "月度排查发现的暗管、渗井数",
    "target": 0,
    "comparator": "<=",
    "unit": "次",
    "bands": {"excellent": 0, "qualified": 0},
    "level": "部门",
    "method": "月度考核",
    "data_source": "雨污管网排查记录",
    "owner": "环保部经理",
    "law": "示例污染防治法",
    "article": 99,
}


def test_the_models_draft_replaces_the_template_and_cites_its_duty_only(env: Env) -> None:
    strayed = {**GOOD, "duty": "ob_elsewhere", "name": "与本次变更无关的指标"}
    script = ScriptedChat(_reply(GOOD, strayed))
    with serve(script) as url:
        proposal = _proposer(env, url).run(ChangeScenario.model_validate(SCENARIO))
    drafted = next(i for i in proposal.indicators if i.source == "llm")
    assert drafted.name == "暗管偷排排查发现次数" and drafted.duty_ids == ["ob_pipe"]
    assert [c.key for c in drafted.cites] == ["示例法典#3"]  # the duty's article, not what the model wrote
    assert drafted.valid and {v.rule for v in drafted.verdicts} >= {"citation", "not_weaker_than_law", "fits_change"}
    assert all(i.source != "template" for i in proposal.indicators if i.duty_ids == ["ob_pipe"])
    assert proposal.model == "scripted" and any("ob_elsewhere" in n for n in proposal.notes)
    sent = script.requests[0]["messages"][1]["content"]
    assert "[ob_pipe]" in sent and "[ob_ledger]" not in sent  # only duties without a library indicator


def test_a_draft_weaker_than_the_law_is_shown_with_its_failure(env: Env) -> None:
    weak = {**GOOD, "target": 2, "bands": {"excellent": 0, "qualified": 2}}
    with serve(ScriptedChat(_reply(weak))) as url:
        proposal = _proposer(env, url).run(ChangeScenario.model_validate(SCENARIO))
    drafted = next(i for i in proposal.indicators if i.source == "llm")
    assert not drafted.valid and "not_weaker_than_law" in {v.rule for v in drafted.failures}


@pytest.mark.parametrize("reply", ["这不是JSON", ("status", 500)])
def test_a_failing_model_leaves_the_templates(env: Env, reply: object) -> None:
    with serve(ScriptedChat(reply)) as url:
        proposal = _proposer(env, url).run(ChangeScenario.model_validate(SCENARIO))
    assert any(i.source == "template" and i.duty_ids == ["ob_pipe"] for i in proposal.indicators)
    assert all(i.source != "llm" for i in proposal.indicators)
    assert proposal.notes and proposal.notes[0].startswith("模型草拟失败")
