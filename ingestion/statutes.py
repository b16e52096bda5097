"""Article-level reading of statute texts in Markdown or plain text.

A statute is a sequence of articles, each a paragraph opening with ``第N条`` (N in Chinese numerals),
under optional 编/分编/章/节 headings. The history block (adoption and amendment dates) sits above
``<!-- INFO END -->`` or before the first heading. This module gives the article map that the
knowledge-base check and the clause-tree parser share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.numerals import chinese_to_int

__all__ = ["Article", "Statute", "parse_statute", "read_statute", "read_statutes"]

_NUM = "零〇一二三四五六七八九十百千两"
ARTICLE_RE = re.compile(rf"^\s*第([{_NUM}]+)条(之[{_NUM}]+)?[\s\u3000]*(.*)$")
HEADING_RE = re.compile(rf"^\s*#*\s*(第[{_NUM}]+(?:编|分编|章|节))[\s\u3000]*(.*)$")
_FRONT_MATTER_RE = re.compile(r"\A---\n.*?\n---\n", re.S)


@dataclass
class Article:
    """One article: its number, chapter path and paragraphs (款) in order."""

    number: int
    paragraphs: list[str]
    chapter: str = ""
    suffix: str = ""

    @property
    def text(self) -> str:
        """The whole article, paragraphs joined by newlines."""
        return "\n".join(self.paragraphs)


@dataclass
class Statute:
    """A parsed statute: title, history lines and articles by number."""

    name: str
    title: str
    history: list[str] = field(default_factory=list)
    articles: dict[int, Article] = field(default_factory=dict)

    def article(self, number: int) -> Article | None:
        """The article numbered ``number``, or None."""
        return self.articles.get(number)


def parse_statute(name: str, text: str) -> Statute:
    """Parse statute text into articles.

    Paragraphs that follow an article and do not open a new article or heading belong to it (款).
    Articles numbered ``第N条之一`` are kept apart from N (stored under their own suffix key only in
    ``Article.suffix``; the base number keeps the main article).
    """
    text = _FRONT_MATTER_RE.sub("", text.replace("\r\n", "\n"))
    title = name
    statute = Statute(name=name, title=title)
    chapters: dict[str, str] = {}
    current: Article | None = None
    in_history = "<!-- INFO END -->" in text
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("<!-- INFO END"):
            in_history = False
            continue
        if line.startswith("# ") and statute.title == name:
            statute.title = line.lstrip("# ").strip()
            continue
        if in_history:
            statute.history.append(line)
            continue
        heading = HEADING_RE.match(line)
        if heading and (line.startswith("#") or not heading.group(2).startswith(("规定", "的"))):
            level = heading.group(1)[-1] if not heading.group(1).endswith("分编") else "分编"
            chapters = _enter_heading(chapters, level, f"{heading.group(1)} {heading.group(2)}".strip())
            current = None
            continue
        match = ARTICLE_RE.match(line)
        if match:
            number = chinese_to_int(match.group(1))
            body = match.group(3).strip()
            if match.group(2):
                current = None  # 第N条之一: not held under N
                continue
            if number in statute.articles:
                current = None  # a quoted or repeated number; keep the first
                continue
            current = Article(number=number, paragraphs=[body] if body else [], chapter=" / ".join(chapters.values()))
            statute.articles[number] = current
            continue
        if line.startswith("#"):
            continue
        if current is not None:
            current.paragraphs.append(line)
        elif not statute.articles:
            statute.history.append(line)
    return statute


_LEVELS = ("编", "分编", "章", "节")


def _enter_heading(chapters: dict[str, str], level: str, title: str) -> dict[str, str]:
    depth = _LEVELS.index(level) if level in _LEVELS else len(_LEVELS) - 1
    kept = {k: v for k, v in chapters.items() if k in _LEVELS[:depth]}
    kept[level] = title
    return kept


def read_statute(path: Path) -> Statute:
    """Read and parse one statute file (UTF-8)."""
    return parse_statute(path.stem, path.read_text(encoding="utf-8"))


def read_statutes(folder: Path) -> dict[str, Statute]:
    """Parse every ``*.md`` / ``*.txt`` statute in ``folder`` (README.md excluded), by file stem."""
    out: dict[str, Statute] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in {".md", ".txt"} and path.stem.upper() != "README":
            out[path.stem] = read_statute(path)
    return out
