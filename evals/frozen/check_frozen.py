"""Validate the frozen evaluation set (stdlib only).

Checks ``change_frozen.jsonl`` against the change-set format and matching rules of
``../shared/evalsets/README.md`` (JSON shape, composition counts, every cited
``law`` + ``article`` present in ``../shared/regulations``, keyword self-match and
cross-match with NFKC + case-fold) and the plant folders under ``plants/``
(``expected.yaml`` shape, every expected name written in the plant's documents).

Usage: ``python evals/frozen/check_frozen.py [--regulations DIR] [--frozen DIR]``.
Exit status 0 when clean, 1 when any error was found.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_REGULATIONS = HERE.parents[2] / "shared" / "regulations"

CHANGE_TYPES = ("add_process", "new_material", "new_equipment", "expand", "regulation_change")
MIN_TYPE_COUNTS = {
    "new_material": 12,
    "new_equipment": 9,
    "expand": 9,
    "regulation_change": 6,
    "add_process": 1,
}
MIN_ITEMS = 44
MIN_SECTORS = 8
MIN_WITHOUT_PROCESS = 6
LEVELS = ("企业", "部门", "岗位")
RANGES = {"risks": (3, 6), "obligations": (3, 8), "indicators": (3, 6), "must_not": (2, 5)}
HEADCOUNT = (30, 1500)
PLANT_SECTORS = ("铸造", "电镀", "锂电池", "印刷包装", "木材加工", "食品")
PERMIT_CLASSES = ("重点管理", "简化管理", "登记管理")
POLLUTANT_KINDS = ("废气", "废水", "危险废物", "一般固废", "噪声")
DOC_SUFFIXES = (".pdf.txt", ".docx.md", ".xlsx.tsv", ".md")

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
ARTICLE_RE = re.compile(r"^第([零〇一二两三四五六七八九十百千]+)条")


def norm(text: str) -> str:
    """NFKC-normalise and case-fold (Latin letters) for keyword matching."""
    return unicodedata.normalize("NFKC", text).casefold()


def cn_to_int(numeral: str) -> int:
    """Convert a Chinese numeral such as 一千二百四十二 or 二十 to an int."""
    total = 0
    current = 0
    for ch in numeral:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
    return total + current


def load_articles(reg_dir: Path) -> dict[str, set[int]]:
    """Map each regulation (file name without .md) to the article numbers it holds."""
    laws: dict[str, set[int]] = {}
    for path in sorted(reg_dir.glob("*.md")):
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8").split("<!-- INFO END -->")[-1]
        numbers: set[int] = set()
        for line in text.splitlines():
            match = ARTICLE_RE.match(line.strip())
            if match:
                numbers.add(cn_to_int(match.group(1)))
        laws[path.stem] = numbers
    return laws


def matches(text: str, keywords_any: list[list[str]]) -> bool:
    """AND across inner lists, OR within each list, plain substrings after norm()."""
    hay = norm(text)
    return all(any(norm(k) in hay for k in group) for group in keywords_any)


class Report:
    """Collects errors and notes and writes them to stdout."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.notes: list[str] = []

    def error(self, where: str, msg: str) -> None:
        self.errors.append(f"ERROR {where}: {msg}")

    def note(self, msg: str) -> None:
        self.notes.append(msg)

    def write(self) -> None:
        for line in self.notes + self.errors:
            sys.stdout.write(line + "\n")
        status = "CLEAN" if not self.errors else f"{len(self.errors)} error(s)"
        sys.stdout.write(f"result: {status}\n")


def is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def check_keywords(where: str, entry: dict[str, Any], rep: Report) -> bool:
    kws = entry.get("keywords_any")
    if not (isinstance(kws, list) and kws and all(is_str_list(g) and g for g in kws)):
        rep.error(where, "keywords_any must be a non-empty list of non-empty string lists")
        return False
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        rep.error(where, "name missing")
        return False
    if not matches(name, kws):
        rep.error(where, f"name does not match its own keywords: {name}")
    return True


def check_cross(where: str, entries: list[dict[str, Any]], rep: Report) -> None:
    for i, a in enumerate(entries):
        for j, b in enumerate(entries):
            if i != j and matches(a["name"], b["keywords_any"]):
                rep.error(where, f"name «{a['name']}» matches keywords of «{b['name']}»")


