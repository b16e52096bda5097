"""A process's risk map drawn for an expert: which nodes to show (at most :data:`DEFAULT_NODES` unless
expanded), the ECharts ``graph`` option that draws them in three columns (process → risks → indicators,
each indicator beside the risks it measures) and the table of the same.

By default an indicator is drawn when it was written for one of the process's risks, taken in turns across
the risks (each risk's first indicator, then each one's second …) until the budget is spent; expanded,
every indicator measuring a risk of the process is drawn, also those written for another risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.contracts.process_map import MeasuringIndicator, ProcessRiskMap, RiskEntry

__all__ = [
    "CATEGORY_COLOURS",
    "CLICK_HANDLER",
    "DEFAULT_NODES",
    "Drawn",
    "echarts_option",
    "select",
    "short_label",
    "table_rows",
]

DEFAULT_NODES = 30
#: Risk category → colour (and of the indicators written for a risk of it).
CATEGORY_COLOURS = {"安全": "#ef6c00", "消防": "#c62828", "环保": "#2e7d32", "职业健康": "#6a1b9a"}
_PROCESS_COLOUR = "#1565c0"
_OTHER_COLOUR = "#78909c"
#: Sent back to Python on a click: the node's id, made unique per click so that the same node clicked
#: again after another choice still counts.
CLICK_HANDLER = "function(p){ if (p.dataType === 'node') { return p.data.id + '|' + Date.now(); } }"
_ROW = 34


@dataclass(frozen=True)
class Drawn:
    """What is drawn: the risks and, per risk, the indicators drawn beside it (each indicator once, under
    the first drawn risk it measures), with what was left out."""

    risks: list[RiskEntry]
    indicators: dict[str, list[MeasuringIndicator]]
    hidden_risks: int
    hidden_indicators: int

    @property
    def nodes(self) -> int:
        """Nodes in the picture, the process included."""
        return 1 + len(self.risks) + sum(len(v) for v in self.indicators.values())


def _own(indicator: MeasuringIndicator, risk_ids: set[str]) -> bool:
    """Written for a risk of this process (or of unknown origin: an indicator outside the library)."""
    return indicator.written_for in risk_ids or not indicator.written_for


def select(risk_map: ProcessRiskMap, *, limit: int = DEFAULT_NODES, expand: bool = False) -> Drawn:
    """The nodes to draw: everything when ``expand``, else at most ``limit`` (see the module docstring)."""
    by_id = {i.id: i for i in risk_map.indicators}
    risk_ids = {r.id for r in risk_map.risks}
    risks = risk_map.risks if expand else risk_map.risks[: max(limit - 1, 0)]
    queues = {
        r.id: [by_id[i] for i in r.indicators if i in by_id and (expand or _own(by_id[i], risk_ids))] for r in risks
    }
    budget = len(by_id) if expand else limit - 1 - len(risks)
    drawn: dict[str, list[MeasuringIndicator]] = {r.id: [] for r in risks}
    seen: set[str] = set()
    depth = 0
    while budget > 0 and any(len(q) > depth for q in queues.values()):
        for risk in risks:
            queue = queues[risk.id]
            if budget > 0 and len(queue) > depth and queue[depth].id not in seen:
                drawn[risk.id].append(queue[depth])
                seen.add(queue[depth].id)
                budget -= 1
        depth += 1
    return Drawn(
        risks=list(risks),
        indicators=drawn,
        hidden_risks=len(risk_map.risks) - len(risks),
        hidden_indicators=len(by_id) - len(seen),
    )


def short_label(text: str, width: int = 16) -> str:
    """A node's label: the name, cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"


