"""The LLM path against a scripted OpenAI-compatible server: good, malformed, made-up, slow, failing."""

from __future__ import annotations

import json

import pytest

from kg.errors import LLMError
from retrieval.answer import Answerer
from retrieval.llm import LlmAnswerWriter, OpenAICompatibleChat
from tests.retrieval.scripted_llm import ScriptedChat, serve
from tests.retrieval.test_answer import answerer  # noqa: F401 - fixture

CLAUSES = [
    ("示例法典", 2, "排污单位应当按照排污许可证的规定排放污染物，建立环境管理台账。"),
    ("示例法典", 3, "禁止暗管排污。"),
]


def good(*refs: tuple[str, int]) -> str:
    cites = [{"law": law, "article": article} for law, article in refs]
    return json.dumps({"answer": "排污单位应当建立环境管理台账。", "citations": cites}, ensure_ascii=False)


def writer(url: str, timeout: float = 5.0) -> LlmAnswerWriter:
    return LlmAnswerWriter(OpenAICompatibleChat(url, "scripted", "key", timeout=timeout))


def test_answer_and_citations_from_the_retrieved_clauses_only() -> None:
    script = ScriptedChat(good(("示例法典", 2)))
    with serve(script) as url:
        result = writer(url).write("要建台账吗？", CLAUSES)
    assert result.answer.startswith("排污单位") and [(c.law, c.article) for c in result.citations] == [("示例法典", 2)]
    prompt = script.requests[0]["messages"][1]["content"]
    assert "[1] 《示例法典》第2条" in prompt and "要建台账吗" in prompt


def test_made_up_citation_is_removed_and_reported() -> None:
    with serve(ScriptedChat(good(("示例法典", 2), ("安全生产法", 999)))) as url:
        result = writer(url).write("要建台账吗？", CLAUSES)
    assert [(c.law, c.article) for c in result.citations] == [("示例法典", 2)]
    assert result.removed == ["《安全生产法》第999条"]


def test_fenced_json_is_accepted() -> None:
    with serve(ScriptedChat("```json\n" + good(("示例法典", 3)) + "\n```")) as url:
        assert writer(url).write("q", CLAUSES).citations[0].article == 3


@pytest.mark.parametrize("reply", ["这不是JSON", json.dumps({"citations": []}), json.dumps({"answer": ""})])
def test_malformed_output_is_an_llm_error(reply: str) -> None:
    with serve(ScriptedChat(reply)) as url, pytest.raises(LLMError, match="malformed LLM output"):
        writer(url).write("q", CLAUSES)


def test_timeout_is_an_llm_error() -> None:
    with serve(ScriptedChat(("sleep", 3.0, good(("示例法典", 2))))) as url, pytest.raises(LLMError, match="failed"):
        writer(url, timeout=0.5).write("q", CLAUSES)


def test_server_error_is_an_llm_error() -> None:
    with serve(ScriptedChat(("status", 500))) as url, pytest.raises(LLMError, match="failed"):
        writer(url).write("q", CLAUSES)


def test_answerer_keeps_only_retrieved_citations_and_flags_the_rest(answerer: Answerer) -> None:  # noqa: F811
    with serve(ScriptedChat(good(("示例法典", 2), ("示例法典", 99)))) as url:
        answerer.writer = writer(url)
        answer = answerer.ask("排污单位要不要建环境管理台账？")
    assert answer.answer == "排污单位应当建立环境管理台账。" and answer.llm_model == "scripted"
    assert (answer.citations[0].law, answer.citations[0].article) == ("示例法典", 2)
    assert all(c.article != 99 for c in answer.citations)
    assert answer.flags == ["removed_citation: 《示例法典》第99条 was not among the retrieved articles"]


def test_answerer_falls_back_to_the_extractive_answer(answerer: Answerer) -> None:  # noqa: F811
    with serve(ScriptedChat("garbage")) as url:
        answerer.writer = writer(url)
        answer = answerer.ask("排污单位要不要建环境管理台账？")
    assert not answer.abstained and answer.answer.startswith("依据《示例法典》第2条")
    assert answer.flags and answer.flags[0].startswith("llm_failed: malformed LLM output")