def check_obligations(where: str, obligations: list[Any], laws: dict[str, set[int]], rep: Report) -> None:
    seen: dict[tuple[str, int], int] = {}
    for k, ob in enumerate(obligations):
        w = f"{where} obligation[{k}]"
        if not isinstance(ob, dict):
            rep.error(w, "not an object")
            continue
        refs = [ob]
        alts = ob.get("also_acceptable", [])
        if not isinstance(alts, list):
            rep.error(w, "also_acceptable must be a list")
            alts = []
        refs.extend(alts)
        for ref in refs:
            law = ref.get("law") if isinstance(ref, dict) else None
            art = ref.get("article") if isinstance(ref, dict) else None
            if not isinstance(law, str) or not isinstance(art, int) or isinstance(art, bool):
                rep.error(w, f"bad reference {ref!r}")
                continue
            if law not in laws:
                rep.error(w, f"unknown law {law}")
            elif art not in laws[law]:
                rep.error(w, f"{law} has no 第{art}条")
            key = (law, art)
            if key in seen and seen[key] != k:
                rep.error(w, f"{law} {art} also cited by obligation[{seen[key]}]")
            seen.setdefault(key, k)


def check_item(item: Any, laws: dict[str, set[int]], rep: Report) -> dict[str, Any] | None:
    where = f"item {item.get('id', '?') if isinstance(item, dict) else '?'}"
    if not isinstance(item, dict):
        rep.error(where, "not an object")
        return None
    for key in ("id", "sector", "enterprise", "processes_before", "change", "gold"):
        if key not in item:
            rep.error(where, f"missing {key}")
            return None
    for key in ("id", "sector", "enterprise"):
        if not isinstance(item[key], str) or not item[key].strip():
            rep.error(where, f"{key} must be a non-empty string")
    head = re.search(r"员工约(\d+)人", item["enterprise"])
    if head is None:
        rep.error(where, "enterprise should state 员工约N人")
    elif not HEADCOUNT[0] <= int(head.group(1)) <= HEADCOUNT[1]:
        rep.error(where, f"headcount {head.group(1)} outside {HEADCOUNT}")
    before = item["processes_before"]
    if not isinstance(before, list) or not before:
        rep.error(where, "processes_before must be a non-empty list")
    else:
        for p in before:
            if not (
                isinstance(p, dict)
                and all(isinstance(p.get(k), str) and p.get(k) for k in ("stage", "name", "description"))
            ):
                rep.error(where, f"bad process {p!r}")
    change = item["change"]
    if not isinstance(change, dict) or change.get("type") not in CHANGE_TYPES:
        rep.error(where, "change.type invalid")
        return None
    if not isinstance(change.get("description"), str) or not change["description"].strip():
        rep.error(where, "change.description missing")
    proc = change.get("process")
    if proc is not None and not (
        isinstance(proc, dict)
        and all(isinstance(proc.get(k), str) and proc.get(k) for k in ("stage", "name", "description"))
    ):
        rep.error(where, "change.process malformed")
    gold = item["gold"]
    if not isinstance(gold, dict):
        rep.error(where, "gold must be an object")
        return None
    for key, (low, high) in RANGES.items():
        value = gold.get(key)
        if not isinstance(value, list) or not low <= len(value) <= high:
            rep.error(where, f"gold.{key} must hold {low}-{high} entries")
            return None
    ok_risks = all(check_keywords(f"{where} risk[{k}]", r, rep) for k, r in enumerate(gold["risks"]))
    ok_inds = True
    for k, ind in enumerate(gold["indicators"]):
        w = f"{where} indicator[{k}]"
        ok_inds = check_keywords(w, ind, rep) and ok_inds
        if ind.get("level") not in LEVELS:
            rep.error(w, f"level must be one of {LEVELS}")
        if not isinstance(ind.get("target_hint"), str) or not ind["target_hint"].strip():
            rep.error(w, "target_hint missing")
    if ok_risks:
        check_cross(f"{where} risks", gold["risks"], rep)
    if ok_inds:
        check_cross(f"{where} indicators", gold["indicators"], rep)
    check_obligations(where, gold["obligations"], laws, rep)
    if not is_str_list(gold["must_not"]):
        rep.error(where, "must_not must be non-empty strings")
    elif ok_risks:
        for bad in gold["must_not"]:
            for r in gold["risks"]:
                if norm(bad) in norm(r["name"]):
                    rep.error(where, f"must_not «{bad}» occurs in gold risk «{r['name']}»")
    return item


