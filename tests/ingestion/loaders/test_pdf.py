"""PdfRegulationLoader on small PDFs generated here with reportlab (CJK via the built-in STSong-Light).

pdfminer maps the non-embedded Adobe-GB1 font back to Unicode, so the Chinese text round-trips.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from ingestion.documents import LoadedDocument
from ingestion.loaders.pdf import GARBLED_MESSAGE, PdfRegulationLoader, clean_pdf_text, looks_garbled
from kg.errors import UnsupportedDocumentError

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
WIDTH, HEIGHT = A4
Draw = Callable[[Canvas], None]


def _pdf(path: Path, pages: Sequence[Draw], *, encrypt: str | None = None) -> Path:
    canvas = Canvas(str(path), pagesize=A4, encrypt=encrypt)
    for draw in pages:
        canvas.setFont(FONT, 11)
        draw(canvas)
        canvas.showPage()
    canvas.save()
    return path


def _text(*lines: str, top: float = HEIGHT - 120, size: float = 11) -> Draw:
    def draw(canvas: Canvas) -> None:
        canvas.setFont(FONT, size)
        for i, line in enumerate(lines):
            canvas.drawString(72, top - i * 18, line)

    return draw


def _framed(number: int, *body: str, header: str = "GB 99999—2024", footer: str = "{n}") -> Draw:
    def draw(canvas: Canvas) -> None:
        canvas.setFont(FONT, 9)
        canvas.drawString(400, HEIGHT - 50, header)
        canvas.drawCentredString(WIDTH / 2, 40, footer.format(n=number))
        _text(*body)(canvas)

    return draw


def _grid(x: float, top: float, widths: Sequence[float], rows: Sequence[Sequence[str | None]]) -> Draw:
    """A ruled table; a None cell is covered by its left neighbour (or, in column 0, the cell above)."""

    def draw(canvas: Canvas) -> None:
        height = 20
        xs = [x + sum(widths[:i]) for i in range(len(widths) + 1)]
        ys = [top - r * height for r in range(len(rows) + 1)]
        canvas.line(xs[0], ys[0], xs[-1], ys[0])
        canvas.line(xs[0], ys[-1], xs[-1], ys[-1])
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if c == 0 or row[c] is not None:  # a vertical rule unless merged with the left cell
                    canvas.line(xs[c], ys[r], xs[c], ys[r + 1])
                if r > 0 and not (c == 0 and cell is None):  # a horizontal rule unless merged with the cell above
                    canvas.line(xs[c], ys[r], xs[c + 1], ys[r])
                if cell:
                    canvas.drawString(xs[c] + 4, ys[r] - 14, cell)
        canvas.line(xs[-1], ys[0], xs[-1], ys[-1])

    return draw


def _image(fraction: float = 0.9) -> Draw:
    buffer = io.BytesIO()
    Image.new("L", (60, 80), color=200).save(buffer, format="PNG")
    buffer.seek(0)
    reader = ImageReader(buffer)

    def draw(canvas: Canvas) -> None:
        canvas.drawImage(reader, 20, 20, WIDTH * fraction, HEIGHT * fraction)

    return draw


def _both(*draws: Draw) -> Draw:
    def draw(canvas: Canvas) -> None:
        for d in draws:
            d(canvas)

    return draw


def _load(path: Path) -> LoadedDocument:
    return PdfRegulationLoader().load(path)


def test_page_numbers_kept_and_running_headers_and_footers_removed(tmp_path: Path) -> None:
    pages = [_framed(n, f"{n}.1 第{n}章的条款正文。", f"第{n}页的第二行。") for n in range(1, 5)]
    doc = _load(_pdf(tmp_path / "std.pdf", pages))

    assert doc.pages == 4
    assert [(line.text, line.page) for line in doc.lines] == [
        (f"{n}.1 第{n}章的条款正文。" if i == 0 else f"第{n}页的第二行。", n) for n in range(1, 5) for i in range(2)
    ]
    assert doc.image_only_pages == []
    assert doc.warnings == []


@pytest.mark.parametrize("footer", ["— {n} —", "- {n} -", "{n}"])
def test_page_number_footers_in_several_styles(tmp_path: Path, footer: str) -> None:
    pages = [_framed(n + 4, f"正文第{n}页。", header="", footer=footer) for n in range(1, 4)]
    doc = _load(_pdf(tmp_path / "cat.pdf", pages))

    assert doc.text == "正文第1页。\n正文第2页。\n正文第3页。"


def test_roman_page_numbers_removed(tmp_path: Path) -> None:
    pages = [_framed(0, f"前言第{n}段。", footer=roman) for n, roman in enumerate(["i", "ii", "iii"], start=1)]
    doc = _load(_pdf(tmp_path / "front.pdf", pages))

    assert doc.text == "前言第1段。\n前言第2段。\n前言第3段。"


def test_a_line_repeated_once_is_not_a_header(tmp_path: Path) -> None:
    pages = [_text("3.1", "术语一。"), _text("3.1", "术语二。"), _text("4", "要求。"), _text("5", "监测。")]
    doc = _load(_pdf(tmp_path / "std.pdf", pages))

    assert doc.text.startswith("3.1\n术语一。\n3.1\n术语二。")


def test_full_width_characters_become_ascii(tmp_path: Path) -> None:
    doc = _load(_pdf(tmp_path / "fw.pdf", [_text("ＧＢ １２３４８—２００８", "４.１.２ 限值为 １０ ｄＢ（Ａ）。")]))

    assert [line.text for line in doc.lines] == ["GB 12348—2008", "4.1.2 限值为 10 dB(A)。"]


def test_spaced_out_cover_text_is_joined(tmp_path: Path) -> None:
    doc = _load(
        _pdf(tmp_path / "cover.pdf", [_text("中 华 人 民 共 和 国 国 家 标 准", "国 家 市 场 监 督 管 理总 局")])
    )

    assert [line.text for line in doc.lines] == ["中华人民共和国国家标准", "国家市场监督管理总局"]


def test_table_rows_with_merged_cells_filled_and_caption(tmp_path: Path) -> None:
    rows: list[list[str | None]] = [
        ["适用对象", None, "限值"],
        ["液态物料", "挥发性液体", "5000"],
        [None, "其他", "2000"],
    ]
    page = _both(_text("表1 泄漏认定浓度", top=HEIGHT - 100), _grid(72, HEIGHT - 120, [120, 120, 80], rows))
    doc = _load(_pdf(tmp_path / "table.pdf", [page]))

    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.rows == [
        ["适用对象", "适用对象", "限值"],
        ["液态物料", "挥发性液体", "5000"],
        ["液态物料", "其他", "2000"],
    ]
    assert (table.caption, table.page, table.index) == ("表1 泄漏认定浓度", 1, 0)
    assert doc.text == "表1 泄漏认定浓度"  # table cells are not repeated as lines


def test_empty_tables_are_dropped(tmp_path: Path) -> None:
    page = _both(_text("表A.1 空白表"), _grid(72, HEIGHT - 200, [100, 100], [["", ""], ["", ""]]))
    doc = _load(_pdf(tmp_path / "form.pdf", [page]))

    assert doc.tables == []


def test_continued_table_keeps_the_caption(tmp_path: Path) -> None:
    first = _both(
        _text("表2 排放限值", top=HEIGHT - 100), _grid(72, HEIGHT - 120, [100, 100], [["项目", "限值"], ["苯", "1"]])
    )
    second = _grid(72, HEIGHT - 80, [100, 100], [["甲苯", "15"], ["二甲苯", "20"]])
    doc = _load(_pdf(tmp_path / "cont.pdf", [first, second]))

    assert [(t.page, t.caption, t.index) for t in doc.tables] == [(1, "表2 排放限值", 0), (2, "表2 排放限值", 1)]


def test_image_only_page_is_reported_and_the_rest_loads(tmp_path: Path) -> None:
    pages = [_text("第一页正文。"), _image(), _text("第三页正文。")]
    doc = _load(_pdf(tmp_path / "mixed.pdf", pages))

    assert doc.image_only_pages == [2]
    assert doc.warnings == ["page 2 has no text layer (image only): its content is missing, OCR needed"]
    assert doc.text == "第一页正文。\n第三页正文。"


def test_background_image_under_text_is_not_a_scan(tmp_path: Path) -> None:
    pages = [_both(_image(), _text("带底图的正文页。", "第二行。")), _text("第二页。")]
    doc = _load(_pdf(tmp_path / "bg.pdf", pages))

    assert doc.image_only_pages == []


def test_blank_page_is_not_image_only(tmp_path: Path) -> None:
    doc = _load(_pdf(tmp_path / "blank.pdf", [_text("正文。"), _text()]))

    assert (doc.pages, doc.image_only_pages) == (2, [])


def test_scan_without_text_layer_fails(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "scan.pdf", [_image(), _image()])

    with pytest.raises(UnsupportedDocumentError, match="no text layer, OCR needed"):
        _load(path)


def test_garbled_font_fails(tmp_path: Path) -> None:
    lines = [
        "郧月员远愿愿怨—圆园园愿",
        "员园郾缘摇 生活垃圾填埋场应当每天进行覆盖",
        "化学需氧量 渊悦韵阅悦则冤 员园园",
        "圆园园愿 年苑 月员 日实施",
    ]
    path = _pdf(tmp_path / "garbled.pdf", [_text("前言", *lines, "第一页完"), _text("目次", *lines[::-1], "完")])

    with pytest.raises(UnsupportedDocumentError, match=GARBLED_MESSAGE.replace("(", r"\(").split(";")[0]):
        _load(path)


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "locked.pdf", [_text("机密。")], encrypt="secret")

    with pytest.raises(UnsupportedDocumentError, match="encrypted PDF"):
        _load(path)


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage\n")

    with pytest.raises(UnsupportedDocumentError, match="corrupt PDF"):
        _load(path)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\uf072\uf03d\uf072\uf0a2\uf0b4\uf020 2", "ρ=ρ′× 2"),
        ("ＩＣＳ １３\ue010１４０", "ICS 13.140"),
        ("\uf8e7 贮存场应当防渗", "贮存场应当防渗"),
        ("目 次", "目次"),
        ("附 录 A", "附 录 A"),
        ("第一章 总则", "第一章 总则"),
    ],
)
def test_clean_pdf_text(raw: str, clean: str) -> None:
    assert clean_pdf_text(raw) == clean


def test_private_use_characters_warn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ingestion.loaders.pdf as pdf_module

    original = pdf_module._text_lines
    monkeypatch.setattr(pdf_module, "_text_lines", lambda chars: [f"{s}\uf072\ue0ff" for s in original(chars)])
    doc = _load(_pdf(tmp_path / "pua.pdf", [_text("浓度")]))

    assert doc.text == "浓度ρ"
    assert doc.warnings == ["1 private-use characters mapped to ρ", "1 private-use characters removed (U+E0FF×1)"]


def test_looks_garbled_spares_real_chinese() -> None:
    real = "从业人员应当遵守规定。污染源源源不断，远远超过限值的，处十万元以下罚款。工业园区" * 50
    garbled = "郧月员远愿愿怨 圆园园愿 员园郾缘摇 渊悦韵阅冤 员园园 圆缘 猿园 源园 缘园 苑园"

    assert not looks_garbled(real)
    assert looks_garbled(garbled)
    assert not looks_garbled(garbled + " 2008 10.5 100 25 30 40 50 70")  # real digits dominate
