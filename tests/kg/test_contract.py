"""One contract suite for every GraphStore backend: embedded LadybugDB and the Neo4j driver over Bolt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.bench.servers import free_port
from kg.cypher_store import BATCH_ROWS
from kg.errors import GraphError, GraphUnavailableError
from kg.ladybug_store import LadybugGraphStore
from kg.models import Clause, Indicator, Label, Process, RatingBands, Rel, Risk
from kg.neo4j_store import Neo4jGraphStore
from kg.store import Edge, GraphBatch, GraphStore, load_node
from tests.kg.sample import sample_batch


@pytest.fixture(params=["ladybug", pytest.param("bolt", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    backend: GraphStore
    if request.param == "ladybug":
        backend = LadybugGraphStore(tmp_path / "graph.lbug")
    else:
        uri, user, password, database = request.getfixturevalue("bolt_endpoint")
        backend = Neo4jGraphStore(uri, user=user, password=password, database=database)
    backend.verify()
    backend.ensure_schema()
    backend.clear()
    yield backend
    backend.clear()
    backend.close()


@pytest.fixture
def sample(store: GraphStore) -> GraphStore:
    store.apply(sample_batch())
    return store


def test_is_a_graph_store(store: GraphStore) -> None:
    assert isinstance(store, GraphStore)


def test_ensure_schema_is_idempotent(store: GraphStore) -> None:
    store.ensure_schema()
    store.ensure_schema()
    assert set(store.counts().nodes) == {label.value for label in Label}


def test_node_round_trip_keeps_every_property_kind(store: GraphStore) -> None:
    indicator = Indicator(
        id="指标-1",
        name="焊烟净化设备运行率",
        level="岗位",
        target=98.5,
        comparator=">=",
        unit="%",
        bands=RatingBands(excellent=100.0, qualified=98.5),
        method="月度考核",
    )
    process = Process(id="p1", name="焊接", stage="生产加工", aliases=["电焊", "氩弧焊"], keywords=[])
    clause = Clause(id="安全生产法#28.2", regulation="安全生产法", article=28, paragraph=2, text="……")
    store.upsert_nodes([indicator, process, clause])
    assert load_node(store, Indicator, "指标-1") == indicator
    assert load_node(store, Process, "p1") == process
    assert load_node(store, Clause, "安全生产法#28.2") == clause
    assert store.get(Label.RISK, "missing") is None


def test_upserts_are_idempotent_and_update(store: GraphStore) -> None:
    store.apply(sample_batch())
    first = store.counts()
    store.apply(sample_batch())
    assert store.counts() == first
    store.upsert_nodes([Risk(id="r_fume", name="焊接烟尘超标", category="职业健康")])
    assert store.get(Label.RISK, "r_fume") == {
        "id": "r_fume",
        "name": "焊接烟尘超标",
        "category": "职业健康",
        "hazard": "",
        "consequence": "",
        "keywords": [],
    }
    assert store.counts() == first


def test_edge_upsert_merges_and_updates_properties(sample: GraphStore) -> None:
    before = sample.counts().relationships["GOVERNED_BY"]
    sample.upsert_edges(
        Rel.GOVERNED_BY, Label.RISK, Label.OBLIGATION, [Edge("r_fume", "o_fume", score=0.4, reason="复核")]
    )
    assert sample.counts().relationships["GOVERNED_BY"] == before
    links = [ro for ro in sample.obligations_of_risks(["r_fume"]) if ro.obligation["id"] == "o_fume"]
    assert [(ro.score, ro.reason) for ro in links] == [(0.4, "复核")]


def test_edge_to_missing_node_writes_nothing(store: GraphStore) -> None:
    store.upsert_nodes([Risk(id="r1", name="x", category="安全")])
    store.upsert_edges(Rel.GOVERNED_BY, Label.RISK, Label.OBLIGATION, [Edge("r1", "nope")])
    assert store.counts().relationships["GOVERNED_BY"] == 0


def test_find_orders_filters_and_paginates(sample: GraphStore) -> None:
    assert [n["id"] for n in sample.find(Label.RISK)] == ["r_fire", "r_fume", "r_voc"]
    assert [n["id"] for n in sample.find(Label.RISK, limit=1, skip=1)] == ["r_fume"]
    assert [n["id"] for n in sample.find(Label.RISK, ids=["r_voc", "zzz"])] == ["r_voc"]


def test_delete_removes_nodes_and_their_relationships(sample: GraphStore) -> None:
    assert sample.delete_nodes(Label.RISK, ["r_fume", "nope"]) == 1
    assert sample.get(Label.RISK, "r_fume") is None
    assert all(n.node["id"] != "r_fume" for n in sample.neighbours(Label.PROCESS, "p_weld"))
    assert sample.counts().relationships["ADDRESSES"] == 0


def test_neighbours_in_both_directions_and_filtered(sample: GraphStore) -> None:
    around = {(n.rel, n.direction, n.label, n.node["id"]) for n in sample.neighbours(Label.RISK, "r_fume")}
    assert around == {
        ("HAS_RISK", "in", "Process", "p_weld"),
        ("GOVERNED_BY", "out", "Obligation", "o_fume"),
        ("GOVERNED_BY", "out", "Obligation", "o_ppe"),
        ("MEASURES", "in", "Indicator", "i_fume"),
        ("ADDRESSES", "in", "TrainingCourse", "c_weld"),
    }
    only = sample.neighbours(Label.RISK, "r_fume", rels=[Rel.HAS_RISK, Rel.ADDRESSES])
    assert {n.node["id"] for n in only} == {"p_weld", "c_weld"}


def test_counts_cover_every_label_and_type(sample: GraphStore) -> None:
    counts = sample.counts()
    assert set(counts.nodes) == {label.value for label in Label}
    assert set(counts.relationships) == {rel.value for rel in Rel}
    assert counts.nodes["Obligation"] == 5
    assert counts.relationships["HAS_RISK"] == 4
    assert counts.nodes["Enterprise"] == 0


def test_apply_is_atomic(store: GraphStore) -> None:
    # Reaches into the write primitive on purpose: a failing statement after a good one must undo both.
    good = ("MERGE (n:Risk {id: 'r_atomic'}) SET n.name = 'x', n.category = '安全'", {})
    with pytest.raises(GraphError):
        store._write([good, ("THIS IS NOT CYPHER", {})])  # type: ignore[attr-defined]
    assert store.get(Label.RISK, "r_atomic") is None


def test_unknown_property_is_refused_before_writing(store: GraphStore) -> None:
    batch = GraphBatch()
    batch.node_upserts.append((Label.RISK, [{"id": "r_bad", "name": "x", "category": "安全", "colour": "red"}]))
    with pytest.raises(ValueError, match="colour"):
        store.apply(batch)
    assert store.get(Label.RISK, "r_bad") is None


def test_batches_larger_than_one_statement(store: GraphStore) -> None:
    n = BATCH_ROWS * 2 + 17
    store.upsert_nodes([Risk(id=f"r{i:05d}", name=f"风险{i}", category="安全") for i in range(n)])
    store.upsert_nodes([Process(id="p", name="p", stage="生产加工")])
    store.upsert_edges(Rel.HAS_RISK, Label.PROCESS, Label.RISK, [Edge("p", f"r{i:05d}") for i in range(n)])
    assert store.counts().nodes["Risk"] == n
    assert len(store.risks_of_processes(["p"])) == n


def test_risks_of_processes(sample: GraphStore) -> None:
    pairs = {(pr.process_id, pr.risk["id"]) for pr in sample.risks_of_processes(["p_weld"])}
    assert pairs == {("p_weld", "r_fume"), ("p_weld", "r_fire")}
    assert sample.risks_of_processes(["unknown"]) == []


def test_obligations_of_risks(sample: GraphStore) -> None:
    got = {(ro.risk_id, ro.obligation["id"]) for ro in sample.obligations_of_risks(["r_fume", "r_voc"])}
    assert got == {("r_fume", "o_fume"), ("r_fume", "o_ppe"), ("r_voc", "o_voc")}


def test_risks_of_obligations(sample: GraphStore) -> None:
    got = [
        (orisk.obligation_id, orisk.risk["id"]) for orisk in sample.risks_of_obligations(["o_voc", "o_fume", "o_ppe"])
    ]
    assert got == sorted({("o_fume", "r_fume"), ("o_ppe", "r_fume"), ("o_voc", "r_voc")})
    assert sample.risks_of_obligations(["unknown"]) == [] and sample.risks_of_obligations([]) == []


def test_indicators_covering(sample: GraphStore) -> None:
    got = {
        (c.indicator["id"], c.target_label, c.target_id)
        for c in sample.indicators_covering(risk_ids=["r_fume", "r_fire"], obligation_ids=["o_fume", "o_ppe"])
    }
    assert got == {
        ("i_fume", "Risk", "r_fume"),
        ("i_permit", "Risk", "r_fire"),
        ("i_fume", "Obligation", "o_fume"),
    }


def test_applicable_obligations_carry_their_paths(sample: GraphStore) -> None:
    got = {a.obligation["id"]: sorted(a.via) for a in sample.applicable_obligations(["p_weld", "p_paint"])}
    assert got == {
        "o_fume": [("p_weld", "r_fume")],
        "o_ppe": [("p_weld", "r_fume")],
        "o_permit": [("p_paint", "r_fire"), ("p_weld", "r_fire")],
        "o_train": [("p_paint", "r_fire"), ("p_weld", "r_fire")],
        "o_voc": [("p_paint", "r_voc")],
    }


def test_uncovered_obligations_count_measures_citations_and_stale_citations(sample: GraphStore) -> None:
    # o_fume is measured, o_permit cited, o_voc cited through the repealed clause its clause succeeds.
    uncovered = {a.obligation["id"] for a in sample.uncovered_obligations(["p_weld", "p_paint"])}
    assert uncovered == {"o_ppe", "o_train"}


def test_uncovered_obligations_for_a_given_indicator_set(sample: GraphStore) -> None:
    only_fume = {a.obligation["id"] for a in sample.uncovered_obligations(["p_weld", "p_paint"], ["i_fume"])}
    assert only_fume == {"o_ppe", "o_permit", "o_voc", "o_train"}
    none = {a.obligation["id"] for a in sample.uncovered_obligations(["p_weld"], [])}
    assert none == {"o_fume", "o_ppe", "o_permit", "o_train"}
    assert sample.uncovered_obligations(["unknown"]) == []


def test_clause_paths_from_process_to_regulation(sample: GraphStore) -> None:
    paths = {
        (p.risk_id, p.obligation_id, p.clause["article"], p.regulation["title"]) for p in sample.clause_paths("p_paint")
    }
    assert paths == {
        ("r_fire", "o_permit", 43, "中华人民共和国安全生产法"),
        ("r_fire", "o_train", 28, "中华人民共和国安全生产法"),
        ("r_voc", "o_voc", 214, "中华人民共和国生态环境法典"),
    }


def test_indicators_citing_a_regulation(sample: GraphStore) -> None:
    got = [(c.indicator["id"], c.clause["id"]) for c in sample.indicators_citing_regulation("大气污染防治法")]
    assert got == [("i_voc_old", "大气污染防治法#45")]
    assert sample.indicators_citing_regulation("消防法") == []


def test_clear_empties_the_graph(sample: GraphStore) -> None:
    sample.clear()
    counts = sample.counts()
    assert sum(counts.nodes.values()) == 0
    assert sum(counts.relationships.values()) == 0


def test_unreachable_server_is_one_clear_error() -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"
    store = Neo4jGraphStore(uri, user="neo4j", password="x", timeout=2.0)
    with pytest.raises(GraphUnavailableError, match="cannot reach graph server") as info:
        store.verify()
    assert uri in str(info.value)
    assert "\n" not in str(info.value)


def test_a_batch_replacing_its_out_edges_drops_the_links_it_no_longer_writes(store: GraphStore) -> None:
    process = Process(id="p-weld", name="焊接", stage="生产加工")
    risks = [Risk(id=f"r-{n}", name=n, category="安全") for n in ("烟尘", "弧光", "触电")]

    def batch(links: list[str]) -> GraphBatch:
        out = GraphBatch().add_nodes([process, *risks])
        out.add_edges(Rel.HAS_RISK, Label.PROCESS, Label.RISK, [Edge("p-weld", r) for r in links])
        return out.replace_out_edges([(Label.PROCESS, Rel.HAS_RISK)])

    store.apply(batch(["r-烟尘", "r-弧光", "r-触电"]))
    store.apply(batch(["r-烟尘"]))
    linked = {n.node["id"] for n in store.neighbours(Label.PROCESS, "p-weld", rels=[Rel.HAS_RISK])}
    assert linked == {"r-烟尘"}
    # a node the batch does not write keeps its links: another process's risks are not the batch's to drop
    other = GraphBatch().add_nodes([Process(id="p-cut", name="切割", stage="生产加工")])
    store.apply(other.add_edges(Rel.HAS_RISK, Label.PROCESS, Label.RISK, [Edge("p-cut", "r-触电")]))
    store.apply(batch(["r-烟尘", "r-弧光"]))
    assert {n.node["id"] for n in store.neighbours(Label.PROCESS, "p-cut", rels=[Rel.HAS_RISK])} == {"r-触电"}
