"""The loaders' reasons as the Chinese UI shows them: known ones translated with their particulars, unknown ones
kept as they came."""

from __future__ import annotations

import pytest

from ingestion.loaders.pdf import GARBLED_MESSAGE, NO_TEXT_MESSAGE
from ui.messages import in_chinese


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        (
            "unsupported format .csv (supported: .md, .txt, .pdf, .docx, .xlsx, .xlsm)",
            "不支持的文件格式 .csv（支持：.md, .txt, .pdf, .docx, .xlsx, .xlsm）",
        ),
        ("empty file", "空文件"),
        ("file is 61.2 MB, over the 50.0 MB limit", "文件 61.2 MB，超过 50.0 MB 的上限"),
        (
            "file extension .pdf but content is not a PDF (it is a PNG image)",
            "扩展名为 .pdf，内容与扩展名不符（not a PDF (it is a PNG image)）",
        ),
        ("file extension .xlsx but content is not an Excel workbook", "扩展名为 .xlsx，内容不是 Excel 工作簿"),
        (f"{NO_TEXT_MESSAGE} (none of the 3 pages has text)", "扫描件：全部 3 页均无文字层，需文字识别（OCR）"),
        (
            "pages 2, 5 have no text layer (image only): their content is missing, OCR needed",
            "第 2, 5 页没有文字层（仅图片），需文字识别（OCR）",
        ),
        (GARBLED_MESSAGE, "字体编码错乱：数字和拉丁字母映射成了错误的字符，需文字识别（OCR）或字符映射表"),
        ("扫描件：各页均无文字层，请先做文字识别（OCR）", "扫描件：各页均无文字层，请先做文字识别（OCR）"),
        ("something new happened", "something new happened"),
    ],
)
def test_a_loader_reason_in_chinese(reason: str, shown: str) -> None:
    assert in_chinese(reason) == shown
