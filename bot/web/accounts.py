"""Dashboard accounts: list, create, disable or enable, reset a password; change one's own.

Accounts live in the database (``dashboard_users``, written through ``storage.directory``).
A community's secretary manages its accounts, a district user (``*``) every one; each change
writes an audit row in the same transaction, without the password. Disabling an account or
setting its password ends its other sessions at once.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web import manage
from bot.web.auth import SESSION_COOKIE, SESSIONS, current_user
from bot.web.dashboard_render import render, setup_templates
from bot.web.passwords import hash_password, verify_password
from handlers.vocabulary import ROLE_LABELS, SIX_PARTIES
from storage import directory
from storage.directory_edit import user_state
from storage.models import DashboardUser

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 200
DONE = {
    "created": "账号已创建。",
    "disabled": "账号已停用，它的登录已全部退出。",
    "enabled": "账号已恢复。",
    "reset": "密码已重设，这个账号需要用新密码重新登录。",
    "password": "您的密码已修改。",
}


def _check_password(new: str, again: str) -> str:
    if len(new) < MIN_PASSWORD:
        raise manage.FormError(f"密码至少 {MIN_PASSWORD} 位。")
    if len(new) > MAX_PASSWORD:
        raise manage.FormError("密码太长了。")
    if new != again:
        raise manage.FormError("两次输入的新密码不一样。")
    return hash_password(new)


def _accounts(session: Session, scope: list[str] | None) -> list[DashboardUser]:
    rows = directory.dashboard_users(session)
    if scope is not None:
        rows = [r for r in rows if r.community in scope]
    return sorted(rows, key=lambda r: (r.community, r.username))


async def _page(
    request: web.Request, *, error: str = "", form: dict[str, str] | None = None, status: int = 200
) -> web.Response:
    user = current_user(request)
    names = manage.visible(request)
    scope = None if user.community == "*" else [user.community]
    rows = await manage.read(request, lambda s: _accounts(s, scope))
    homes = ({"*": "全街道"} if user.community == "*" else {}) | names
    return render(
        request,
        "people_users.html",
        {
            "accounts": rows,
            "communities": names,
            "homes": homes,
            "may_manage": lambda code: manage.may_manage(user, code),
            "can_create": any(manage.may_manage(user, c) for c in homes),
            "roles": [(r, ROLE_LABELS[r]) for r in SIX_PARTIES],
            "error": error,
            "done": DONE.get(request.query.get("done", ""), ""),
            "form": form or {},
        },
        status=status,
    )


async def users_page(request: web.Request) -> web.StreamResponse:
    """GET /users: the accounts of the user's community (every one for a district user)."""
    return await _page(request)


async def create_user(request: web.Request) -> web.StreamResponse:
    """POST /users: a new account (username, name, role, community, password twice)."""
    form = await manage.form_of(request)
    home = form.get("community", "")
    if home != "*":
        manage.community_or_404(request, home)
    manage.require_manager(request, home)

    def work(session: Session) -> None:
        username, name, role = form.get("username", ""), form.get("name", ""), form.get("role")
        if not USERNAME.match(username):
            raise manage.FormError("用户名用 3–32 个英文字母、数字或 _ . -，例如 zhangjingli。")
        if not name or len(name) > 100:
            raise manage.FormError("请填写姓名（100 字以内）。")
        if role not in SIX_PARTIES:
            raise manage.FormError("请从列表里选一个角色。")
        password_hash = _check_password(form.get("password", ""), form.get("password2", ""))
        if directory.dashboard_user(session, username) is not None:
            raise manage.FormError(f"用户名 {username} 已经有人用了，请换一个。")
        row = directory.save_user(session, username, password_hash, name, role, home)
        manage.note(session, request, home, "user.add", username, None, user_state(row))

    try:
        await manage.in_transaction(request, work)
    except manage.FormError as exc:
        return await _page(request, error=str(exc), form=form, status=400)
    return manage.see_other("/users?done=created")


