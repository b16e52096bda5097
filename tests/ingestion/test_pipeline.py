"""The ingestion pipeline on hand-written statutes: atomicity, versions, repeals, bad input."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from ingestion.pipeline import RegulationIngestor, expand_paths
from ingestion.versions import IngestionState, diff_versions
from kg.ladybug_store import LadybugGraphStore
from kg.models import Label, Rel
from kg.store import GraphBatch

OLD_LAW = """\
# 中华人民共和国示例污染防治法

2018年1月1日 第十三届全国人民代表大会常务委员会通过

<!-- INFO END -->

## 第一章 总则

第一条 为了防治示例污染，制定本法。

第二条 排污单位应当按照排污许可证的规定排放污染物，并建立环境管理台账。

第三条 禁止通过暗管、渗井、渗坑逃避监管的方式排放污染物。

## 第二章 法律责任

第四条 违反本法第二条规定，未建立环境管理台账的，处二万元以上二十万元以下的罚款。
"""

CODE = """\
# 中华人民共和国示例法典

2026年3月12日 第十四届全国人民代表大会通过

<!-- INFO END -->

第一条 为了保护生态环境，制定本法典。

第二条 排污单位应当按照排污许可证的规定排放污染物，建立环境管理台账并如实记录。

第三条 禁止通过暗管、渗井、渗坑、灌注逃避监管的方式排放污染物。

