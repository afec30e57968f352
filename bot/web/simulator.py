"""The chat simulator page: chat with the bot as any member of a demo group, in a browser.

For demonstrations and for training grid leaders. It exists when the bot runs on the
simulator channel (``make run`` without a WeChat token); under WeChat the page says so.

Access follows the dashboard's rules (``bot/web/auth.py``): the pages need a dashboard
log-in, the send endpoint a CSRF token (header ``X-CSRF-Token``), and a user sees and speaks
only in the groups of the communities they may see; a district user ("*") sees them all.
Impersonating members is the point of the tool, so it is never served to anonymous visitors.

Routes: ``GET /simulator`` (the page), ``GET /simulator/api/messages?room=&after=&wait=``
(JSON, long-polls up to :data:`LONG_POLL` s when ``wait=1``), ``POST /simulator/api/send``
(JSON ``{room, member, name, text}``).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.channels.simulator import PRIVATE, SimMember, SimMessage, SimulatorChannel
from bot.config_web import WebUser
from bot.web.auth import can_see
from bot.web.dashboard_render import USER, add_nav_link, render
from bot.web.server import WEB
from handlers.vocabulary import ROLE_LABELS

LONG_POLL = 20.0
MAX_TEXT = 2000
MAX_JSON_DEPTH = 8  # the API takes a flat object; deeper nesting is refused before parsing
CUSTOM = "custom"  # the member choice "a resident not in the config"
# The page's own script and its fetches come from this server; nothing from elsewhere.
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _channel(request: web.Request) -> SimulatorChannel | None:
    channel = request.app[WEB].channel
    return channel if isinstance(channel, SimulatorChannel) else None


def _user(request: web.Request) -> WebUser:
    user = request.get(USER)
    if user is None:  # the auth middleware sets it on every non-public path
        raise web.HTTPForbidden(text="请先登录")
    return user


def _member(channel: SimulatorChannel, user: WebUser, body: dict[str, Any]) -> SimMember:
    """Who the person chats as: a configured member of a visible community, or a resident."""
    member_id = str(body.get("member", ""))
    if member_id == CUSTOM:
        name = str(body.get("name", "")).strip()[:20]
        if not name or "@" in name:
            raise web.HTTPBadRequest(text="请填写居民的名字（不含 @）")
        community = str(body.get("community", ""))
        if not can_see(user, community):
            raise web.HTTPForbidden(text="不能以其他社区的居民身份发言")
        return SimMember(f"sim-user:{community}:{name}", name, "resident", community, None)
    for m in channel.members:
        if m.contact_id == member_id and can_see(user, m.community):
            return m
    raise web.HTTPForbidden(text="不能以这个成员的身份发言")


def _room_allowed(channel: SimulatorChannel, user: WebUser, room: str, who: str) -> bool:
    """A group of a visible community, or the private chat of the member one speaks as."""
    if room.startswith(PRIVATE):
        contact = room.removeprefix(PRIVATE)
        if contact.startswith("sim-user:"):
            return can_see(user, contact.split(":")[1]) and (not who or contact == who)
        return any(
            m.contact_id == contact and can_see(user, m.community) for m in channel.members
        ) and (not who or contact == who)
    return any(r.room_id == room and can_see(user, r.community) for r in channel.rooms)


def _as_json(channel: SimulatorChannel, m: SimMessage, tz: Any) -> dict[str, Any]:
    return {
        "index": m.index,
        "kind": m.kind,
        "sender": m.sender_id,
        "name": m.sender_name,
        "text": m.text,
        "mentions": [{"id": i, "name": channel.name_of(i)} for i in m.mention_ids],
        "at": m.at.astimezone(tz).strftime("%m-%d %H:%M"),
    }


RESIDENT_HINT = "例如：3栋2单元门口的路灯坏了"
# What the message box suggests, by the role acted as: the parties act with commands.
INPUT_HINTS = {
    "secretary": "例如：改为 急事 T1，或 办结 T1 已处理好",
    "committee": "例如：转交 T1 物业，或 驳回 T1 不属于社区管理范围",
    "department": "例如：认领 T1，或 进展 T1 已派人核查",
    "unit": "例如：认领 T1，或 进展 T1 已安排人员",
    "property": "例如：认领 T1，或 办结 T1 已更换灯泡",
    "owners": "例如：认领 T1，或 进展 T1 业委会已讨论",
    "grid_leader": "例如：3栋2单元门口的路灯坏了，或 查询 T1",
    "volunteer": "例如：3栋2单元门口的路灯坏了，或 服务队",
}


async def page(request: web.Request) -> web.Response:
    """GET /simulator: pick a group and a member, chat."""
    user = _user(request)
    channel = _channel(request)
    if channel is None:
        return _with_csp(render(request, "simulator_off.html", {}))
    rooms = [r for r in channel.rooms if can_see(user, r.community)]
    members = [m for m in channel.members if can_see(user, m.community)]
    names = {c.code: c.name for c in request.app[WEB].settings.communities}
    context = {
        "rooms": rooms,
        "members": members,
        "communities": {code: names.get(code, code) for code in {r.community for r in rooms}},
        "role_labels": ROLE_LABELS,
        "hints": INPUT_HINTS,
        "resident_hint": RESIDENT_HINT,
        "bot_name": channel.bot_name,
        "time_travel": channel.time_travel and user.community == "*",
    }
    return _with_csp(render(request, "simulator.html", context))


def _with_csp(response: web.Response) -> web.Response:
    response.headers["Content-Security-Policy"] = CSP
    return response


async def messages(request: web.Request) -> web.Response:
    """GET /simulator/api/messages: the room's messages after ``after`` (long poll)."""
    user = _user(request)
    channel = _channel(request)
    if channel is None:
        raise web.HTTPNotFound(text="模拟器没有运行")
    room = request.query.get("room", "")
    if not _room_allowed(channel, user, room, ""):
        raise web.HTTPForbidden(text="不能查看这个群")
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        raise web.HTTPBadRequest(text="after 必须是数字") from None
    if request.query.get("wait") == "1" and not channel.closed:
        found = await channel.wait(room, after, LONG_POLL)
    else:
        found = channel.transcript(room, after)
    tz = request.app[WEB].settings.tz
    now = request.app[WEB].clock().astimezone(tz).strftime("%Y-%m-%d %H:%M")
    body = {"messages": [_as_json(channel, m, tz) for m in found], "now": now}
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def send(request: web.Request) -> web.Response:
    """POST /simulator/api/send: say something as the chosen member; returns after the bot."""
    user = _user(request)
    channel = _channel(request)
    if channel is None or channel.closed:
        raise web.HTTPNotFound(text="模拟器没有运行")
    raw = await request.text()
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise web.HTTPBadRequest(text="请求的 JSON 嵌套太深")
    try:
        body = json.loads(raw)
    except ValueError:
        raise web.HTTPBadRequest(text="请求不是 JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="请求不是 JSON 对象")
    member = _member(channel, user, body)
    room = str(body.get("room", ""))
    if room == PRIVATE:
        room = PRIVATE + member.contact_id
    if not _room_allowed(channel, user, room, member.contact_id):
        raise web.HTTPForbidden(text="不能在这个群里发言")
    text = str(body.get("text", "")).strip()
    if not text:
        raise web.HTTPBadRequest(text="消息是空的")
    message = await channel.post(
        room, member.contact_id, member.name, text[:MAX_TEXT], may_travel=user.community == "*"
    )
    return web.json_response({"index": message.index, "room": room})


def json_depth(raw: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (strings skipped), in one pass.

    Checked before parsing: 100,000 nested brackets would exhaust the parser's recursion.
    """
    depth = deepest = 0
    in_string = escaped = False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def setup(app: web.Application) -> None:
    """Add the simulator page and its JSON endpoints (behind the dashboard log-in)."""
    app.router.add_get("/simulator", page)
    app.router.add_get("/simulator/api/messages", messages)
    app.router.add_post("/simulator/api/send", send)
    if isinstance(app[WEB].channel, SimulatorChannel):
        add_nav_link(app, "/simulator", "聊天模拟器")
