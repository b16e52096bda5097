"""A process's neighbourhood of the knowledge graph as Graphviz DOT (drawn in the browser by
``st.graphviz_chart``; no system Graphviz needed): process → risks → obligations → clauses, with the
indicators measuring them."""

from __future__ import annotations

from collections.abc import Collection

from api.contracts.review import GraphEdgeOut, GraphNodeOut, ProcessGraphOut

__all__ = ["EDGE_NAMES", "LABEL_NAMES", "LABEL_STYLES", "focus", "process_dot", "wrap"]

#: Node label → (Chinese name, fill colour).
LABEL_STYLES = {
    "Process": ("工序", "#bbdefb"),
    "Risk": ("风险", "#ffe0b2"),
    "Obligation": ("法定义务", "#c8e6c9"),
    "Clause": ("条文", "#f5f5f5"),
    "Indicator": ("考核指标", "#e1bee7"),
}
LABEL_NAMES = {label: name for label, (name, _) in LABEL_STYLES.items()}
EDGE_NAMES = {"HAS_RISK": "存在", "GOVERNED_BY": "须履行", "DERIVED_FROM": "依据", "MEASURES": "考核"}
_FONT = "WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif"
#: Edges drawn against their direction so that every rank reads left to right (indicators point at
#: what they measure; drawn after it).
_BACKWARD = {"MEASURES"}


def wrap(text: str, width: int = 14) -> str:
    """Break a label into lines of ``width`` characters (CJK text has no spaces to break at)."""
    text = " ".join(text.split())
    return "\n".join(text[i : i + width] for i in range(0, len(text), width)) or " "


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node(n: GraphNodeOut) -> str:
    name, fill = LABEL_STYLES.get(n.label, (n.label, "#ffffff"))
    shape = "ellipse" if n.label == "Process" else "box"
    attrs = f"label={_quote(wrap(n.name))}, fillcolor={_quote(fill)}, shape={shape}, tooltip={_quote(name)}"
    return f"  {_quote(n.id)} [{attrs}];"


def _edge(e: GraphEdgeOut) -> str:
    label = _quote(EDGE_NAMES.get(e.type, e.type))
    if e.type in _BACKWARD:
        return f"  {_quote(e.target)} -> {_quote(e.source)} [label={label}, dir=back];"
    return f"  {_quote(e.source)} -> {_quote(e.target)} [label={label}];"


def focus(graph: ProcessGraphOut, risk_id: str) -> ProcessGraphOut:
    """The part of a process graph about one risk: the process, the risk, its obligations, their clauses
    and the indicators measuring the risk or those obligations."""
    obligations = {e.target for e in graph.edges if e.source == risk_id and e.type == "GOVERNED_BY"}
    around = obligations | {risk_id}
    keep = {graph.process, risk_id} | obligations
    keep |= {e.target for e in graph.edges if e.source in obligations and e.type == "DERIVED_FROM"}
    keep |= {e.source for e in graph.edges if e.target in around and e.type == "MEASURES"}
    nodes = [n for n in graph.nodes if n.id in keep]
    edges = [
        e
        for e in graph.edges
        if e.source in keep and e.target in keep and (e.type != "HAS_RISK" or e.target == risk_id)
    ]
    return ProcessGraphOut(process=graph.process, nodes=nodes, edges=edges)


def process_dot(graph: ProcessGraphOut, *, hide: Collection[str] = ()) -> str:
    """The DOT source of a process graph, leaving out nodes whose label is in ``hide`` (and their edges)."""
    nodes = [n for n in graph.nodes if n.label not in hide]
    kept = {n.id for n in nodes}
    edges = [e for e in graph.edges if e.source in kept and e.target in kept]
    lines = [
        "digraph process {",
        "  rankdir=LR; bgcolor=transparent; nodesep=0.15; ranksep=0.6;",
        f'  node [style="rounded,filled", fontname={_quote(_FONT)}, fontsize=11, color="#90a4ae"];',
        f'  edge [fontname={_quote(_FONT)}, fontsize=9, color="#90a4ae", fontcolor="#607d8b"];',
        *(_node(n) for n in nodes),
        *(_edge(e) for e in edges),
        "}",
    ]
    return "\n".join(lines)
