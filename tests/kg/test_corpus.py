"""The knowledge-base loader: validation errors name file and line; cross-references are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.corpus import load_knowledge_base
from kg.errors import CorpusError

OBLIGATION = """\
obligations:
  - id: ob_aqsc_28
    subject: 生产经营单位
    modality: 应当
    action: 对从业人员开展安全培训
    cites: [{law: 安全生产法, article: 28}]
    key_terms: [教育和培训]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_a_minimal_knowledge_base(tmp_path: Path) -> None:
    write(tmp_path, "obligations_safety.yaml", OBLIGATION)
    kb = load_knowledge_base(tmp_path)
    assert [o.id for o in kb.obligations] == ["ob_aqsc_28"]
    assert kb.where("ob_aqsc_28") == "obligations_safety.yaml:2"
    assert [str(ref) for _, ref in kb.all_refs()] == ["《安全生产法》第28条"]


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "risks.yaml", "risks:\n  - id: r1\n    name: [unclosed\n    category: 安全\n")
    with pytest.raises(CorpusError) as info:
        load_knowledge_base(tmp_path)
    assert "risks.yaml:" in str(info.value)
    assert "malformed YAML" in str(info.value)


def test_invalid_entry_names_file_line_and_field(tmp_path: Path) -> None:
    bad = OBLIGATION.replace("modality: 应当", "modality: 可以")
    write(tmp_path, "obligations_safety.yaml", bad)
    with pytest.raises(CorpusError, match=r"obligations_safety\.yaml:2: ObligationEntry modality"):
        load_knowledge_base(tmp_path)


def test_missing_required_field(tmp_path: Path) -> None:
    write(tmp_path, "obligations_safety.yaml", OBLIGATION.replace("    key_terms: [教育和培训]\n", ""))
    with pytest.raises(CorpusError, match="key_terms"):
        load_knowledge_base(tmp_path)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "obligations_a.yaml", OBLIGATION)
    write(tmp_path, "obligations_b.yaml", OBLIGATION)
    with pytest.raises(CorpusError, match=r"obligations_b\.yaml:2: duplicate id 'ob_aqsc_28' \(first at obligations_a"):
        load_knowledge_base(tmp_path)


def test_unknown_cross_reference(tmp_path: Path) -> None:
    write(tmp_path, "obligations_safety.yaml", OBLIGATION)
    write(
        tmp_path,
        "risks.yaml",
        "risks:\n  - id: r1\n    name: 培训缺失\n    category: 安全\n    hazard: h\n    consequence: c\n"
        "    obligations: [ob_aqsc_28, ob_missing]\n",
    )
    with pytest.raises(CorpusError, match=r"risks\.yaml:2: r1 refers to unknown obligation 'ob_missing'"):
        load_knowledge_base(tmp_path)


def test_sector_needs_all_five_stages(tmp_path: Path) -> None:
    write(tmp_path, "sectors.yaml", "sectors:\n  - id: s\n    name: 机械加工\n    stages:\n      生产加工: []\n")
    with pytest.raises(CorpusError, match="missing stages"):
        load_knowledge_base(tmp_path)


def test_unknown_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "notes.yaml", "x: 1\n")
    with pytest.raises(CorpusError, match=r"notes\.yaml:1: unknown knowledge-base file"):
        load_knowledge_base(tmp_path)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load_knowledge_base(tmp_path / "nope")


TOPICS = """\
topics:
  - law: 安全生产法
    article: 41
    topic: 安全风险分级管控和隐患排查治理
    keywords: [双重预防机制, 隐患排查治理]
"""


def test_topics_load_with_an_id_per_article(tmp_path: Path) -> None:
    write(tmp_path, "topics_safety.yaml", TOPICS)
    kb = load_knowledge_base(tmp_path)
    assert [t.id for t in kb.topics] == ["topic:安全生产法#41"]
    assert kb.where("topic:安全生产法#41") == "topics_safety.yaml:2"
    assert kb.topics_by_article()["安全生产法#41"].keywords == ["双重预防机制", "隐患排查治理"]


def test_a_second_topic_for_the_same_article_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "topics_a.yaml", TOPICS)
    write(tmp_path, "topics_b.yaml", TOPICS)
    with pytest.raises(CorpusError, match=r"topics_b\.yaml:2: duplicate id 'topic:安全生产法#41'"):
        load_knowledge_base(tmp_path)


def test_a_topic_is_a_heading_not_a_text(tmp_path: Path) -> None:
    write(tmp_path, "topics_safety.yaml", TOPICS.replace("安全风险分级管控和隐患排查治理", "很长" * 21))
    with pytest.raises(CorpusError, match=r"topics_safety\.yaml:2: TopicEntry topic"):
        load_knowledge_base(tmp_path)


def test_a_topic_of_an_unknown_regulation_is_refused(tmp_path: Path) -> None:
    write(
        tmp_path,
        "manifest.yaml",
        (
            "regulations:\n  - id: 消防法\n    title: 消防法\n    kind: 法律\n    issued: '2021-04-29'\n"
            "    effective: '2021-04-29'\n    status: 现行\n"
        ),
    )
    write(tmp_path, "topics_safety.yaml", TOPICS)
    with pytest.raises(CorpusError, match=r"topic:安全生产法#41 refers to unknown regulation '安全生产法'"):
        load_knowledge_base(tmp_path)
