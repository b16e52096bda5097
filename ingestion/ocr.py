"""OCR of image-only PDF pages, offline, with a confidence per page and a cache keyed by the file's SHA-256.

A page is rendered (pypdfium2, the renderer pdfplumber uses) at :data:`DPI`, its ruled tables are found
from the image (long horizontal and vertical strokes, OpenCV morphology: the cells are the white
regions the rules enclose) and its text is recognised by a :class:`TextRecognizer`. The default one is
:class:`RapidOcrRecognizer`: RapidOCR on onnxruntime with the PP-OCRv4 Chinese models that ship inside
the ``rapidocr-onnxruntime`` wheel, so nothing is downloaded at run time.

A page's confidence is the mean of the recogniser's per-box scores weighted by the characters of each
box. Pages below :data:`LOW_CONFIDENCE` are kept but flagged (see ``evals/README.md`` for how the
threshold was chosen).

The result of a page (boxes and table cells, not the image) is cached as JSON under
``<cache_dir>/<sha256>.json`` per engine and resolution, so re-ingesting a scanned standard reads
the cache instead of running OCR again (about 5 s per page on 2 cores).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kg.errors import IngestionError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "user_cache_dir",
    "DPI",
    "LOW_CONFIDENCE",
    "OcrBox",
    "OcrPage",
    "PdfPageOcr",
    "RapidOcrRecognizer",
    "TextRecognizer",
    "file_sha256",
    "find_table_cells",
]

log = logging.getLogger(__name__)

#: Rendering resolution: the scans here are 300-350 dpi bilevel; 150 dpi keeps 9-pt table text legible
#: to the recogniser while its detector works on an image under its 2000-pixel limit.
DPI = 150
#: Pages whose confidence is below this are flagged low-confidence (measured: evals/README.md).
LOW_CONFIDENCE = 0.90


def user_cache_dir() -> Path:
    """Where OCR results are kept by default: the user's cache (``$XDG_CACHE_HOME/hsekg/ocr``, else
    ``~/.cache/hsekg/ocr``), shared by every data dir on the machine, since a result depends only on the file's
    content and the engine: a second data dir (a test's, a copy) reads it instead of paying minutes of OCR again."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hsekg" / "ocr"


Rect = tuple[int, int, int, int]  # x0, top, x1, bottom in pixels of the rendered page

_INK = 200  # grey level below which a pixel is ink
_MIN_TABLE_WIDTH = 0.3  # of the page width
_MIN_CELLS = 4
_MIN_CELL = 8  # pixels


@dataclass(frozen=True)
class OcrBox:
    """One recognised text box: its text, its box on the rendered page and the recogniser's score."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float

    @property
    def center(self) -> tuple[float, float]:
        """The middle of the box."""
        return (self.x0 + self.x1) / 2, (self.top + self.bottom) / 2


@dataclass
class OcrPage:
    """What OCR read from one page: text boxes and the cells of each ruled table (pixel rectangles)."""

    number: int
    width: int
    height: int
    boxes: list[OcrBox] = field(default_factory=list)
    tables: list[list[Rect]] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """Mean box score weighted by characters; 0.0 for a page without text."""
        chars = sum(len(b.text) for b in self.boxes)
        if not chars:
            return 0.0
        return sum(b.confidence * len(b.text) for b in self.boxes) / chars

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the cache format)."""
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> OcrPage:
        """Inverse of :meth:`to_json`."""
        return cls(
            number=int(raw["number"]),
            width=int(raw["width"]),
            height=int(raw["height"]),
            boxes=[OcrBox(**b) for b in raw["boxes"]],
            tables=[[(int(c[0]), int(c[1]), int(c[2]), int(c[3])) for c in t] for t in raw["tables"]],
        )


class TextRecognizer(Protocol):
    """Detects and recognises text lines on a page image."""

    @property
    def name(self) -> str:
        """Engine and model version: part of the cache key."""
        ...

    def recognize(self, image: npt.NDArray[np.uint8]) -> list[OcrBox]:
        """Text boxes of an RGB image."""
        ...


class RapidOcrRecognizer:
    """RapidOCR (onnxruntime, PP-OCRv4 Chinese models from the wheel). The engine loads on first use.

    Args:
        threads: onnxruntime intra-op threads.
    """

    def __init__(self, *, threads: int = 2) -> None:
        self.threads = threads
        self._engine: Any = None

    @property
    def name(self) -> str:
        """``rapidocr-onnxruntime <version>``."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}"
        except PackageNotFoundError as e:
            raise IngestionError(_INSTALL_HINT) from e

    def recognize(self, image: npt.NDArray[np.uint8]) -> list[OcrBox]:
        """Text boxes of an RGB image, in the recogniser's order."""
        result, _ = self._load()(image)
        boxes = []
        for points, text, score in result or []:
            xs = [float(p[0]) for p in points]
            ys = [float(p[1]) for p in points]
            boxes.append(OcrBox(str(text), min(xs), min(ys), max(xs), max(ys), round(float(score), 4)))
        return boxes

    def _load(self) -> Any:
        if self._engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as e:
                raise IngestionError(_INSTALL_HINT) from e
            # upright scans: the 180° classifier only costs time
            self._engine = RapidOCR(intra_op_num_threads=self.threads, inter_op_num_threads=1, use_cls=False)
        return self._engine


_INSTALL_HINT = "OCR needs rapidocr-onnxruntime (pip install rapidocr-onnxruntime), which ships its models"


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class PdfPageOcr:
    """OCR of chosen pages of a PDF, cached per file content.

    Args:
        recognizer: the text recogniser.
        cache_dir: where results are kept (``hsekg ingest``: :func:`user_cache_dir`); None for no cache.
        dpi: rendering resolution.
        progress: called as ``progress(file name, page done, pages to read)`` after each page OCR reads (a page
            takes seconds, a scanned standard minutes), not for pages the cache holds.
    """

    def __init__(
        self,
        recognizer: TextRecognizer,
        *,
        cache_dir: Path | None = None,
        dpi: int = DPI,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        if dpi < 72:
            raise ValueError(f"dpi {dpi} is too low for OCR")
        self.recognizer = recognizer
        self.cache_dir = cache_dir
        self.dpi = dpi
        self.progress = progress

    def run(self, path: Path, pages: Sequence[int]) -> dict[int, OcrPage]:
        """OCR ``pages`` (1-based) of ``path``, from the cache where it holds them.

        Raises:
            IngestionError: the file cannot be rendered or the engine is missing.
        """
        if not pages:
            return {}
        cache = self._cache_path(path)
        cached = _read_cache(cache)
        missing = [n for n in pages if n not in cached]
        if missing:
            log.info("OCR of %s: %d pages", path.name, len(missing))
            cached.update(self._recognize(path, missing))
            if cache is not None:
                _write_cache(cache, cached)
        return {n: cached[n] for n in pages}

    def _cache_path(self, path: Path) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.recognizer.name}|{self.dpi}".encode()).hexdigest()[:8]
        return self.cache_dir / f"{file_sha256(path)}-{key}.json"

    def _recognize(self, path: Path, pages: Sequence[int]) -> dict[int, OcrPage]:
        import numpy as np
        import pypdfium2 as pdfium

        out: dict[int, OcrPage] = {}
        try:
            pdf = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as e:
            raise IngestionError(f"cannot render {path.name} for OCR: {e}") from e
        try:
            for done, number in enumerate(pages, start=1):
                image = pdf[number - 1].render(scale=self.dpi / 72, grayscale=True).to_pil()
                gray = np.asarray(image.convert("L"), dtype=np.uint8)
                rgb = np.ascontiguousarray(np.stack([gray] * 3, axis=-1))
                boxes = self.recognizer.recognize(rgb)
                out[number] = OcrPage(number, gray.shape[1], gray.shape[0], boxes, find_table_cells(gray))
                if self.progress is not None:
                    self.progress(path.name, done, len(pages))
        finally:
            pdf.close()
        return out


def _read_cache(cache: Path | None) -> dict[int, OcrPage]:
    if cache is None or not cache.exists():
        return {}
    try:
        raw = json.loads(cache.read_text(encoding="utf-8"))
        return {int(n): OcrPage.from_json(p) for n, p in raw["pages"].items()}
    except (ValueError, KeyError, TypeError) as e:
        log.warning("OCR cache %s unreadable (%s): OCR runs again", cache, e)
        return {}


def _write_cache(cache: Path, pages: dict[int, OcrPage]) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    payload = {"pages": {str(n): p.to_json() for n, p in sorted(pages.items())}}
    fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(payload, f, ensure_ascii=False)
    os.replace(tmp, cache)


def find_table_cells(gray: npt.NDArray[np.uint8]) -> list[list[Rect]]:
    """The cells of each ruled table on a page image, as pixel rectangles.

    Rules are runs of ink longer than a thirtieth of the page width (horizontal) or a sixtieth of its
    height (vertical); a connected group of rules wider than 30 % of the page is a table. Chinese
    standards often leave a table's left and right sides open, so the group's bounding box is closed
    before the enclosed white regions are taken as cells.
    """
    import cv2
    import numpy as np

    height, width = gray.shape
    ink = np.where(gray < _INK, 255, 0).astype(np.uint8)
    # thickened across the rule first: a thin rule of a skewed scan wanders over neighbouring pixel rows
    across_h = cv2.dilate(ink, np.ones((3, 1), np.uint8))
    across_v = cv2.dilate(ink, np.ones((1, 3), np.uint8))
    horizontal = cv2.morphologyEx(across_h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (width // 30, 1)))
    vertical = cv2.morphologyEx(across_v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, height // 60)))
    rules = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    tables: list[list[Rect]] = []
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if w < _MIN_TABLE_WIDTH * width or h < 4 * _MIN_CELL:
            continue
        region = rules[y : y + h, x : x + w].copy()
        cv2.rectangle(region, (0, 0), (w - 1, h - 1), 255, 2)
        n, _, cell_stats, _ = cv2.connectedComponentsWithStats(cv2.bitwise_not(region), connectivity=4)
        cells = [
            (x + cx, y + cy, x + cx + cw, y + cy + ch)
            for cx, cy, cw, ch, _ in (tuple(int(v) for v in s) for s in cell_stats[1:n])
            if cw >= _MIN_CELL and ch >= _MIN_CELL
        ]
        if len(cells) >= _MIN_CELLS:
            tables.append(sorted(cells, key=lambda c: (c[1], c[0])))
    return sorted(tables, key=lambda t: min(c[1] for c in t))
