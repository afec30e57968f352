"""The people pages: a community's members, roles, on-duty roster and bound groups.

Every change goes through ``storage.directory_edit`` (the functions behind 设置角色, 绑定 and
解绑 in the chat) and writes its audit row in the same transaction; a refused change writes
nothing. The dispatcher's directory cache hears of every committed change, so the person's
next chat message already has the new role.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web import manage
from bot.web.auth import current_user
from bot.web.dashboard_render import add_nav_link, render, setup_templates
from handlers.vocabulary import ROLE_LABELS, ROLES
from storage import directory_edit as edit
from storage.models import Group, Member

DONE = {
    "saved": "已保存。",
    "removed": "已删除。",
    "duty": "值班名单已更新。",
    "bound": "群已绑定。",
    "unbound": "群已解绑。",
}
KIND_LABELS = {"six_party": "六方群", "grid": "网格群"}


def _load(session: Session, code: str) -> dict[str, Any]:
    members = edit.community_members(session, code)
    by_role = [
        (ROLE_LABELS[role], [m for m in members if m.role == role])
        for role in ROLES
        if role != "resident"
    ]
    return {
        "members": members,
        "by_role": [(label, people) for label, people in by_role if people],
        "on_duty": [m for m in members if m.on_duty],
        "groups": edit.community_groups(session, code),
    }


async def _page(
    request: web.Request,
    code: str,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    revealed: dict[int, str] | None = None,
    status: int = 200,
) -> web.Response:
    data = await manage.read(request, lambda s: _load(s, code))
    edit_id = request.query.get("edit", "")
    editing = next((m for m in data["members"] if str(m.id) == edit_id), None)
    if form is None and editing is not None:
        form = {
            "name": editing.name,
            "contact_id": editing.contact_id,
            "role": editing.role,
            "grid": editing.grid or "",
            "phone": editing.phone,
        }
    names = manage.visible(request)
    return render(
        request,
        "people.html",
        {
            **data,
            "code": code,
            "community_name": names[code],
            "communities": names,
            "can_manage": manage.may_manage(current_user(request), code),
            "roles": [(r, ROLE_LABELS[r]) for r in ROLES],
            "kinds": KIND_LABELS,
            "mask_phone": edit.mask_phone,
            "revealed": revealed or {},
            "error": error,
            "done": DONE.get(request.query.get("done", ""), ""),
            "form": form or {"role": "resident"},
        },
        status=status,
    )


async def people_home(request: web.Request) -> web.StreamResponse:
    """GET /people: the user's (first) community."""
    names = manage.visible(request)
    if not names:
        raise web.HTTPNotFound(text="您的账号没有可以查看的社区。")
    raise web.HTTPFound(f"/people/{next(iter(names))}")


async def people_page(request: web.Request) -> web.StreamResponse:
    """GET /people/{code}: members (phones masked), roles, the on-duty roster, groups."""
    code = manage.community_or_404(request, request.match_info["code"])
    return await _page(request, code)


def _member_in(session: Session, code: str, member_id: str) -> Member:
    member = session.get(Member, int(member_id)) if member_id.isdigit() else None
    if member is None or member.community_code != code:
        raise web.HTTPNotFound(text="没有这个人。")
    return member


async def save_member(request: web.Request) -> web.StreamResponse:
    """POST /people/{code}/members: add a member or change one (matched by WeChat id)."""
    code = manage.community_or_404(request, request.match_info["code"])
    manage.require_manager(request, code)
    form = await manage.form_of(request)
    role = form.get("role", "")

    def work(session: Session) -> None:
        if role not in ROLES:
            raise manage.FormError("请从列表里选一个角色。")
        before, member = edit.set_member(
            session,
            code,
            form.get("contact_id", ""),
            form.get("name", ""),
            role,
            form.get("grid"),
            form.get("phone", ""),
        )
        action = "member.add" if before is None else "member.edit"
        target = f"{member.name}（{member.contact_id}）"
        manage.note(session, request, code, action, target, before, edit.member_state(member))

    try:
        await manage.in_transaction(request, work)
    except (manage.FormError, edit.DirectoryError) as exc:
        return await _page(request, code, error=str(exc), form=form, status=400)
    return manage.see_other(f"/people/{code}?done=saved")


