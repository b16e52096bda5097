"""Chinese numerals and the article reader on hand-written statute text."""

from __future__ import annotations

import pytest

from ingestion.numerals import chinese_to_int, int_to_chinese
from ingestion.statutes import parse_statute

TEXT = """\
# 中华人民共和国示例法

2020年1月1日 第十三届全国人民代表大会常务委员会通过

<!-- INFO END -->

## 第一章 总则

第一条 为了示例，制定本法。

第二条 生产经营单位应当做甲。

生产经营单位不得做乙。

### 第一节 细则

第十二条 有下列情形之一的，责令改正：

（一）未做甲的；

（二）做了乙的。

第一百一十二条 本法自公布之日起施行。
"""


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百零五", 105),
        ("一百一十二", 112),
        ("一千二百四十二", 1242),
        ("两千", 2000),
        ("三千零一", 3001),
        ("42", 42),
    ],
)
def test_numerals_both_ways(text: str, value: int) -> None:
    assert chinese_to_int(text) == value
    if text.isdigit() or text.startswith("两"):
        return
    assert int_to_chinese(value) == text


def test_not_a_numeral() -> None:
    with pytest.raises(ValueError, match="not a Chinese numeral"):
        chinese_to_int("条")


def test_articles_paragraphs_chapters_and_history() -> None:
    statute = parse_statute("示例法", TEXT)
    assert statute.title == "中华人民共和国示例法"
    assert statute.history == ["2020年1月1日 第十三届全国人民代表大会常务委员会通过"]
    assert sorted(statute.articles) == [1, 2, 12, 112]
    second = statute.articles[2]
    assert [p.text for p in second.paragraphs] == ["生产经营单位应当做甲。", "生产经营单位不得做乙。"]
    assert second.chapter == "第一章 总则"
    assert statute.articles[12].chapter == "第一章 总则 / 第一节 细则"
    twelfth = statute.articles[12]
    assert len(twelfth.paragraphs) == 1
    assert twelfth.paragraphs[0].items == ["未做甲的；", "做了乙的。"]
    assert twelfth.text == "有下列情形之一的，责令改正：\n（一）未做甲的；\n（二）做了乙的。"
    assert statute.article(999) is None


def test_markdown_list_items_and_numbered_variants() -> None:
    text = "第三条 下列单位应当：\n  - （一）甲；\n  - （二）乙。\n第三条之一 补充。\n第四条 完。\n"
    statute = parse_statute("x", text)
    assert statute.articles[3].paragraphs[0].items == ["甲；", "乙。"]
    assert statute.skipped == ["第三条之一 补充。"]
    assert sorted(statute.articles) == [3, 4]
