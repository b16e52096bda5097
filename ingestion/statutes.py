"""The 条/款/项 tree of a statute, read from text lines of any format.

A statute is a sequence of articles, each opening with ``第N条`` (N in Chinese numerals up to
第一千二百四十二条), under optional 编/分编/章/节 headings. Within an article, each further line is a
paragraph (款), except lines opening with ``（一）``, ``（二）`` … which are items (项) of the paragraph
before them. The history block (adoption and amendment dates) sits above ``<!-- INFO END -->`` or
before the first heading or article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.documents import Line, normalize_width
from ingestion.numerals import chinese_to_int, int_to_chinese

__all__ = [
    "ARTICLE_RE",
    "Article",
    "Paragraph",
    "Statute",
    "parse_lines",
    "parse_statute",
    "read_statute",
    "read_statutes",
    "split_text",
]

_NUM = "零〇一二三四五六七八九十百千两"
ARTICLE_RE = re.compile(rf"^第([{_NUM}]+)条(之[{_NUM}]+)?[\s\u3000]*(.*)$")
HEADING_RE = re.compile(rf"^#*\s*(第[{_NUM}]+(?:分编|编|章|节))[\s\u3000]*(.*)$")
ITEM_RE = re.compile(rf"^(?:[-*]\s+)?[（(]([{_NUM}]+)[）)]\s*(.*)$")
_FRONT_MATTER_RE = re.compile(r"\A---\n.*?\n---\n", re.S)
_LEVELS = ("编", "分编", "章", "节")


@dataclass
class Paragraph:
    """A 款 with its 项 (items, without their （一） labels)."""

    text: str
    items: list[str] = field(default_factory=list)

    @property
    def full_text(self) -> str:
        """The paragraph with its items, one per line, labels restored."""
        labelled = [f"（{int_to_chinese(i)}）{t}" for i, t in enumerate(self.items, start=1)]
        return "\n".join([self.text, *labelled]) if self.text else "\n".join(labelled)


@dataclass
class Article:
    """One article: its number, chapter path, page and paragraphs (款) in order."""

    number: int
    paragraphs: list[Paragraph]
    chapter: str = ""
    page: int | None = None

    @property
    def text(self) -> str:
        """The whole article, paragraphs and items each on their own line."""
        return "\n".join(p.full_text for p in self.paragraphs)


@dataclass
class Statute:
    """A parsed statute: title, history lines and articles by number."""

    name: str
    title: str
    history: list[str] = field(default_factory=list)
    articles: dict[int, Article] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def article(self, number: int) -> Article | None:
        """The article numbered ``number``, or None."""
        return self.articles.get(number)


@dataclass
class _State:
    statute: Statute
    chapters: dict[str, str] = field(default_factory=dict)
    current: Article | None = None
    in_history: bool = False


def split_text(text: str) -> list[Line]:
    """Plain text (Markdown allowed) as lines: widths folded, front matter dropped, heading levels kept."""
    text = _FRONT_MATTER_RE.sub("", text.replace("\r\n", "\n"))
    out: list[Line] = []
    for raw in text.split("\n"):
        line = normalize_width(raw).strip()
        if line:
            level = len(line) - len(line.lstrip("#")) if line.startswith("#") else 0
            out.append(Line(text=line.lstrip("#").strip() if level else line, heading_level=level))
    return out


def parse_lines(name: str, lines: Sequence[Line]) -> Statute:
    """Parse lines into the article tree. Unknown text before the first article is history."""
    state = _State(Statute(name=name, title=name), in_history=any(ln.text.startswith("<!-- INFO END") for ln in lines))
    for line in lines:
        _consume(state, line)
    return state.statute


def _consume(state: _State, line: Line) -> None:
    text, statute = line.text, state.statute
    if text.startswith("<!-- INFO END"):
        state.in_history = False
        return
    if line.heading_level == 1 and statute.title == statute.name:
        statute.title = text
        return
    if state.in_history:
        statute.history.append(text)
        return
    heading = HEADING_RE.match(text)
    if heading and (line.heading_level or len(text) <= 40):
        level = "分编" if heading.group(1).endswith("分编") else heading.group(1)[-1]
        depth = _LEVELS.index(level)
        state.chapters = {k: v for k, v in state.chapters.items() if k in _LEVELS[:depth]}
        state.chapters[level] = f"{heading.group(1)} {heading.group(2)}".strip()
        state.current = None
        return
    match = ARTICLE_RE.match(text)
    if match:
        _open_article(state, match, line.page)
        return
    if line.heading_level:
        return
    if state.current is not None:
        _add_to_article(state.current, text)
    elif not statute.articles:
        statute.history.append(text)


def _open_article(state: _State, match: re.Match[str], page: int | None) -> None:
    number = chinese_to_int(match.group(1))
    body = match.group(3).strip()
    statute = state.statute
    if match.group(2) or number in statute.articles:
        # 第N条之一 and repeated numbers are not held under N; say so rather than merge them
        statute.skipped.append(match.group(0)[:40])
        state.current = None
        return
    article = Article(number=number, paragraphs=[], chapter=" / ".join(state.chapters.values()), page=page)
    if body:
        _add_to_article(article, body)
    statute.articles[number] = article
    state.current = article


def _add_to_article(article: Article, text: str) -> None:
    item = ITEM_RE.match(text)
    if item and article.paragraphs:
        article.paragraphs[-1].items.append(item.group(2).strip())
    elif item:
        article.paragraphs.append(Paragraph(text="", items=[item.group(2).strip()]))
    else:
        article.paragraphs.append(Paragraph(text=text))


def parse_statute(name: str, text: str) -> Statute:
    """Parse statute text (Markdown or plain) into articles."""
    return parse_lines(name, split_text(text))


def read_statute(path: Path) -> Statute:
    """Read and parse one statute file (UTF-8)."""
    return parse_statute(path.stem, path.read_text(encoding="utf-8"))


def read_statutes(folder: Path) -> dict[str, Statute]:
    """Parse every ``*.md`` / ``*.txt`` statute in ``folder`` (README excluded), by file stem."""
    out: dict[str, Statute] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in {".md", ".txt"} and path.stem.upper() != "README":
            out[path.stem] = read_statute(path)
    return out