async def remove_member(request: web.Request) -> web.StreamResponse:
    """POST /people/{code}/members/{id}/remove: the person no longer holds a role here."""
    code = manage.community_or_404(request, request.match_info["code"])
    manage.require_manager(request, code)

    def work(session: Session) -> None:
        member = _member_in(session, code, request.match_info["id"])
        target = f"{member.name}（{member.contact_id}）"
        before = edit.remove_member(session, member)
        manage.note(session, request, code, "member.remove", target, before, None)

    await manage.in_transaction(request, work)
    return manage.see_other(f"/people/{code}?done=removed")


async def set_duty(request: web.Request) -> web.StreamResponse:
    """POST /people/{code}/members/{id}/duty (on=1|0): the on-duty roster for urgent alerts."""
    code = manage.community_or_404(request, request.match_info["code"])
    manage.require_manager(request, code)
    form = await manage.form_of(request)
    if form.get("on") not in ("0", "1"):
        return await _page(request, code, error="值班设置无效，请刷新后重试。", status=400)

    def work(session: Session) -> None:
        member = _member_in(session, code, request.match_info["id"])
        before = edit.set_on_duty(session, member, form["on"] == "1")
        target = f"{member.name}（{member.contact_id}）"
        manage.note(
            session, request, code, "member.duty", target, before, edit.member_state(member)
        )

    await manage.in_transaction(request, work)
    return manage.see_other(f"/people/{code}?done=duty")


async def reveal_phone(request: web.Request) -> web.StreamResponse:
    """POST /people/{code}/members/{id}/phone: show one full number; the look is audited."""
    code = manage.community_or_404(request, request.match_info["code"])
    manage.require_manager(request, code)

    def work(session: Session) -> tuple[int, str]:
        member = _member_in(session, code, request.match_info["id"])
        target = f"{member.name}（{member.contact_id}）"
        manage.note(session, request, code, "phone.reveal", target, None, None)
        return member.id or 0, member.phone

    member_id, phone = await manage.in_transaction(request, work)
    return await _page(request, code, revealed={member_id: phone})


async def bind(request: web.Request) -> web.StreamResponse:
    """POST /people/{code}/groups: bind a chat room as the six-party group or a grid group."""
    code = manage.community_or_404(request, request.match_info["code"])
    manage.require_manager(request, code)
    form = await manage.form_of(request)

    def work(session: Session) -> None:
        group = edit.bind_group(
            session,
            code,
            form.get("room_id", ""),
            form.get("topic", ""),
            form.get("kind", ""),
            form.get("grid"),
        )
        manage.note(
            session, request, code, "group.bind", group.topic, None, edit.group_state(group)
        )

    try:
        await manage.in_transaction(request, work)
    except edit.DirectoryError as exc:
        return await _page(request, code, error=str(exc), form=form, status=400)
    return manage.see_other(f"/people/{code}?done=bound")


async def unbind(request: web.Request) -> web.StreamResponse:
    """POST /people/{code}/groups/unbind (room_id): the bot stops filing that room's reports."""
    code = manage.community_or_404(request, request.match_info["code"])
    manage.require_manager(request, code)
    form = await manage.form_of(request)

    def work(session: Session) -> None:
        group = session.get(Group, form.get("room_id", ""))
        if group is None or group.community_code != code:
            raise web.HTTPNotFound(text="本社区没有绑定这个群。")
        topic = group.topic
        before = edit.unbind_group(session, group)
        manage.note(session, request, code, "group.unbind", topic, before, None)

    await manage.in_transaction(request, work)
    return manage.see_other(f"/people/{code}?done=unbound")


def setup(app: web.Application) -> None:
    """The people pages (after ``bot.web.auth.setup``, which guards them)."""
    setup_templates(app)
    add_nav_link(app, "/people", "人员与群")
    code = r"{code:[A-Za-z0-9_.-]{1,64}}"
    member = code + r"/members/{id:\d{1,12}}"
    app.router.add_get("/people", people_home)
    app.router.add_get(f"/people/{code}", people_page)
    app.router.add_post(f"/people/{code}/members", save_member)
    app.router.add_post(f"/people/{member}/remove", remove_member)
    app.router.add_post(f"/people/{member}/duty", set_duty)
    app.router.add_post(f"/people/{member}/phone", reveal_phone)
    app.router.add_post(f"/people/{code}/groups", bind)
    app.router.add_post(f"/people/{code}/groups/unbind", unbind)
