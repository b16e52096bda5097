"""Reference checking: on hand-made statutes, and on the real knowledge base against ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.corpus_check import check_references
from ingestion.statutes import parse_statute, read_statutes
from kg.corpus import load_knowledge_base

STATUTE = "<!-- INFO END -->\n\n第一条 生产经营单位应当对从业人员进行教育和培训。\n\n第二条 本法自公布之日起施行。\n"


def kb_with(tmp_path: Path, article: int, terms: str, paragraph: str = "") -> Path:
    (tmp_path / "obligations.yaml").write_text(
        "obligations:\n  - id: ob\n    subject: 生产经营单位\n    modality: 应当\n    action: 培训\n"
        f"    cites: [{{law: 示例法, article: {article}{paragraph}}}]\n    key_terms: {terms}\n",
        encoding="utf-8",
    )
    return tmp_path


def problems(folder: Path) -> list[str]:
    kb = load_knowledge_base(folder)
    return [p.problem for p in check_references(kb, {"示例法": parse_statute("示例法", STATUTE)})]


def test_a_right_reference_passes(tmp_path: Path) -> None:
    assert problems(kb_with(tmp_path, 1, "[教育和培训]")) == []


def test_a_missing_article_is_reported(tmp_path: Path) -> None:
    assert problems(kb_with(tmp_path, 3, "[教育和培训]")) == ["no such article"]


def test_a_wrong_article_number_is_caught_by_its_key_terms(tmp_path: Path) -> None:
    assert problems(kb_with(tmp_path, 2, "[教育和培训]")) == ["none of the key terms ['教育和培训'] occurs"]


def test_a_missing_paragraph_is_reported(tmp_path: Path) -> None:
    assert problems(kb_with(tmp_path, 1, "[教育和培训]", ", paragraph: 2")) == ["article has 1 paragraphs"]


def test_a_topic_must_name_an_existing_article(tmp_path: Path) -> None:
    (tmp_path / "topics.yaml").write_text(
        "topics:\n  - {law: 示例法, article: 1, topic: 从业人员培训, keywords: [培训]}\n"
        "  - {law: 示例法, article: 9, topic: 不存在的条, keywords: [培训]}\n"
        "  - {law: 他法, article: 1, topic: 未收录的法, keywords: [培训]}\n",
        encoding="utf-8",
    )
    assert problems(tmp_path) == ["no such article", "law not held as text"]


@pytest.mark.integration
def test_statute_article_counts_match_the_readme(shared_dir: Path) -> None:
    readme = (shared_dir / "regulations" / "README.md").read_text(encoding="utf-8")
    expected = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 4 and cells[1].endswith(".md") and cells[3].isdigit():
            expected[cells[1][:-3]] = int(cells[3])
    statutes = read_statutes(shared_dir / "regulations")
    assert expected and {name: len(s.articles) for name, s in statutes.items()} == expected


@pytest.mark.integration
def test_every_reference_of_the_knowledge_base_resolves(shared_dir: Path) -> None:
    kb = load_knowledge_base(Path(__file__).resolve().parents[2] / "regulations_corpus")
    found = check_references(kb, read_statutes(shared_dir / "regulations"))
    assert [str(p) for p in found] == []
    assert sum(1 for _ in kb.all_refs()) >= 200


@pytest.mark.integration
def test_every_held_article_has_a_topic(shared_dir: Path) -> None:
    kb = load_knowledge_base(Path(__file__).resolve().parents[2] / "regulations_corpus")
    statutes = read_statutes(shared_dir / "regulations")
    held = {f"{name}#{n}" for name, s in statutes.items() for n in s.articles}
    assert held == set(kb.topics_by_article())
