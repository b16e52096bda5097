"""Fusion details of the hybrid retriever: sentence evidence, verbatim evidence and the pure baselines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest
from numpy.typing import NDArray

from retrieval.dense import FaissVectorIndex
from retrieval.documents import RetrievalDoc, article_body
from retrieval.hybrid import FusionConfig, HybridRetriever, sentences, verbatim_coverage
from retrieval.lexical import Bm25Index, JiebaTokenizer
from tests.retrieval.fakes import HashingEmbedder

QUOTED = "危险化学品经营企业不得向未经许可从事经营活动的企业采购危险化学品"


def test_sentences_split_on_sentence_ends_and_drop_fragments() -> None:
    text = "某厂发生火灾，造成3人受伤。依据规定，应当如何处罚？好的！"
    assert sentences(text) == ["某厂发生火灾，造成3人受伤", "依据规定，应当如何处罚"]
    assert sentences("只有一句话没有句号") == ["只有一句话没有句号"]
    assert sentences("") == []


def test_verbatim_coverage_counts_quoted_runs_only() -> None:
    article = f"第一款略。{QUOTED}，违反的依法处罚。"
    assert verbatim_coverage(QUOTED, article) == pytest.approx(1.0)
    # the same words, but no run of six characters in the article's order
    scattered = "化学品经营不得向企业，未经许可的采购活动"
    assert verbatim_coverage(scattered, article) < 0.3
    # a run shorter than the span does not count; a longer one counts its Chinese characters only
    assert verbatim_coverage("危险化学品", article) == 0.0
    half = f"{QUOTED[:16]}（），ABCDEFGH 以及完全另外的一些话语内容"
    assert 0.4 < verbatim_coverage(half, article) < 0.7
    assert verbatim_coverage("", article) == 0.0 and verbatim_coverage(QUOTED, "") == 0.0


def test_article_body_drops_the_header() -> None:
    doc = RetrievalDoc("a:示例法#12", "article", "《示例法》第二章 管理 第12条 排污单位应当建立台账。", ("示例法#12",))
    assert article_body(doc) == "排污单位应当建立台账。"


class RecordingEmbedder(HashingEmbedder):
    """The hashing embedder, remembering every batch of queries it was given."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.batches.append(list(texts))
        return super().embed_queries(texts)


ARTICLES = {
    # the article the exam sentence quotes, inside a long text of other duties
    "法甲#6": (
        "负有监督管理职责的部门依照下列规定履行职责：应急管理部门负责综合工作，组织确定目录；"
        f"交通运输主管部门负责运输许可；市场监管部门核发营业执照，并{QUOTED}的，依法查处；"
        "卫生健康主管部门负责毒性鉴定；邮政管理部门负责寄递安全监督管理。"
    ),
    # a short article with the same words scattered
    "法甲#9": (
        "经营危险化学品的企业进货时须查验供货企业许可；未经许可而经营的企业，"
        "经营企业不得向其采购，危险化学品不得经营，采购危险品须查验许可。"
    ),
    # the article a scenario's second sentence asks about
    "法乙#3": "事故等级划分：造成三人以上十人以下死亡的为较大事故，造成三人以下死亡的为一般事故。",
    "法乙#20": "检维修作业前应当关闭阀门、泄压并挂牌，作业人员应当佩戴防护用品，现场设专人监护。",
}


def _retriever(embedder: HashingEmbedder, config: FusionConfig | None = None) -> HybridRetriever:
    docs = [
        RetrievalDoc(f"a:{key}", "article", f"《{key.split('#')[0]}》 第{key.split('#')[1]}条 {text}", (key,))
        for key, text in ARTICLES.items()
    ]
    tokenizer = JiebaTokenizer()
    bm25 = Bm25Index().fit([d.id for d in docs], [tokenizer.tokenize(d.text) for d in docs])
    dense = FaissVectorIndex(embedder.dim)
    dense.add([d.id for d in docs], embedder.embed_passages([d.text for d in docs]))
    return HybridRetriever(docs, bm25, tokenizer, dense=dense, embedder=embedder, config=config)


def test_a_quoted_statute_sentence_finds_the_long_article_it_quotes() -> None:
    question = QUOTED
    plain = _retriever(HashingEmbedder(), replace(FusionConfig(), verbatim_weight=0.0))
    assert plain.search(question).hits[0].key == "法甲#9"  # bag-of-words evidence prefers the short article
    retriever = _retriever(HashingEmbedder())
    assert retriever.search(question).hits[0].key == "法甲#6"


def test_the_sentences_of_a_scenario_are_searched_in_a_batch_of_their_own() -> None:
    question = "检修工更换阀门填料时阀门喷出高压蒸汽。监护人员受伤，检修工死亡。该起事故属于一般事故。"
    embedder = RecordingEmbedder()
    retriever = _retriever(embedder)
    scored = retriever.search(question)
    assert embedder.batches == [[question], sentences(question)] and len(sentences(question)) == 3
    without = _retriever(HashingEmbedder(), replace(FusionConfig(), sentence_weight=0.0)).search(question)
    score = {h.key: h.score for h in scored.hits}
    before = {h.key: h.score for h in without.hits}
    # the grading article gains the evidence of the sentence that names the grade
    assert score["法乙#3"] > before.get("法乙#3", 0.0)
    gain = {key: score[key] - before.get(key, 0.0) for key in score}
    assert max(gain, key=gain.__getitem__) == "法乙#3"


def test_a_one_sentence_question_is_embedded_once() -> None:
    embedder = RecordingEmbedder()
    _retriever(embedder).search("较大事故怎么划分")
    assert embedder.batches == [["较大事故怎么划分"]]


def test_only_short_sentences_are_embedded_on_their_own() -> None:
    scenario = "检修工在更换碱液管线阀门填料时解开了压盖螺栓，带碱液的高压蒸汽喷出，造成一人烫伤死亡"
    long_one = f"{scenario}。属于哪级事故？"  # the scenario is most of the question: its own vector covers it
    # two sentences over 60 characters each, neither most of the question
    first = f"{scenario}，另有一名监护人员受伤送医，现场地面有大量积水"
    over_limit = f"{first}。{first}。属于哪级事故？"
    for question in (long_one, over_limit):
        embedder = RecordingEmbedder()
        _retriever(embedder).search(question)
        assert embedder.batches == [[question], ["属于哪级事故"]]


@pytest.mark.parametrize("mode", ["bm25", "dense"])
def test_single_method_baselines_use_neither_sentence_nor_verbatim_evidence(mode: str) -> None:
    question = f"检修工受伤。{QUOTED}的行为，由市场监管部门查处。"
    embedder = RecordingEmbedder()
    default = _retriever(embedder).search(question, mode=mode)  # type: ignore[arg-type]
    off = replace(FusionConfig(), verbatim_weight=0.0, sentence_weight=0.0)
    bare = _retriever(HashingEmbedder(), off).search(question, mode=mode)  # type: ignore[arg-type]
    assert [(h.key, round(h.score, 9)) for h in default.hits] == [(h.key, round(h.score, 9)) for h in bare.hits]
    assert all(len(batch) == 1 for batch in embedder.batches)
