"""TextRegulationLoader: encodings, Markdown structure, NFKC, bad text input."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.loaders.text import TextRegulationLoader, decode_text, normalize_text
from kg.errors import UnsupportedDocumentError

STATUTE = """---
title: 测试法
source: example
---
# 中华人民共和国测试法

２０２１年６月１０日通过

<!-- INFO END -->

## 第一章　总则

第一条　为了加强测试工作，制定本法（试行）。

第二条 生产经营单位应当遵守本法。
"""


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_markdown_utf8_headings_marker_and_width_folding(tmp_path: Path) -> None:
    doc = TextRegulationLoader().load(_write(tmp_path, "law.md", STATUTE.encode("utf-8")))

    texts = [line.text for line in doc.lines]
    assert doc.format == "md"
    assert doc.encoding == "utf-8"
    assert texts[0] == "中华人民共和国测试法"
    assert doc.lines[0].heading_level == 1
    assert "<!-- INFO END -->" in texts
    chapter = next(line for line in doc.lines if line.text.startswith("第一章"))
    assert chapter.heading_level == 2
    assert chapter.text == "第一章 总则"  # ideographic space became a space
    assert "2021年6月10日通过" in texts  # full-width digits became ASCII
    assert "第一条 为了加强测试工作，制定本法（试行）。" in texts  # Chinese punctuation kept for faithful quotes
    assert all(line.page is None for line in doc.lines)


def test_front_matter_is_dropped(tmp_path: Path) -> None:
    doc = TextRegulationLoader().load(_write(tmp_path, "law.md", STATUTE.encode("utf-8")))

    assert not any("title:" in line.text or line.text == "---" for line in doc.lines)


def test_utf8_with_bom(tmp_path: Path) -> None:
    doc = TextRegulationLoader().load(_write(tmp_path, "law.md", b"\xef\xbb\xbf" + STATUTE.encode("utf-8")))

    assert doc.encoding == "utf-8"
    assert doc.lines[0].text == "中华人民共和国测试法"


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "gb2312"])
def test_gb_encodings_are_detected(tmp_path: Path, codec: str) -> None:
    text = "第一条 生产经营单位应当建立安全生产责任制。\n第二条 从业人员应当接受培训。\n"
    doc = TextRegulationLoader().load(_write(tmp_path, "law.txt", text.encode(codec)))

    assert doc.encoding == "gb18030"
    assert [line.text for line in doc.lines] == text.strip().split("\n")


def test_gb18030_only_characters(tmp_path: Path) -> None:
    text = "第一条 𠀀字与欧元符号€都只在 GB18030 中有编码。"
    doc = TextRegulationLoader().load(_write(tmp_path, "law.txt", text.encode("gb18030")))

    assert doc.text == text


def test_plain_text_keeps_hashes_and_pipes(tmp_path: Path) -> None:
    doc = TextRegulationLoader().load(_write(tmp_path, "law.txt", b"# not a heading\r\n| a | b |\r\n"))

    assert doc.format == "txt"
    assert [(line.text, line.heading_level) for line in doc.lines] == [("# not a heading", 0), ("| a | b |", 0)]
    assert doc.tables == []


def test_pipe_table_becomes_a_table(tmp_path: Path) -> None:
    md = (
        "第三条 限值见表1。\n\n表1 排放限值\n\n"
        "| 项目 | 限值（mg/m３） |\n|:---|---:|\n| 颗粒物 | ３０ |\n| a\\|b | |\n\n"
        "之后的段落\n"
    )
    doc = TextRegulationLoader().load(_write(tmp_path, "law.md", md.encode("utf-8")))

    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.rows == [["项目", "限值（mg/m3）"], ["颗粒物", "30"], ["a|b", ""]]
    assert table.caption == "表1 排放限值"
    assert table.page is None
    assert [line.text for line in doc.lines] == ["第三条 限值见表1。", "表1 排放限值", "之后的段落"]


def test_empty_pipe_table_is_dropped(tmp_path: Path) -> None:
    doc = TextRegulationLoader().load(_write(tmp_path, "law.md", "正文\n| | |\n|---|---|\n".encode()))

    assert doc.tables == []


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError, match=r"file extension \.md but content is binary"):
        TextRegulationLoader().load(_write(tmp_path, "law.md", b"abc\x00\x01def"))


def test_undecodable_bytes(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError, match="content is not text"):
        TextRegulationLoader().load(_write(tmp_path, "law.md", b"\x80\x80\xff\xfe\x81"))


def test_control_characters_are_binary(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError, match="content is not text"):
        TextRegulationLoader().load(_write(tmp_path, "law.txt", bytes(range(1, 32)) * 20))


def test_utf16_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError, match="UTF-16"):
        TextRegulationLoader().load(_write(tmp_path, "law.txt", "第一条".encode("utf-16")))


def test_whitespace_only(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError, match="no text"):
        TextRegulationLoader().load(_write(tmp_path, "law.md", b" \n\t\n\xe3\x80\x80\n"))


def test_normalize_text() -> None:
    assert normalize_text("  ＧＢ　１２３４８\t—２００８ ") == "GB 12348 —2008"


def test_decode_text_prefers_utf8() -> None:
    assert decode_text("污染源".encode(), suffix=".md") == ("污染源", "utf-8")
