"""A small, hand-made graph exercising every domain query (a welding shop and a paint line)."""

from __future__ import annotations

from kg.models import (
    Clause,
    Indicator,
    Label,
    Obligation,
    Process,
    RatingBands,
    Regulation,
    Rel,
    Risk,
    TrainingCourse,
)
from kg.store import Edge, GraphBatch


def sample_batch() -> GraphBatch:
    """Processes p_weld, p_paint; risks; obligations o_fume (covered by measure), o_permit (covered by a
    citation), o_voc (covered by a stale citation of a repealed clause), o_ppe and o_train (uncovered)."""
    b = GraphBatch()
    b.add_nodes(
        [
            Regulation(id="安全生产法", title="中华人民共和国安全生产法", kind="法律", status="现行"),
            Regulation(
                id="大气污染防治法",
                title="中华人民共和国大气污染防治法",
                kind="法律",
                status="已废止",
                replaced_by="生态环境法典",
            ),
            Regulation(id="生态环境法典", title="中华人民共和国生态环境法典", kind="法律", status="现行"),
            Clause(id="安全生产法#28", regulation="安全生产法", article=28, text="教育和培训"),
            Clause(id="安全生产法#45", regulation="安全生产法", article=45, text="劳动防护用品"),
            Clause(id="安全生产法#43", regulation="安全生产法", article=43, text="动火"),
            Clause(id="大气污染防治法#45", regulation="大气污染防治法", article=45, text="挥发性有机物"),
            Clause(id="生态环境法典#214", regulation="生态环境法典", article=214, text="挥发性有机物"),
            Process(id="p_weld", name="焊接", stage="生产加工", aliases=["电焊", "气保焊"]),
            Process(id="p_paint", name="喷涂", stage="生产加工"),
            Risk(id="r_fume", name="焊烟", category="职业健康", keywords=["焊接烟尘"]),
            Risk(id="r_fire", name="动火作业火灾", category="消防"),
            Risk(id="r_voc", name="喷漆废气VOCs逸散", category="环保"),
            Obligation(id="o_fume", subject="用人单位", modality="应当", action="配置焊烟净化设施"),
            Obligation(id="o_ppe", subject="生产经营单位", modality="必须", action="提供劳动防护用品"),
            Obligation(id="o_permit", subject="生产经营单位", modality="应当", action="动火作业审批"),
            Obligation(id="o_voc", subject="排污单位", modality="应当", action="密闭收集处理VOCs"),
            Obligation(id="o_train", subject="生产经营单位", modality="应当", action="开展安全培训"),
            Indicator(
                id="i_fume",
                name="焊烟净化设备运行率",
                level="岗位",
                target=100.0,
                comparator=">=",
                unit="%",
                bands=RatingBands(excellent=100.0, qualified=100.0),
                method="日常检查",
            ),
            Indicator(id="i_permit", name="动火作业审批合规率", level="部门", target=100.0, comparator=">="),
            Indicator(id="i_voc_old", name="VOCs治理设施运行率", level="部门", target=100.0, comparator=">="),
            TrainingCourse(id="c_weld", title="焊接作业安全", hours=4.0, audience=["焊工"]),
        ]
    )
    b.add_edges(
        Rel.PART_OF,
        Label.CLAUSE,
        Label.REGULATION,
        [
            Edge("安全生产法#28", "安全生产法"),
            Edge("安全生产法#45", "安全生产法"),
            Edge("安全生产法#43", "安全生产法"),
            Edge("大气污染防治法#45", "大气污染防治法"),
            Edge("生态环境法典#214", "生态环境法典"),
        ],
    )
    b.add_edges(Rel.REPLACED_BY, Label.REGULATION, Label.REGULATION, [Edge("大气污染防治法", "生态环境法典")])
    b.add_edges(
        Rel.SUCCEEDED_BY, Label.CLAUSE, Label.CLAUSE, [Edge("大气污染防治法#45", "生态环境法典#214", score=0.8)]
    )
    b.add_edges(
        Rel.HAS_RISK,
        Label.PROCESS,
        Label.RISK,
        [
            Edge("p_weld", "r_fume"),
            Edge("p_weld", "r_fire"),
            Edge("p_paint", "r_voc"),
            Edge("p_paint", "r_fire"),
        ],
    )
    b.add_edges(
        Rel.GOVERNED_BY,
        Label.RISK,
        Label.OBLIGATION,
        [
            Edge("r_fume", "o_fume", score=0.9, reason="焊烟属职业病危害"),
            Edge("r_fume", "o_ppe"),
            Edge("r_fire", "o_permit"),
            Edge("r_voc", "o_voc"),
            Edge("r_fire", "o_train"),
        ],
    )
    b.add_edges(
        Rel.DERIVED_FROM,
        Label.OBLIGATION,
        Label.CLAUSE,
        [
            Edge("o_ppe", "安全生产法#45"),
            Edge("o_permit", "安全生产法#43"),
            Edge("o_voc", "生态环境法典#214"),
            Edge("o_train", "安全生产法#28"),
        ],
    )
    b.add_edges(Rel.MEASURES, Label.INDICATOR, Label.OBLIGATION, [Edge("i_fume", "o_fume")])
    b.add_edges(Rel.MEASURES, Label.INDICATOR, Label.RISK, [Edge("i_fume", "r_fume"), Edge("i_permit", "r_fire")])
    b.add_edges(
        Rel.CITES,
        Label.INDICATOR,
        Label.CLAUSE,
        [
            Edge("i_permit", "安全生产法#43"),
            Edge("i_voc_old", "大气污染防治法#45"),
        ],
    )
    b.add_edges(Rel.ADDRESSES, Label.TRAINING_COURSE, Label.RISK, [Edge("c_weld", "r_fume")])
    return b