第四条 本法典自2026年8月15日起施行。《中华人民共和国示例污染防治法》同时废止。
"""


class FailingStore(LadybugGraphStore):
    """A real store whose writes fail for one regulation (as a broken disk or server would)."""

    def __init__(self, path: Path, poison: str) -> None:
        super().__init__(path)
        self.poison = poison

    def apply(self, batch: GraphBatch) -> None:
        ids = [row["id"] for _, rows in batch.node_upserts for row in rows]
        if self.poison in ids:
            # half-written on purpose: the first statement goes through, then the write fails
            statements = self._node_statements(Label.REGULATION, [{"id": self.poison, "title": "x", "kind": "法律",
                                                                   "status": "现行"}])  # fmt: skip
            self._write([*statements, ("NOT CYPHER", {})])
        super().apply(batch)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def ingest(store: LadybugGraphStore, state_dir: Path, paths: Sequence[Path]):  # noqa: ANN201
    return RegulationIngestor(store, IngestionState(state_dir), None, max_bytes=1_000_000).run(paths)


@pytest.fixture
def store(tmp_path: Path) -> LadybugGraphStore:
    graph = LadybugGraphStore(tmp_path / "g.lbug")
    graph.verify()
    return graph


def test_statute_becomes_a_clause_tree_with_duties_and_penalties(tmp_path: Path, store: LadybugGraphStore) -> None:
    law = write(tmp_path, "示例污染防治法.md", OLD_LAW)
    report = ingest(store, tmp_path / "state", [law])
    [doc] = report.documents
    assert (doc.status, doc.articles) == ("processed", 4)
    assert store.get(Label.CLAUSE, "示例污染防治法#2.1") is not None
    duties = store.find(Label.OBLIGATION)
    assert {(d["modality"], d["subject"]) for d in duties} == {("应当", "排污单位"), ("禁止", "")}
    penalties = store.neighbours(Label.OBLIGATION, "x:示例污染防治法#2.1:0", rels=[Rel.PENALIZED_BY])
    assert [n.node["id"] for n in penalties] == ["示例污染防治法#4.1"]


def test_reingesting_unchanged_text_writes_nothing(tmp_path: Path, store: LadybugGraphStore) -> None:
    law = write(tmp_path, "示例污染防治法.md", OLD_LAW)
    ingest(store, tmp_path / "state", [law])
    before = store.counts()
    again = ingest(store, tmp_path / "state", [law])
    assert [d.status for d in again.documents] == ["unchanged"]
    assert store.counts() == before


def test_a_new_version_is_diffed_and_the_old_text_kept(tmp_path: Path, store: LadybugGraphStore) -> None:
    law = write(tmp_path, "示例污染防治法.md", OLD_LAW)
    ingest(store, tmp_path / "state", [law])
    write(tmp_path, "示例污染防治法.md", OLD_LAW.replace("并建立环境管理台账", "并建立和保存环境管理台账五年"))
    [doc] = ingest(store, tmp_path / "state", [law]).documents
    assert doc.status == "processed"
    assert doc.diff == {"added": [], "removed": [], "changed": ["2"], "moved": []}
    versions = IngestionState(tmp_path / "state").versions("示例污染防治法")
    archived = f"示例污染防治法@{versions[0]}#2"
    assert "台账" in str(store.get(Label.CLAUSE, archived)["text"])  # type: ignore[index]
    successors = store.neighbours(Label.CLAUSE, archived, rels=[Rel.SUCCEEDED_BY])
    assert [n.node["id"] for n in successors] == ["示例污染防治法#2"]
    assert "五年" in str(store.get(Label.CLAUSE, "示例污染防治法#2")["text"])  # type: ignore[index]


def test_diff_detects_renumbered_articles() -> None:
    diff = diff_versions(
        {"1": "甲乙丙丁戊己庚辛", "2": "子丑寅卯辰巳午未"}, {"1": "甲乙丙丁戊己庚辛", "3": "子丑寅卯辰巳午未"}
    )
    assert (diff.added, diff.removed, diff.moved) == (["3"], ["2"], {"2": "3"})


def test_repeal_provision_replaces_the_law_and_maps_articles(tmp_path: Path, store: LadybugGraphStore) -> None:
    old = write(tmp_path, "示例污染防治法.md", OLD_LAW)
    code = write(tmp_path, "示例法典.md", CODE)
    report = ingest(store, tmp_path / "state", [old, code])
    assert report.repeals == [
        {"repealed": "示例污染防治法", "by": "示例法典", "article": 4, "mapped": 2, "articles": 4}
    ]  # the two duties map; the purpose clause and the penalty have no counterpart above the threshold
    old_node = store.get(Label.REGULATION, "示例污染防治法")
    assert old_node is not None and (old_node["status"], old_node["replaced_by"]) == ("已废止", "示例法典")
    for article in (2, 3):
        [succ] = store.neighbours(Label.CLAUSE, f"示例污染防治法#{article}", rels=[Rel.SUCCEEDED_BY])
        assert succ.node["id"] == f"示例法典#{article}" and succ.props["score"] > 0.5


def test_a_failed_document_leaves_nothing_and_the_others_go_on(tmp_path: Path) -> None:
    store = FailingStore(tmp_path / "g.lbug", poison="示例法典")
    store.verify()
    good = write(tmp_path, "示例污染防治法.md", OLD_LAW)
    bad = write(tmp_path, "示例法典.md", CODE)
    report = ingest(store, tmp_path / "state", [bad, good])
    statuses = {Path(d.path).name: (d.status, d.error) for d in report.documents}
    assert statuses["示例污染防治法.md"] == ("processed", None)
    assert statuses["示例法典.md"][0] == "failed" and "graph query failed" in str(statuses["示例法典.md"][1])
    assert store.get(Label.REGULATION, "示例法典") is None
    assert store.find(Label.CLAUSE, ids=["示例法典#1"]) == []
    assert store.find(Label.OBLIGATION, ids=["x:示例法典#2.1:0"]) == []


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.md", b"", "empty file"),
        ("fake.pdf", b"not a pdf at all", "not a PDF"),
        ("binary.txt", b"\x00\x01\x02\x03" * 50, "binary"),
        ("notes.xyz", b"hello", "unsupported format .xyz"),
        (
            "contract.md",
            "# 销售合同\n\n甲方向乙方购买设备一台，价款十万元。\n".encode(),
            "no regulation structure found",
        ),
    ],
)
def test_bad_input_fails_with_a_reason(
    tmp_path: Path, store: LadybugGraphStore, name: str, data: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    [doc] = ingest(store, tmp_path / "state", [path]).documents
    assert doc.status == "failed"
    assert reason in str(doc.error)


def test_oversized_file_is_refused(tmp_path: Path, store: LadybugGraphStore) -> None:
    law = write(tmp_path, "示例污染防治法.md", OLD_LAW * 20)
    report = RegulationIngestor(store, IngestionState(tmp_path / "s"), None, max_bytes=1000).run([law])
    assert report.documents[0].status == "failed" and "limit" in str(report.documents[0].error)


def test_folders_expand_without_their_readme(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "x")
    write(tmp_path, "a.md", "x")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.md"]
