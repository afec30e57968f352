"""操作记录: the audit trail of the user's communities, newest first, 50 to a page.

Dashboard changes, chat changes to the directory (设置角色, 绑定, 解绑) and looks at a full
phone number are all there: who, when, what, and the fields before and after.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web import manage
from bot.web.auth import current_user
from bot.web.dashboard_render import add_nav_link, render, setup_templates
from handlers.vocabulary import ROLE_LABELS
from storage import audit

PAGE = 50
ACTIONS = {
    "member.add": "添加成员",
    "member.edit": "修改成员",
    "member.role": "设置角色",
    "member.remove": "删除成员",
    "member.duty": "值班名单",
    "phone.reveal": "查看电话",
    "group.bind": "绑定群",
    "group.unbind": "解绑群",
    "user.add": "新建账号",
    "user.disable": "停用账号",
    "user.enable": "恢复账号",
    "user.password": "修改密码",
    # Ticket actions taken in the dashboard (bot/web/ticket_actions.py).
    "ticket.resolve": "办结工单",
    "ticket.progress": "工单进展",
    "ticket.transfer": "转交工单",
    "ticket.reclass": "工单改类",
    "ticket.merge": "合并工单",
    "ticket.reject": "驳回工单",
    "ticket.reopen": "重办工单",
}
FIELDS = {
    "name": "姓名",
    "contact_id": "微信号",
    "role": "角色",
    "grid": "网格",
    "phone": "电话",
    "on_duty": "值班",
    "topic": "群名",
    "room_id": "群 id",
    "kind": "类型",
    "username": "用户名",
    "community": "社区",
    "disabled": "停用",
    "state": "状态",
    "klass": "类型",
    "category": "类别",
    "responsible": "负责方",
    "assignee": "处理人",
    "merged_into": "并入",
    "rating": "评价",
    "note": "说明",
}
VALUE_LABELS: dict[str, str] = {**ROLE_LABELS, "six_party": "六方群", "grid": "网格群"}


def _shown(value: Any) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None or value == "":
        return "—"
    return VALUE_LABELS.get(str(value), str(value))


def changes(before: str, after: str) -> list[tuple[str, str, str]]:
    """(field, before, after) of every field that differs, in words."""
    old, new = audit.decode(before) or {}, audit.decode(after) or {}
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [("", _shown(old), _shown(new))]
    keys = [k for k in (*old, *(k for k in new if k not in old)) if old.get(k) != new.get(k)]
    return [(FIELDS.get(k, k), _shown(old.get(k)), _shown(new.get(k))) for k in keys]


async def audit_page(request: web.Request) -> web.StreamResponse:
    """GET /audit[?before=id]: the newest changes of the user's communities."""
    user = current_user(request)
    names = manage.visible(request)
    scope = None if user.community == "*" else list(names)
    raw = request.query.get("before", "")
    before_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
    rows = await manage.read(
        request, lambda s: audit.recent(s, scope, limit=PAGE + 1, before_id=before_id)
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render(
        request,
        "people_audit.html",
        {
            "rows": [
                (r, ACTIONS.get(r.action, r.action), changes(r.before, r.after)) for r in rows
            ],
            "communities": names,
            "homes": {"*": "全街道", **names},
            "older": rows[-1].id if more and rows else None,
        },
    )


def setup(app: web.Application) -> None:
    """The 操作记录 page (after ``bot.web.auth.setup``, which guards it)."""
    setup_templates(app)
    add_nav_link(app, "/audit", "操作记录")
    app.router.add_get("/audit", audit_page)