def _save(
    session: Session, row: DashboardUser, *, disabled: bool | None = None, password_hash: str = ""
) -> None:
    """One field changed, every other kept, through the directory's one write of a user."""
    directory.save_user(
        session,
        row.username,
        password_hash or row.password_hash,
        row.name,
        row.role,
        row.community,
        disabled=row.disabled if disabled is None else disabled,
    )


def _account_to_manage(request: web.Request, session: Session) -> DashboardUser:
    row = directory.dashboard_user(session, request.match_info["username"])
    user = current_user(request)
    if row is None or not (user.community == "*" or row.community == user.community):
        raise web.HTTPNotFound(text="没有这个账号。")
    if not manage.may_manage(user, row.community):
        raise web.HTTPForbidden(text=manage.NOT_MANAGER)
    return row


async def set_disabled(request: web.Request) -> web.StreamResponse:
    """POST /users/{username}/disable or /enable: stop or allow the account's log-ins."""
    disable = request.match_info["what"] == "disable"
    if disable and request.match_info["username"] == current_user(request).username:
        return await _page(request, error="不能停用自己的账号。", status=400)

    def work(session: Session) -> None:
        row = _account_to_manage(request, session)
        before = user_state(row)
        _save(session, row, disabled=disable)
        action = "user.disable" if disable else "user.enable"
        manage.note(session, request, row.community, action, row.username, before, user_state(row))

    await manage.in_transaction(request, work)
    if disable:
        request.app[SESSIONS].drop_user(request.match_info["username"])
    return manage.see_other(f"/users?done={'disabled' if disable else 'enabled'}")


async def reset_password(request: web.Request) -> web.StreamResponse:
    """POST /users/{username}/password: set a new password (twice) for another account."""
    form = await manage.form_of(request)

    def work(session: Session) -> None:
        row = _account_to_manage(request, session)
        password_hash = _check_password(form.get("password", ""), form.get("password2", ""))
        _save(session, row, password_hash=password_hash)
        manage.note(session, request, row.community, "user.password", row.username, None, None)

    try:
        await manage.in_transaction(request, work)
    except manage.FormError as exc:
        return await _page(request, error=str(exc), status=400)
    keep = request.cookies.get(SESSION_COOKIE)
    request.app[SESSIONS].drop_user(request.match_info["username"], keep=keep)
    return manage.see_other("/users?done=reset")


async def account_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    """GET /account: change one's own password."""
    values: dict[str, Any] = {
        "communities": manage.visible(request),
        "error": error,
        "done": DONE.get(request.query.get("done", ""), ""),
    }
    return render(request, "people_account.html", values, status=status)


async def change_own_password(request: web.Request) -> web.StreamResponse:
    """POST /account/password: the current password, then the new one twice."""
    user = current_user(request)
    form = await manage.form_of(request)

    def work(session: Session) -> None:
        row = directory.dashboard_user(session, user.username)
        if row is None or row.disabled:
            raise web.HTTPForbidden(text="这个账号已停用。")
        if not verify_password(form.get("old", ""), row.password_hash):
            raise manage.FormError("当前密码不对。")
        password_hash = _check_password(form.get("password", ""), form.get("password2", ""))
        _save(session, row, password_hash=password_hash)
        manage.note(session, request, row.community, "user.password", row.username, None, None)

    try:
        await manage.in_transaction(request, work)
    except manage.FormError as exc:
        return await account_page(request, str(exc), 400)
    keep = request.cookies.get(SESSION_COOKIE)
    request.app[SESSIONS].drop_user(user.username, keep=keep)
    return manage.see_other("/account?done=password")


def setup(app: web.Application) -> None:
    """The account pages (after ``bot.web.auth.setup``, which guards them)."""
    setup_templates(app)
    name = r"{username:[A-Za-z0-9_.-]{1,100}}"
    app.router.add_get("/users", users_page)
    app.router.add_post("/users", create_user)
    app.router.add_post(f"/users/{name}/{{what:disable|enable}}", set_disabled)
    app.router.add_post(f"/users/{name}/password", reset_password)
    app.router.add_get("/account", account_page)
    app.router.add_post("/account/password", change_own_password)