def echarts_option(risk_map: ProcessRiskMap, drawn: Drawn) -> dict[str, Any]:
    """The ECharts option of the picture: fixed columns (no force layout, so it draws at once), pan and
    zoom (``roam``), risks coloured by category, an indicator written for another risk in grey."""
    categories: list[dict[str, Any]] = [
        {"name": "工序", "itemStyle": {"color": _PROCESS_COLOUR}},
        *({"name": f"风险·{c}", "itemStyle": {"color": colour}} for c, colour in CATEGORY_COLOURS.items()),
        {"name": "考核指标", "itemStyle": {"color": "#b0bec5"}, "symbol": "roundRect"},
    ]
    index = {c["name"]: n for n, c in enumerate(categories)}
    column = [i for r in drawn.risks for i in drawn.indicators[r.id]]
    rows = max(len(drawn.risks), len(column), 1)
    risk_gap, ind_gap = rows * _ROW / max(len(drawn.risks), 1), rows * _ROW / max(len(column), 1)
    colour = {r.id: CATEGORY_COLOURS.get(r.category, _OTHER_COLOUR) for r in risk_map.risks}
    nodes: list[dict[str, Any]] = [
        _node(risk_map.process_id, risk_map.name, x=0, y=rows * _ROW / 2, size=46, colour=_PROCESS_COLOUR)
        | {"category": index["工序"], "label": {"show": True, "position": "top", "fontSize": 14, "fontWeight": "bold"}}
    ]
    for n, risk in enumerate(drawn.risks):
        node = _node(risk.id, risk.name, x=320, y=(n + 0.5) * risk_gap, size=20, colour=colour[risk.id])
        nodes.append(node | {"category": index.get(f"风险·{risk.category}", index["考核指标"])})
    drawn_risks = {r.id for r in drawn.risks}
    for n, ind in enumerate(column):
        own = ind.written_for in drawn_risks or not ind.written_for
        tint = colour.get(ind.written_for, _OTHER_COLOUR) if own else "#b0bec5"
        node = _node(ind.id, ind.name, x=760, y=(n + 0.5) * ind_gap, size=12, colour=tint)
        nodes.append(node | {"category": index["考核指标"], "symbol": "roundRect"})
    links: list[dict[str, Any]] = [{"source": risk_map.process_id, "target": r.id} for r in drawn.risks]
    links += [
        {"source": ind.id, "target": rid, "lineStyle": {"type": "solid" if rid == ind.written_for else "dashed"}}
        for ind in column
        for rid in ind.risks
        if rid in drawn_risks
    ]
    return {
        "tooltip": {"show": True},
        "legend": [{"data": [c["name"] for c in categories], "top": 0}],
        "animation": False,
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "roam": True,
                "draggable": True,
                "top": 40,
                "bottom": 10,
                "left": 60,
                "right": 260,
                "categories": categories,
                "data": nodes,
                "links": links,
                "label": {"show": True, "position": "right", "fontSize": 12},
                "lineStyle": {"color": "#90a4ae", "opacity": 0.7, "curveness": 0.05},
                "emphasis": {"focus": "adjacency", "lineStyle": {"width": 3}},
            }
        ],
    }


def _node(node_id: str, name: str, *, x: float, y: float, size: int, colour: str) -> dict[str, Any]:
    return {
        "id": node_id,
        "name": short_label(name),
        "value": name,
        "x": x,
        "y": y,
        "symbolSize": size,
        "itemStyle": {"color": colour},
        "tooltip": {"formatter": name},
    }


def table_rows(risk_map: ProcessRiskMap) -> list[dict[str, str]]:
    """The same, to read: one row per risk and indicator measuring it (written for it first), a risk no
    indicator measures in a row of its own."""
    by_id = {i.id: i for i in risk_map.indicators}
    rows: list[dict[str, str]] = []
    for risk in risk_map.risks:
        base = {"风险": risk.name, "类别": risk.category}
        measuring = [by_id[i] for i in risk.indicators if i in by_id]
        if not measuring:
            empty = dict.fromkeys(("层级", "目标", "考核方式", "关系"), "")
            rows.append(base | {"考核指标": "（无考核该风险的指标）"} | empty)
        for ind in measuring:
            relation = "专为该风险制定" if ind.written_for in ("", risk.id) else "兼顾考核"
            rows.append(
                base
                | {
                    "考核指标": ind.name,
                    "层级": ind.level,
                    "目标": ind.target,
                    "考核方式": "，".join(x for x in (ind.method, ind.frequency) if x),
                    "关系": relation,
                }
            )
    return rows
