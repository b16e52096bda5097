"""load_document: choosing the loader by suffix and refusing files whose content does not fit."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

import ingestion.loaders as loaders
from ingestion.documents import DocumentLoader, Line, LoadedDocument
from ingestion.loaders import LOADERS, describe_content, load_document, register_loader
from kg.errors import IngestionError, UnsupportedDocumentError

MB = 1024 * 1024
LIMIT = 10 * MB
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _small_pdf(path: Path) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    canvas = Canvas(str(path))
    canvas.setFont("STSong-Light", 12)
    canvas.drawString(72, 700, "第一条 测试。")
    canvas.showPage()
    canvas.save()
    return path


def test_every_format_is_dispatched(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("第一条 测试。")
    document.save(str(tmp_path / "a.docx"))
    paths = [
        _file(tmp_path, "a.md", "# 标题\n第一条 测试。".encode()),
        _file(tmp_path, "a.TXT", "第一条 测试。".encode("gbk")),
        _small_pdf(tmp_path / "a.pdf"),
        tmp_path / "a.docx",
    ]

    docs = [load_document(path, max_bytes=LIMIT) for path in paths]

    assert [d.format for d in docs] == ["md", "txt", "pdf", "docx"]
    assert all(d.lines[-1].text == "第一条 测试。" for d in docs)


def test_registered_loaders_satisfy_the_protocol() -> None:
    assert set(LOADERS) == {".md", ".txt", ".pdf", ".docx"}
    assert all(isinstance(loader, DocumentLoader) for loader in LOADERS.values())


def test_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError) as info:
        load_document(_file(tmp_path, "a.xyz", b"data"), max_bytes=LIMIT)
    assert str(info.value) == "unsupported format .xyz (supported: .md, .txt, .pdf, .docx)"


def test_no_suffix(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError, match=r"unsupported format \(no extension\)"):
        load_document(_file(tmp_path, "README", b"data"), max_bytes=LIMIT)


@pytest.mark.parametrize("name", ["a.md", "a.pdf", "a.docx", "a.txt"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsupportedDocumentError, match="^empty file$"):
        load_document(_file(tmp_path, name, b""), max_bytes=LIMIT)


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    with path.open("wb") as f:
        f.truncate(int(12.3 * MB))  # sparse, and not even a PDF: the size check comes first

    with pytest.raises(UnsupportedDocumentError) as info:
        load_document(path, max_bytes=LIMIT)
    assert str(info.value) == "file is 12.3 MB, over the 10.0 MB limit"


def test_file_at_the_limit_is_accepted(tmp_path: Path) -> None:
    path = _file(tmp_path, "a.md", "第一条 测试。".encode())

    assert load_document(path, max_bytes=path.stat().st_size).lines[0].text == "第一条 测试。"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestionError, match="file not found"):
        load_document(tmp_path / "nope.pdf", max_bytes=LIMIT)


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.md").mkdir()

    with pytest.raises(IngestionError, match="not a file"):
        load_document(tmp_path / "dir.md", max_bytes=LIMIT)


def test_pdf_extension_on_text(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError) as info:
        load_document(_file(tmp_path, "a.pdf", "第一条 测试。".encode()), max_bytes=LIMIT)
    assert str(info.value) == "file extension .pdf but content is not a PDF"


def test_pdf_extension_on_an_image_names_the_content(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError, match=r"content is not a PDF \(it is a PNG image\)"):
        load_document(_file(tmp_path, "scan.pdf", PNG), max_bytes=LIMIT)


def test_corrupt_pdf_with_a_valid_header(tmp_path: Path) -> None:
    good = _small_pdf(tmp_path / "good.pdf").read_bytes()

    with pytest.raises(UnsupportedDocumentError, match="corrupt PDF"):
        load_document(_file(tmp_path, "cut.pdf", good[:200]), max_bytes=LIMIT)


def test_docx_extension_on_a_pdf(tmp_path: Path) -> None:
    pdf = _small_pdf(tmp_path / "x.pdf").read_bytes()

    with pytest.raises(UnsupportedDocumentError, match=r"file extension \.docx but content is not a Word \(\.docx\)"):
        load_document(_file(tmp_path, "a.docx", pdf), max_bytes=LIMIT)


def test_docx_extension_on_a_legacy_doc(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError, match=r"it is a legacy Office file"):
        load_document(_file(tmp_path, "a.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64), max_bytes=LIMIT)


def test_docx_extension_on_another_zip(tmp_path: Path) -> None:
    path = tmp_path / "book.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")

    with pytest.raises(UnsupportedDocumentError, match="a zip without word/document.xml"):
        load_document(path, max_bytes=LIMIT)


def test_docx_extension_on_a_damaged_zip(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDocumentError, match="damaged zip archive"):
        load_document(_file(tmp_path, "a.docx", b"PK\x03\x04" + b"\x00" * 40), max_bytes=LIMIT)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"abc\x00def", r"file extension \.md but content is binary \(NUL bytes\), not text"),
        (PNG, r"file extension \.md but content is binary \(it is a PNG image\), not text"),
        (b"%PDF-1.7\n...", r"content is binary \(it is a PDF\)"),
        (b"\x81\x30\xff\xff", r"file extension \.md but content is not text"),
    ],
)
def test_binary_markdown(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(UnsupportedDocumentError, match=reason):
        load_document(_file(tmp_path, "law.md", data), max_bytes=LIMIT)


def test_describe_content() -> None:
    assert describe_content(b"%PDF-1.4") == "a PDF"
    assert describe_content(b"plain") is None


class _UpperLoader:
    suffixes = (".up",)

    def load(self, path: Path) -> LoadedDocument:
        return LoadedDocument(path=path, format="up", lines=[Line(path.read_text().upper())])


class _BrokenLoader:
    suffixes = (".bad",)

    def load(self, path: Path) -> LoadedDocument:
        raise RuntimeError("boom")


@pytest.fixture
def private_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "LOADERS", dict(loaders.LOADERS))
    monkeypatch.setattr(loaders, "CONTENT_CHECKS", dict(loaders.CONTENT_CHECKS))


@pytest.mark.usefixtures("private_registry")
def test_a_new_format_plugs_in(tmp_path: Path) -> None:
    register_loader(_UpperLoader(), check=lambda path, head: None if head.isascii() else "not ASCII")

    doc = loaders.load_document(_file(tmp_path, "a.up", b"hello"), max_bytes=LIMIT)

    assert (doc.format, doc.text) == ("up", "HELLO")
    with pytest.raises(UnsupportedDocumentError, match="not ASCII"):
        loaders.load_document(_file(tmp_path, "b.up", "汉".encode()), max_bytes=LIMIT)
    with pytest.raises(UnsupportedDocumentError, match=r"supported: \.md, \.txt, \.pdf, \.docx, \.up\)"):
        loaders.load_document(_file(tmp_path, "c.xyz", b"x"), max_bytes=LIMIT)


@pytest.mark.usefixtures("private_registry")
def test_unexpected_loader_errors_become_ingestion_errors(tmp_path: Path) -> None:
    register_loader(_BrokenLoader())

    with pytest.raises(IngestionError, match=r"could not read \.bad file: RuntimeError: boom") as info:
        loaders.load_document(_file(tmp_path, "a.bad", b"x"), max_bytes=LIMIT)
    assert isinstance(info.value.__cause__, RuntimeError)
