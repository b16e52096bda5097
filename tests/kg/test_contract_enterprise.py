"""Contract of the enterprise process map on every backend: steps, template links with their confirmation,
candidate risks, atomic replacement and the relationship-specific properties."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import GraphError
from kg.ladybug_store import LadybugGraphStore
from kg.models import Enterprise, EnterpriseProcess, EnterpriseVersion, Label, Process, Rel, Risk
from kg.queries import Q
from kg.store import Edge, GraphBatch, GraphStore
from tests.kg import test_contract as contract

# the backend fixture of the contract suite (embedded, and Bolt under the integration marker)
store = contract.store


def _step(key: str, step: int, *, status: str = "matched", version: int = 1) -> EnterpriseProcess:
    return EnterpriseProcess(
        id=f"E1/{key}",
        enterprise="E1",
        name=key,
        extracted_name=key,
        step=step,
        status="matched" if status == "matched" else "new",
        file="工艺流程说明.pdf",
        page=2,
        paragraph=7,
        version=version,
    )


def _map(*steps: EnterpriseProcess, version: int = 1) -> GraphBatch:
    """Replace E1's process map by ``steps``; 焊接 instantiates p_weld, 激光打标 has candidate risks."""
    b = GraphBatch().delete_children(Label.ENTERPRISE, "E1", Rel.HAS_PROCESS, Label.ENTERPRISE_PROCESS)
    b.add_nodes([Enterprise(id="E1", name="某机械厂", materials=["油漆"], version=version), *steps])
    b.add_nodes([EnterpriseVersion(id=f"E1@v{version}", enterprise="E1", version=version, files=["a.pdf"])])
    b.add_edges(Rel.HAS_PROCESS, Label.ENTERPRISE, Label.ENTERPRISE_PROCESS, [Edge("E1", s.id) for s in steps])
    b.add_edges(Rel.HAS_VERSION, Label.ENTERPRISE, Label.ENTERPRISE_VERSION, [Edge("E1", f"E1@v{version}")])
    confirmed = {"confirmed": True, "confirmed_by": "专家甲", "confirmed_at": "2026-11-05T12:00:00+00:00"}
    b.add_edges(
        Rel.INSTANTIATES,
        Label.ENTERPRISE_PROCESS,
        Label.PROCESS,
        [Edge("E1/焊接", "p_weld", score=4.5, reason="焊接、焊机", source="matcher", extra=confirmed)],
    )
    b.add_edges(
        Rel.HAS_RISK,
        Label.ENTERPRISE_PROCESS,
        Label.RISK,
        [Edge("E1/激光打标", "r_fume", score=1.2, reason="烟尘"), Edge("E1/激光打标", "r_fire", score=2.0)],
    )
    return b


@pytest.fixture
def mapped(store: GraphStore) -> GraphStore:
    store.upsert_nodes(
        [
            Process(id="p_weld", name="焊接", stage="生产加工"),
            Risk(id="r_fume", name="焊烟", category="职业健康"),
            Risk(id="r_fire", name="火灾", category="消防"),
        ]
    )
    store.apply(_map(_step("焊接", 2), _step("激光打标", 1, status="new"), _step("装配", 3)))
    return store


def test_process_map_reads_back_in_flow_order_with_links_and_candidate_risks(mapped: GraphStore) -> None:
    steps = mapped.enterprise_processes("E1")
    assert [s.process["name"] for s in steps] == ["激光打标", "焊接", "装配"]
    weld = steps[1]
    assert weld.template is not None and weld.template["id"] == "p_weld"
    assert (weld.link["score"], weld.link["reason"], weld.link["source"]) == (4.5, "焊接、焊机", "matcher")
    assert (weld.link["confirmed"], weld.link["confirmed_by"]) == (True, "专家甲")
    assert (weld.process["file"], weld.process["page"], weld.process["paragraph"]) == ("工艺流程说明.pdf", 2, 7)
    laser = steps[0]
    assert laser.template is None and laser.link == {}
    assert [(r.risk["id"], r.score) for r in laser.risks] == [("r_fire", 2.0), ("r_fume", 1.2)]
    assert steps[2].template is None and steps[2].risks == []
    assert mapped.enterprise_processes("nobody") == []


