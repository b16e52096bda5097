"""Lines and table rows from OCR boxes, and ruled-table cells found on a drawn image (no OCR engine)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ingestion.loaders.ocr_layout import group_lines, page_layout
from ingestion.ocr import OcrBox, OcrPage, find_table_cells


def _box(text: str, x: float, y: float, *, width: float = 40, score: float = 0.95) -> OcrBox:
    return OcrBox(text, x, y, x + width, y + 20, score)


def test_boxes_on_one_height_make_one_line_left_to_right() -> None:
    boxes = [_box("排放限值", 200, 102), _box("表1", 100, 100), _box("4.1 总则", 100, 160, width=80)]

    lines = group_lines(boxes)

    assert [[b.text for b in line] for line in lines] == [["表1", "排放限值"], ["4.1 总则"]]


def test_text_outside_tables_becomes_lines_and_cells_become_rows() -> None:
    cells = [(100, 200, 300, 240), (300, 200, 500, 240), (100, 240, 300, 280), (300, 240, 500, 280)]
    boxes = [
        _box("表1 最高允许排放浓度", 100, 150, width=200),
        _box("污染物", 120, 210),
        _box("浓度", 320, 210),
        _box("总汞", 120, 250),
        _box("0.05", 320, 250, score=0.8),
    ]
    page = OcrPage(1, 600, 800, boxes, [cells])

    lines, tables = page_layout(page)

    assert [line.text for line in lines] == ["表1 最高允许排放浓度"]
    assert len(tables) == 1
    assert tables[0].bbox == (100, 200, 500, 280)
    assert tables[0].rows == [["污染物", "浓度"], ["总汞", "0.05"]]


def test_a_merged_cell_fills_every_grid_cell_it_covers() -> None:
    # one header cell over two columns, then two cells below it
    cells = [(100, 200, 500, 240), (100, 240, 300, 280), (300, 240, 500, 280)]
    boxes = [_box("最高允许排放速率", 200, 210, width=160), _box("一级", 120, 250), _box("二级", 320, 250)]

    _, tables = page_layout(OcrPage(1, 600, 800, boxes, [cells]))

    assert tables[0].rows == [["最高允许排放速率", "最高允许排放速率"], ["一级", "二级"]]


def test_values_stacked_in_one_ruled_cell_become_one_row_each() -> None:
    cells = [(100, 200, 300, 320), (300, 200, 400, 320), (400, 200, 500, 320)]
    boxes = [
        _box("二", 120, 220),
        _box("氧", 120, 250),
        _box("15", 320, 210),
        _box("20", 320, 240),
        _box("30", 320, 270),
        _box("1.6", 420, 210),
        _box("2.6", 420, 240),
        _box("8.8", 420, 270),
    ]

    _, tables = page_layout(OcrPage(1, 600, 800, boxes, [cells]))

    assert tables[0].rows == [["二\n氧", "15", "1.6"], ["二\n氧", "20", "2.6"], ["二\n氧", "30", "8.8"]]


def test_page_confidence_is_weighted_by_characters() -> None:
    page = OcrPage(1, 10, 10, [_box("一二三", 0, 0, score=0.9), _box("四", 0, 30, score=0.5)])

    assert abs(page.confidence - (3 * 0.9 + 0.5) / 4) < 1e-9
    assert OcrPage(2, 10, 10).confidence == 0.0


def _ruled_table(*, open_sides: bool) -> np.ndarray:
    image = Image.new("L", (1200, 1700), 255)
    draw = ImageDraw.Draw(image)
    xs, ys = [200, 450, 700, 950], [300, 360, 420, 480]
    for y in ys:
        draw.line([(xs[0], y), (xs[-1], y)], fill=0, width=2)
    for x in xs if not open_sides else xs[1:-1]:
        draw.line([(x, ys[0]), (x, ys[-1])], fill=0, width=2)
    draw.rectangle([500, 600, 530, 615], fill=0)  # a blot of ink, no table
    return np.asarray(image, dtype=np.uint8)


def test_cells_of_a_closed_ruled_table() -> None:
    (cells,) = find_table_cells(_ruled_table(open_sides=False))

    assert len(cells) == 9
    assert all(abs((c[2] - c[0]) - 248) <= 6 and abs((c[3] - c[1]) - 58) <= 6 for c in cells)


def test_a_table_open_at_the_left_and_right_still_has_its_outer_cells() -> None:
    (cells,) = find_table_cells(_ruled_table(open_sides=True))

    assert len(cells) == 9
    assert min(c[0] for c in cells) <= 205 and max(c[2] for c in cells) >= 945


def test_a_page_of_prose_has_no_table() -> None:
    image = Image.new("L", (1200, 1700), 255)
    ImageDraw.Draw(image).line([(200, 300), (900, 300)], fill=0, width=2)  # a rule under a heading

    assert find_table_cells(np.asarray(image, dtype=np.uint8)) == []
