"""The document loaders' reasons in Chinese, for the Chinese UI.

The loaders (shared with statute ingestion, whose command line speaks English) give their reasons in English;
the UI shows each known reason in Chinese with its particulars (the extension, the size, the pages), and an
unknown one as it came, so nothing is lost.
"""

from __future__ import annotations

import re

__all__ = ["in_chinese"]

_OCR = "需文字识别（OCR）"
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (r"^unsupported format (\S+) \(supported: (.+)\)$", r"不支持的文件格式 \1（支持：\2）"),
        (r"^unsupported format \(no extension\) \(supported: (.+)\)$", r"文件没有扩展名，无法识别格式（支持：\1）"),
        (r"^empty file$", "空文件"),
        (r"^file is ([\d.]+) MB, over the ([\d.]+) MB limit$", r"文件 \1 MB，超过 \2 MB 的上限"),
        (r"^file is ([\d.]+) MB, over the limit$", r"文件 \1 MB，超过上限"),
        (
            r"^file extension (\S+) but content is binary \(it is (.+)\), not text$",
            r"扩展名为 \1，内容却是二进制（\2）",
        ),
        (r"^file extension (\S+) but content is binary \(NUL bytes\), not text$", r"扩展名为 \1，内容却是二进制"),
        (r"^file extension (\S+) but content is a damaged zip archive", r"扩展名为 \1，内容是损坏的压缩包"),
        (r"^file extension (\S+) but content is not a Word document", r"扩展名为 \1，内容不是 Word 文档"),
        (r"^file extension (\S+) but content is not an Excel workbook$", r"扩展名为 \1，内容不是 Excel 工作簿"),
        (r"^file extension (\S+) but content is not (.+)$", r"扩展名为 \1，内容与扩展名不符（not \2）"),
        (r"^encrypted PDF", "PDF 已加密，需要口令才能读取"),
        (r"^corrupt PDF: (.+)$", r"PDF 已损坏：\1"),
        (r"^corrupt \.docx: (.+)$", r"Word 文档已损坏：\1"),
        (r"^cannot read the workbook: (.+)$", r"无法读取工作簿：\1"),
        (r"^UTF-16 text is not supported", "不支持 UTF-16 编码的文本，请另存为 UTF-8"),
        (r"^no text: the document has no paragraphs or tables with text$", "文档中没有含文字的段落或表格"),
        (r"^no text: the file holds only whitespace$", "文件只有空白，没有文字"),
        (r"^page (\d+) has no text layer \(image only\)", r"第 \1 页没有文字层（仅图片），" + _OCR),
        (r"^pages ([\d, ]+) have no text layer \(image only\)", r"第 \1 页没有文字层（仅图片），" + _OCR),
        (r"^no text layer, OCR needed \(none of the (\d+) pages has text\)$", r"扫描件：全部 \1 页均无文字层，" + _OCR),
        (r"^no text layer, OCR needed", "扫描件：没有文字层，" + _OCR),
        (r"^garbled font", "字体编码错乱：数字和拉丁字母映射成了错误的字符，需文字识别（OCR）或字符映射表"),
    )
)


def in_chinese(reason: str) -> str:
    """A loader's reason in Chinese, or the reason itself when it is already Chinese or not known here."""
    text = reason.strip()
    if not text or re.search(r"[\u4e00-\u9fff]", text[:12]):
        return reason
    for pattern, template in _RULES:
        m = pattern.search(text)
        if m is not None:
            return m.expand(template)
    return reason