def test_replacing_the_map_drops_old_steps_and_their_links_but_keeps_versions(mapped: GraphStore) -> None:
    mapped.apply(_map(_step("焊接", 1, version=2), version=2))
    steps = mapped.enterprise_processes("E1")
    assert [(s.process["name"], s.process["version"]) for s in steps] == [("焊接", 2)]
    counts = mapped.counts()
    assert counts.nodes["EnterpriseProcess"] == 1 and counts.relationships["INSTANTIATES"] == 1
    assert counts.relationships["HAS_RISK"] == 0  # the candidate risks went with 激光打标
    assert counts.nodes["EnterpriseVersion"] == 2 and counts.nodes["Risk"] == 2
    assert mapped.get(Label.ENTERPRISE, "E1") is not None
    mapped.apply(_map(_step("焊接", 1, version=2), version=2))  # the same version again: the same graph
    assert mapped.counts() == counts


def test_a_failed_replacement_leaves_the_previous_map(mapped: GraphStore) -> None:
    # Reaches into the write primitive on purpose: the deletion must roll back with the failing statement.
    delete = (Q.delete_children(Label.ENTERPRISE, Rel.HAS_PROCESS, Label.ENTERPRISE_PROCESS), {"id": "E1"})
    with pytest.raises(GraphError):
        mapped._write([delete, ("THIS IS NOT CYPHER", {})])  # type: ignore[attr-defined]
    assert len(mapped.enterprise_processes("E1")) == 3


def test_deleting_out_edges_touches_only_the_named_steps(mapped: GraphStore) -> None:
    mapped.upsert_edges(Rel.INSTANTIATES, Label.ENTERPRISE_PROCESS, Label.PROCESS, [Edge("E1/装配", "p_weld")])
    mapped.apply(GraphBatch().delete_out_edges(Label.ENTERPRISE_PROCESS, Rel.INSTANTIATES, ["E1/焊接"]))
    linked = {s.process["name"] for s in mapped.enterprise_processes("E1") if s.template is not None}
    assert linked == {"装配"}
    assert mapped.get(Label.PROCESS, "p_weld") is not None


def test_relationship_specific_properties_are_refused_elsewhere(mapped: GraphStore) -> None:
    with pytest.raises(ValueError, match="confirmed"):
        mapped.upsert_edges(
            Rel.HAS_RISK, Label.ENTERPRISE_PROCESS, Label.RISK, [Edge("E1/装配", "r_fire", extra={"confirmed": True})]
        )
    with pytest.raises(ValueError, match="colour"):
        mapped.upsert_edges(
            Rel.INSTANTIATES, Label.ENTERPRISE_PROCESS, Label.PROCESS, [Edge("E1/装配", "p_weld", extra={"colour": 1})]
        )
    assert [s.template for s in mapped.enterprise_processes("E1")][2] is None


def test_an_update_without_confirmation_clears_it(mapped: GraphStore) -> None:
    mapped.upsert_edges(Rel.INSTANTIATES, Label.ENTERPRISE_PROCESS, Label.PROCESS, [Edge("E1/焊接", "p_weld", 3.0)])
    link = mapped.enterprise_processes("E1")[1].link
    assert link["score"] == 3.0 and not link.get("confirmed") and not link.get("confirmed_by")


def test_ensure_schema_adds_relationship_columns_to_an_older_database(tmp_path: Path) -> None:
    # the tables as the first schema declared them (dropping a column instead crashes LadybugDB 0.22)
    old = LadybugGraphStore(tmp_path / "old.lbug")
    rel = "CREATE REL TABLE INSTANTIATES(FROM Process TO Process, score DOUBLE, reason STRING, source STRING)"
    old._write([("CREATE NODE TABLE Process(id STRING PRIMARY KEY, name STRING, stage STRING)", {}), (rel, {})])
    old.ensure_schema()
    old.upsert_nodes([Process(id="p", name="p", stage="生产加工"), _step("焊接", 1)])
    edge = Edge("E1/焊接", "p", extra={"confirmed": True, "confirmed_by": "专家乙"})
    old.upsert_edges(Rel.INSTANTIATES, Label.ENTERPRISE_PROCESS, Label.PROCESS, [edge])
    links = old.neighbours(Label.ENTERPRISE_PROCESS, "E1/焊接", rels=[Rel.INSTANTIATES])
    assert links[0].props["confirmed_by"] == "专家乙"
    old.close()
