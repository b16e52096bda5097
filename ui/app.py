"""The entry script of the expert UI (``hsekg serve`` runs it through ``ui/server.py``, beside the API).

The API address comes from ``HSEKG_API_URL`` (default ``http://127.0.0.1:8000``), read here once. Each run
first takes up the login the browser's session cookie stands for (:mod:`ui.session`); served through
``ui/server.py`` a login survives a reload and a new tab (``streamlit run ui/app.py`` alone lacks the
cookie's route, and a login then lasts one tab). Before login only the login page exists; after it, the
seven pages of the expert's day. An unexpected error in a page is logged and shown as one line, never as
a traceback.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from ui import session
from ui.client import ApiError
from ui.widgets import show_flashes

__all__ = ["PAGES", "main"]

log = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent

#: (file under views/, title, icon, url path) of the pages after login, in menu order.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("review.py", "审核队列", ":material/fact_check:", "review"),
    ("gaps.py", "规则缺口", ":material/rule:", "gaps"),
    ("enterprise.py", "企业工艺", ":material/account_tree:", "enterprise"),
    ("qa.py", "法规问答", ":material/forum:", "qa"),
    ("dashboard.py", "考核看板", ":material/monitoring:", "dashboard"),
    ("graph.py", "知识图谱", ":material/hub:", "graph"),
    ("impact.py", "法规变更", ":material/published_with_changes:", "impact"),
)


def _sidebar() -> None:
    user = session.current_user()
    if user is None:
        return
    with st.sidebar:
        role = session.ROLE_NAMES.get(user.role, user.role)
        st.markdown(f"**{user.full_name or user.username}**（{role}）")
        st.caption(f"企业：{user.enterprise_id}" + (f" / 部门：{user.department_id}" if user.department_id else ""))
        if st.button("退出登录", key="logout", icon=":material/logout:"):
            session.log_out()
            st.rerun()


def main() -> None:
    """Configure the session, pick the pages the user may see and run the chosen one."""
    st.set_page_config(page_title="安全环保履职专家系统", page_icon=":material/shield:", layout="wide")
    session.configure(os.environ.get("HSEKG_API_URL") or session.DEFAULT_API_URL)
    session.restore(st.context.cookies)
    if session.logged_in():
        pages = [
            st.Page(_HERE / "views" / file, title=title, icon=icon, url_path=url) for file, title, icon, url in PAGES
        ]
        nav = st.navigation({"专家工作台": pages})
    else:
        nav = st.navigation([st.Page(_HERE / "views" / "login.py", title="登录", icon=":material/login:")])
    _sidebar()
    session.sync_browser()
    show_flashes()
    try:
        nav.run()
    except ApiError as e:
        st.error(f"操作失败：{e.message}", icon=":material/error:")
    except Exception as e:  # a bug must not put a traceback in front of the expert
        log.exception("page %s failed", nav.title)
        st.error(
            f"页面出错（{type(e).__name__}）：{e}。请刷新页面或联系管理员，详细信息已写入服务日志。",
            icon=":material/error:",
        )


if __name__ == "__main__":
    main()