def check_changes(path: Path, laws: dict[str, set[int]], rep: Report) -> None:
    items: list[dict[str, Any]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            rep.error(f"line {n}", "blank line")
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            rep.error(f"line {n}", f"invalid JSON: {exc}")
            continue
        checked = check_item(raw, laws, rep)
        if checked is not None:
            items.append(checked)
    ids = Counter(it["id"] for it in items)
    for iid, count in ids.items():
        if count > 1:
            rep.error("ids", f"{iid} appears {count} times")
    types = Counter(it["change"]["type"] for it in items)
    sectors = Counter(it["sector"] for it in items)
    without = [it["id"] for it in items if "process" not in it["change"]]
    add_without = [it["id"] for it in items if it["change"]["type"] == "add_process" and "process" not in it["change"]]
    if len(items) < MIN_ITEMS:
        rep.error("composition", f"{len(items)} items < {MIN_ITEMS}")
    for ctype, minimum in MIN_TYPE_COUNTS.items():
        if types[ctype] < minimum:
            rep.error("composition", f"{ctype}: {types[ctype]} < {minimum}")
    if len(sectors) < MIN_SECTORS:
        rep.error("composition", f"{len(sectors)} sectors < {MIN_SECTORS}")
    if len(add_without) < MIN_WITHOUT_PROCESS:
        rep.error("composition", f"add_process items without change.process: {len(add_without)}")
    n_obl = sum(len(it["gold"]["obligations"]) for it in items)
    n_alt = sum(1 for it in items for ob in it["gold"]["obligations"] if ob.get("also_acceptable"))
    rep.note(f"change items: {len(items)}; types: {dict(sorted(types.items()))}")
    rep.note(f"sectors ({len(sectors)}): {dict(sorted(sectors.items()))}")
    rep.note(f"items without change.process: {len(without)} (add_process without process: {len(add_without)})")
    rep.note(f"obligations: {n_obl}, with alternates: {n_alt}")


# ----------------------------------------------------------------- plants
def _unquote(token: str) -> str:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1]
    return token


def _split_flow(body: str) -> list[str]:
    """Split a YAML flow collection body on top-level commas."""
    parts: list[str] = []
    depth = 0
    quote = ""
    buf: list[str] = []
    for ch in body:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    if "".join(buf).strip():
        parts.append("".join(buf))
    return [p.strip() for p in parts if p.strip()]


def _scalar_or_flow(token: str) -> Any:
    token = token.strip()
    if token.startswith("[") and token.endswith("]"):
        return [_scalar_or_flow(t) for t in _split_flow(token[1:-1])]
    if token.startswith("{") and token.endswith("}"):
        mapping: dict[str, Any] = {}
        for part in _split_flow(token[1:-1]):
            key, _, value = part.partition(":")
            mapping[_unquote(key)] = _scalar_or_flow(value)
        return mapping
    value = _unquote(token)
    if re.fullmatch(r"-?\d+", value) and token == value:
        return int(value)
    return value


def _strip_comment(line: str) -> str:
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def parse_simple_yaml(text: str) -> dict[str, Any]:
    """Parse the small YAML subset used by expected.yaml (top-level keys, scalars,
    flow lists and maps, block lists of scalars or flow maps)."""
    data: dict[str, Any] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = _strip_comment(raw)
        if not line.strip():
            continue
        if line.lstrip().startswith("- "):
            if current is None:
                raise ValueError(f"list item outside a key: {raw}")
            if not isinstance(data[current], list):
                data[current] = []
            data[current].append(_scalar_or_flow(line.lstrip()[2:]))
            continue
        if line[0] in " \t":
            raise ValueError(f"unsupported indentation: {raw}")
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"not a key: {raw}")
        current = key.strip()
        data[current] = _scalar_or_flow(value) if value.strip() else []
    return data


def _docs_text(plant: Path) -> tuple[str, list[Path]]:
    docs = sorted(
        p for p in plant.iterdir() if p.is_file() and p.name != "expected.yaml" and p.name.endswith(DOC_SUFFIXES)
    )
    return "\n".join(p.read_text(encoding="utf-8") for p in docs), docs


