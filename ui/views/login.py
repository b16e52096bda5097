"""登录: username and password, exchanged for a token by the API."""

from __future__ import annotations

import streamlit as st

from ui import session
from ui.client import ApiError

__all__ = ["render"]


def render() -> None:
    """The login form."""
    st.title("安全环保履职专家系统")
    st.caption(f"请使用您的账号登录　·　服务地址 `{session.api_url()}`")
    with st.form("login_form", clear_on_submit=False):
        username = st.text_input("用户名", key="login_username")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary", key="login_submit")
    if not submitted:
        return
    if not username.strip() or not password:
        st.warning("请输入用户名和密码")
        return
    try:
        with st.spinner("正在登录……"):
            user = session.log_in(username.strip(), password)
    except ApiError as e:
        message = "用户名或密码错误" if e.status == 401 else e.message
        st.error(f"登录失败：{message}", icon=":material/error:")
        return
    st.toast(f"欢迎，{user.full_name or user.username}")
    st.rerun()


if __name__ == "__main__":
    render()
