"""The expert's corrections of a proposed indicator: the edit form and what changed."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from api.contracts.change import IndicatorProposal
from ui.widgets import COMPARATOR_SIGNS, LEVELS

__all__ = ["cites_text", "edit_changes", "edit_form", "parse_cites"]

_ARTICLE = re.compile(r"《?\s*([^《》\s；;，,、]+?)\s*》?\s*第\s*(\d+)\s*条")


def cites_text(cites: list[dict[str, Any]]) -> str:
    """Articles as an expert writes them: ``《安全生产法》第41条；《消防法》第16条``."""
    return "；".join(f"《{c['law']}》第{c['article']}条" for c in cites)


def parse_cites(text: str) -> list[dict[str, Any]] | None:
    """Articles from ``《安全生产法》第41条；消防法第16条`` (book-title marks optional); None if a part is not
    an article reference."""
    parts = [p for p in re.split(r"[；;，,、\n]+", text) if p.strip()]
    out: list[dict[str, Any]] = []
    for part in parts:
        match = _ARTICLE.fullmatch(part.strip())
        if match is None:
            return None
        out.append({"law": match.group(1), "article": int(match.group(2))})
    return out


def edit_changes(indicator: IndicatorProposal, values: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``values`` that differ from the indicator (empty text and unset numbers left out)."""
    current = indicator.model_dump(mode="json")
    return {k: v for k, v in values.items() if v not in (None, "", []) and v != current.get(k)}


def edit_form(indicator: IndicatorProposal, *, key: str) -> dict[str, Any] | None:
    """The edit form; on submit the changed fields (possibly none), else None. A malformed citation
    is reported and counts as not submitted."""
    with st.form(f"edit-{key}"):
        name = st.text_input("指标名称", value=indicator.name, key=f"edit-name-{key}")
        c1, c2, c3, c4 = st.columns(4)
        level = c1.selectbox("考核层级", LEVELS, index=_index(LEVELS, str(indicator.level)), key=f"edit-level-{key}")
        signs = tuple(COMPARATOR_SIGNS)
        comparator = c2.selectbox(
            "比较方式",
            signs,
            index=_index(signs, str(indicator.comparator or ">=")),
            format_func=COMPARATOR_SIGNS.__getitem__,
            key=f"edit-comparator-{key}",
        )
        target = c3.number_input("目标值", value=indicator.target, key=f"edit-target-{key}", placeholder="如 100")
        unit = c4.text_input("单位", value=indicator.unit, key=f"edit-unit-{key}", placeholder="% / 次 / 天")
        bands = indicator.bands
        b1, b2 = st.columns(2)
        qualified = b1.number_input("合格线", value=bands.qualified if bands else None, key=f"edit-qualified-{key}")
        excellent = b2.number_input("优秀线", value=bands.excellent if bands else None, key=f"edit-excellent-{key}")
        method = st.text_input("考核方法", value=indicator.method, key=f"edit-method-{key}", placeholder="如 月度考核")
        source = st.text_input("数据来源", value=indicator.data_source, key=f"edit-source-{key}")
        owner = st.text_input("责任人（岗位/部门）", value=indicator.owner, key=f"edit-owner-{key}")
        current_cites = [c.model_dump() for c in indicator.cites]
        cites = st.text_input(
            "依据条款", value=cites_text(current_cites), key=f"edit-cites-{key}", placeholder="《安全生产法》第41条；…"
        )
        submitted = st.form_submit_button("保存修改并采纳", key=f"edit-submit-{key}")
    if not submitted:
        return None
    parsed = parse_cites(cites)
    if parsed is None:
        st.warning("依据条款的格式应为《法规名称》第N条，多条用分号分隔")
        return None
    values: dict[str, Any] = {
        "name": name.strip(),
        "level": level,
        "comparator": comparator,
        "target": target,
        "unit": unit.strip(),
        "method": method.strip(),
        "data_source": source.strip(),
        "owner": owner.strip(),
        "cites": parsed,
    }
    if qualified is not None and excellent is not None:
        values["bands"] = {"excellent": excellent, "qualified": qualified}
    return edit_changes(indicator, values)


def _index(options: tuple[str, ...], value: str) -> int:
    return options.index(value) if value in options else 0
