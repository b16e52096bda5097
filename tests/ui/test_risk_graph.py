"""ui.risk_graph: which nodes a process's picture draws (a budget, turns across risks, expansion), the
ECharts option drawing them, and the table of the same."""

from __future__ import annotations

from api.contracts.process_map import MeasuringIndicator, ProcessRiskMap, RiskEntry
from ui.risk_graph import echarts_option, select, table_rows


def _indicator(iid: str, written_for: str, risks: list[str]) -> MeasuringIndicator:
    return MeasuringIndicator(id=iid, name=f"指标{iid}", level="岗位", written_for=written_for, risks=risks)


def _map(risks: int, per_risk: int) -> ProcessRiskMap:
    """A process with ``risks`` risks, each measured by ``per_risk`` indicators written for it, plus one
    indicator written for a risk of another process that also measures r0."""
    entries, indicators = [], []
    for r in range(risks):
        own = [_indicator(f"i{r}_{k}", f"r{r}", [f"r{r}"]) for k in range(per_risk)]
        indicators += own
        extra = ["x"] if r == 0 else []
        entries.append(
            RiskEntry(id=f"r{r}", name=f"风险{r}", category="安全", duties=[], indicators=[i.id for i in own] + extra)
        )
    indicators.append(_indicator("x", "r_elsewhere", ["r0"]))
    return ProcessRiskMap(process_id="p", name="焊接", risks=entries, indicators=indicators)


def test_a_small_process_is_drawn_whole_but_for_indicators_written_for_other_risks() -> None:
    drawn = select(_map(3, 2))
    assert drawn.nodes == 1 + 3 + 6
    assert [i.id for i in drawn.indicators["r0"]] == ["i0_0", "i0_1"]
    assert (drawn.hidden_risks, drawn.hidden_indicators) == (0, 1)
    assert select(_map(3, 2), expand=True).nodes == 1 + 3 + 7


def test_a_large_process_keeps_to_the_budget_taking_indicators_in_turns() -> None:
    risk_map = _map(10, 5)
    drawn = select(risk_map, limit=30)
    assert drawn.nodes == 30
    # 19 indicators in turns over 10 risks: every risk its first, nine of them their second
    assert sorted(len(v) for v in drawn.indicators.values()) == [1] + [2] * 9
    assert drawn.hidden_indicators == len(risk_map.indicators) - 19
    assert select(risk_map, expand=True).nodes == 1 + 10 + 51


def test_more_risks_than_the_budget_are_cut_and_counted() -> None:
    drawn = select(_map(40, 1), limit=30)
    assert (len(drawn.risks), drawn.hidden_risks, drawn.nodes) == (29, 11, 30)


def test_an_indicator_measuring_two_drawn_risks_is_one_node_with_two_links() -> None:
    risk_map = _map(2, 1)
    both = _indicator("both", "r0", ["r0", "r1"])
    risk_map.indicators.append(both)
    risk_map.risks[0].indicators.insert(0, "both")
    risk_map.risks[1].indicators.insert(0, "both")
    option = echarts_option(risk_map, select(risk_map))
    [series] = option["series"]
    ids = [n["id"] for n in series["data"]]
    assert ids.count("both") == 1 and len(ids) == len(set(ids))
    links = {(link["source"], link["target"]) for link in series["links"]}
    assert {("both", "r0"), ("both", "r1"), ("p", "r0"), ("p", "r1")} <= links
    assert series["layout"] == "none" and series["roam"] is True
    styles = {(lk["source"], lk["target"]): lk.get("lineStyle", {}).get("type") for lk in series["links"]}
    assert (styles[("both", "r0")], styles[("both", "r1")]) == ("solid", "dashed")


def test_the_table_lists_every_indicator_by_risk_and_risks_without_one() -> None:
    risk_map = _map(2, 1)
    risk_map.risks.append(RiskEntry(id="r9", name="风险9", category="环保", duties=[], indicators=[]))
    rows = table_rows(risk_map)
    assert [(r["风险"], r["考核指标"]) for r in rows] == [
        ("风险0", "指标i0_0"),
        ("风险0", "指标x"),
        ("风险1", "指标i1_0"),
        ("风险9", "（无考核该风险的指标）"),
    ]
    assert [r["关系"] for r in rows[:2]] == ["专为该风险制定", "兼顾考核"]