def check_plant(plant: Path, rep: Report) -> None:
    where = f"plant {plant.name}"
    exp_path = plant / "expected.yaml"
    if not exp_path.exists():
        rep.error(where, "expected.yaml missing")
        return
    try:
        exp = parse_simple_yaml(exp_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        rep.error(where, f"expected.yaml: {exc}")
        return
    text, docs = _docs_text(plant)
    if not 1 <= len(docs) <= 3:
        rep.error(where, f"{len(docs)} documents (1-3 expected)")
    hay = norm(text)
    if exp.get("sector") not in PLANT_SECTORS or exp.get("sector") != plant.name:
        rep.error(where, f"sector {exp.get('sector')!r} must be the folder name and one of {PLANT_SECTORS}")
    if not isinstance(exp.get("name"), str) or norm(exp["name"]) not in hay:
        rep.error(where, "name missing or not written in the documents")
    if not isinstance(exp.get("headcount"), int):
        rep.error(where, "headcount must be an integer")
    elif str(exp["headcount"]) not in text:
        rep.error(where, f"headcount {exp['headcount']} not written in the documents")
    if exp.get("permit_class") not in PERMIT_CLASSES:
        rep.error(where, f"permit_class must be one of {PERMIT_CLASSES}")
    elif norm(exp["permit_class"]) not in hay:
        rep.error(where, "permit_class not written in the documents")
    lists = ("processes", "hazardous_materials", "special_equipment", "not_processes")
    for key in lists:
        value = exp.get(key)
        if not is_str_list(value):
            rep.error(where, f"{key} must be a list of strings")
            continue
        for name in value or []:
            if norm(name) not in hay:
                rep.error(where, f"{key}: «{name}» not written in the documents")
    if is_str_list(exp.get("processes")) and is_str_list(exp.get("not_processes")):
        overlap = set(exp["processes"]) & set(exp["not_processes"])
        if overlap:
            rep.error(where, f"in both processes and not_processes: {sorted(overlap)}")
    pollutants = exp.get("pollutants")
    if not isinstance(pollutants, list) or not pollutants:
        rep.error(where, "pollutants must be a non-empty list")
        return
    for p in pollutants:
        if not (isinstance(p, dict) and isinstance(p.get("name"), str)):
            rep.error(where, f"bad pollutant {p!r}")
            continue
        if p.get("kind") not in POLLUTANT_KINDS:
            rep.error(where, f"pollutant {p['name']}: kind must be one of {POLLUTANT_KINDS}")
        if norm(p["name"]) not in hay:
            rep.error(where, f"pollutant «{p['name']}» not written in the documents")
        if p.get("kind") == "危险废物":
            code = str(p.get("code", ""))
            if not re.fullmatch(r"HW\d{2}", code):
                rep.error(where, f"pollutant {p['name']}: 危险废物 needs code HWnn")
            elif code not in text:
                rep.error(where, f"pollutant {p['name']}: code {code} not in the documents")
    rep.note(
        f"{where}: {len(docs)} docs, {len(exp.get('processes', []))} processes, "
        f"{len(exp.get('hazardous_materials', []))} hazardous, "
        f"{len(exp.get('special_equipment', []))} special equipment, {len(pollutants)} pollutants"
    )


def check_plants(root: Path, rep: Report) -> None:
    plants = sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []
    if len(plants) < 4:
        rep.error("plants", f"{len(plants)} plant folders < 4")
    for plant in plants:
        check_plant(plant, rep)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regulations", type=Path, default=DEFAULT_REGULATIONS)
    parser.add_argument("--frozen", type=Path, default=HERE)
    args = parser.parse_args(argv)
    rep = Report()
    laws = load_articles(args.regulations)
    if not laws:
        rep.error("regulations", f"no regulation texts in {args.regulations}")
    else:
        rep.note(f"regulations: {len(laws)} texts, {sum(len(v) for v in laws.values())} articles")
    check_changes(args.frozen / "change_frozen.jsonl", laws, rep)
    check_plants(args.frozen / "plants", rep)
    rep.write()
    return 0 if not rep.errors else 1


if __name__ == "__main__":
    sys.exit(main())
