"""上位法 first: counterparts of a regulation's articles in the law above it, and how answers order them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.kb_loader import KnowledgeBaseLoader
from ingestion.pipeline import RegulationIngestor
from ingestion.versions import IngestionState
from kg.ladybug_store import LadybugGraphStore
from retrieval.answer import AbstainPolicy, Answerer
from retrieval.hierarchy import Counterpart, HierarchyConfig, RankedRegulation, SuperiorMap
from retrieval.hybrid import FusionConfig
from retrieval.index import RetrievalIndex
from tests.retrieval.fakes import HashingEmbedder

LAW = {
    1: "为了加强示例化学品的安全管理，预防和减少示例化学品事故，制定本法。",
    2: "示例化学品应当储存在专用仓库、专用场地或者专用储存室内，并由专人负责管理，实行双人收发、双人保管制度。",
    3: "储存示例化学品的单位应当建立示例化学品出入库核查、登记制度，如实记录出入库数量和去向。",
    4: "示例化学品单位应当制定本单位示例化学品事故应急预案，配备应急救援人员和必要的应急救援器材、设备。",
    5: "国家鼓励示例化学品生产企业采用有利于提高安全保障水平的先进技术和管理方法。",
}
REGULATION = {
    1: "为了加强示例化学品的安全管理，制定本条例。",
    2: "示例化学品应当储存在专用仓库、专用场地或者专用储存室内，并由专人负责管理。",
    3: "储存示例化学品的单位应当建立示例化学品出入库核查、登记制度。",
    4: "示例化学品单位应当制定本单位示例化学品事故应急预案，配备应急救援人员和必要的应急救援器材。",
    5: "运输示例化学品的驾驶人员应当经交通运输主管部门考核合格，取得从业资格。",
}
#: A repealed law restating the regulation's article 3 word for word: not in force, so never a superior.
OLD_LAW = {1: "储存示例化学品的单位应当建立示例化学品出入库核查、登记制度。"}

REGS = {
    "示例化学品安全法": RankedRegulation("示例化学品安全法", "法律", "现行"),
    "示例化学品管理条例": RankedRegulation("示例化学品管理条例", "行政法规", "现行"),
    "示例旧法": RankedRegulation("示例旧法", "法律", "已废止"),
    "示例标准": RankedRegulation("示例标准", "国家标准", "现行"),
}


def _articles() -> dict[str, str]:
    texts = {f"示例化学品安全法#{n}": t for n, t in LAW.items()}
    texts |= {f"示例化学品管理条例#{n}": t for n, t in REGULATION.items()}
    texts |= {f"示例旧法#{n}": t for n, t in OLD_LAW.items()}
    return texts


def test_each_restated_article_has_its_counterpart_in_the_law_above() -> None:
    superiors = SuperiorMap.build(_articles(), REGS)
    pairs = {low: up.key for low, up in superiors.items()}
    assert pairs == {f"示例化学品管理条例#{n}": f"示例化学品安全法#{n}" for n in (2, 3, 4)}
    assert superiors.of("示例化学品安全法#2") is None  # the law itself has nothing above it


def test_too_few_shared_articles_make_no_relation() -> None:
    superiors = SuperiorMap.build(_articles(), REGS, config=HierarchyConfig(min_pairs=5))
    assert len(superiors) == 0


def test_a_standard_is_outside_the_order() -> None:
    articles = {f"示例标准#{n}": t for n, t in LAW.items()} | {f"示例化学品管理条例#{n}": t for n, t in LAW.items()}
    assert len(SuperiorMap.build(articles, REGS)) == 0


def test_the_map_survives_saving(tmp_path: Path) -> None:
    superiors = SuperiorMap({"示例化学品管理条例#3": Counterpart("示例化学品安全法#3", 0.8)})
    superiors.save(tmp_path)
    loaded = SuperiorMap.load(tmp_path)
    assert loaded.items() == superiors.items()
    assert len(SuperiorMap.load(tmp_path / "elsewhere")) == 0


def _statute(title: str, articles: dict[int, str]) -> str:
    numerals = "一二三四五六七八九"
    body = "\n\n".join(f"第{numerals[n - 1]}条 {text}" for n, text in articles.items())
    return f"# {title}\n\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n{body}\n"


MANIFEST = """regulations:
  - {id: 示例化学品安全法, title: 中华人民共和国示例化学品安全法, kind: 法律, issued: "2025-12-27",
     effective: "2026-05-01", status: 现行, file: 示例化学品安全法.md}
  - {id: 示例化学品管理条例, title: 示例化学品管理条例, kind: 行政法规, issued: "2013-12-07",
     effective: "2013-12-07", status: 现行, file: 示例化学品管理条例.md}
"""


@pytest.fixture
def answerer(tmp_path: Path) -> Answerer:
    corpus, regs = tmp_path / "corpus", tmp_path / "regs"
    corpus.mkdir()
    regs.mkdir()
    (corpus / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    (regs / "示例化学品安全法.md").write_text(_statute("中华人民共和国示例化学品安全法", LAW), encoding="utf-8")
    (regs / "示例化学品管理条例.md").write_text(_statute("示例化学品管理条例", REGULATION), encoding="utf-8")
    store = LadybugGraphStore(tmp_path / "g.lbug")
    store.verify()
    knowledge = KnowledgeBaseLoader(store, corpus, regs).run().knowledge_base
    ingestor = RegulationIngestor(store, IngestionState(tmp_path / "state"), knowledge, max_bytes=10**6)
    ingestor.run(sorted(regs.iterdir()))
    embedder = HashingEmbedder()
    index = RetrievalIndex(tmp_path / "index")
    assert index.build(store, embedder)["superiors"] == 3
    return Answerer(index.load(embedder, FusionConfig()), store, policy=AbstainPolicy(min_bm25=0.1))


def test_the_law_leads_and_the_answer_says_how_they_relate(answerer: Answerer) -> None:
    # the regulation's shorter wording matches the question best, yet the law's article comes first
    answer = answerer.ask("储存示例化学品的单位应当建立示例化学品出入库核查、登记制度")
    keys = [(c.law, c.article) for c in answer.citations]
    assert keys[:2] == [("示例化学品安全法", 3), ("示例化学品管理条例", 3)]
    lower = answer.citations[1]
    assert lower.kind == "行政法规" and lower.superior is not None
    assert (lower.superior.law, lower.superior.article, lower.superior.kind) == ("示例化学品安全法", 3, "法律")
    assert answer.citations[0].superior is None
    relation = "上位法优先：《示例化学品安全法》（法律，2026-05-01起施行）与《示例化学品管理条例》（行政法规）"
    assert relation in answer.answer
    assert "第3条对应其第3条" in answer.answer


def test_a_question_naming_the_regulation_keeps_it_first(answerer: Answerer) -> None:
    answer = answerer.ask("依据《示例化学品管理条例》，储存示例化学品的单位应当建立什么制度？")
    keys = [(c.law, c.article) for c in answer.citations]
    assert keys[:2] == [("示例化学品管理条例", 3), ("示例化学品安全法", 3)]


def test_an_article_without_counterpart_keeps_its_place(answerer: Answerer) -> None:
    answer = answerer.ask("运输示例化学品的驾驶人员要取得什么资格？")
    assert (answer.citations[0].law, answer.citations[0].article) == ("示例化学品管理条例", 5)
    assert answer.citations[0].superior is None
    assert "对应其第5条" not in answer.answer
