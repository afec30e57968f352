"""GET /failures: what the bot could not handle or could not send, so nothing is lost unseen.

Two lists: the messages people sent whose handling failed (kept by the error hook until
``liufang retry-failed`` handles them), and the outbox rows the sender gave up on (dead
letters: their recipient refused every attempt). Each user sees the rows of the groups of
the communities they may see; private messages and private sends only district users.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web.auth import can_see, current_user
from bot.web.dashboard_render import add_nav_link, render, setup_templates
from bot.web.server import WEB
from storage import directory, failed, outbox

SHOWN = 200  # the newest so many of each list; the counts are of all of them


async def failures_page(request: web.Request) -> web.StreamResponse:
    """The open failed messages and the dead letters, with their counts."""
    context = request.app[WEB]
    user = current_user(request)

    def load() -> dict[str, Any]:
        topics: dict[str, str] = {}

        def visible(s: Session, room_id: str | None) -> bool:
            if room_id is None:
                return user.community == "*"
            group = directory.group_by_room(s, room_id)
            if group is None:  # a group no longer bound: district users only
                return user.community == "*"
            topics[room_id] = group.topic
            return can_see(user, group.community_code)

        with context.db.session() as s:
            kept = [r for r in failed.open_failures(s, SHOWN) if visible(s, r.room_id)]
            dead = [r for r in outbox.dead_letters(s, SHOWN) if visible(s, r.room_id)]
        return {"kept": kept, "dead": dead, "topics": topics}

    data = await asyncio.to_thread(load)
    return render(request, "failures.html", {"tz": context.settings.tz, **data})


def setup(app: web.Application) -> None:
    """The failures page (after ``bot.web.auth.setup``, which guards it)."""
    setup_templates(app)
    add_nav_link(app, "/failures", "处理失败")
    app.router.add_get("/failures", failures_page)
