"""Chinese numerals as used in statute numbering (第一千二百四十二条, 第二十条之一, （三）)."""

from __future__ import annotations

__all__ = ["chinese_to_int", "int_to_chinese"]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_to_int(text: str) -> int:
    """Convert a Chinese numeral below ten thousand (or ASCII digits) to an int.

    Raises:
        ValueError: if ``text`` is not a numeral.
    """
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            # "十" at the start means one ten (十二 = 12)
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + (digit or 0)


def int_to_chinese(value: int) -> str:
    """Convert 1..9999 to the Chinese numeral statutes use (12 -> 十二, 112 -> 一百一十二)."""
    if not 0 < value < 10000:
        raise ValueError(f"out of range: {value}")
    digits = "零一二三四五六七八九"
    out: list[str] = []
    pending_zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = value // unit_value % 10
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        if not (unit == "十" and d == 1 and not out):
            out.append(digits[d])
        out.append(unit)
    return "".join(out)
