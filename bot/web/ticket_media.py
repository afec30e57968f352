"""The photos and videos of a ticket, served to the logged-in users of its community only.

A reporter's picture is saved by the WeChat channel under ``[wechat] media_dir`` and its path
kept in ``ticket_evidence.ref`` (see ``handlers/evidence.py``). ``GET
/tickets/{id}/media/{evidence id}`` serves it when the user belongs to the ticket's community
(a district account sees the count only: faces and doors are the community's business), the
evidence belongs to that ticket, and the file lies inside the media folder.
"""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.web.auth import current_user
from bot.web.dashboard_render import render
from bot.web.server import WEB
from storage.models import TicketEvidence

MEDIA_TYPES = ("image/", "video/")


def media_file(request: web.Request, evidence: TicketEvidence) -> Path | None:
    """The saved file of ``evidence``, when it is a picture or video inside the media folder."""
    root = request.app[WEB].settings.wechat.media_dir.resolve()
    if not evidence.ref or evidence.ref.startswith("wechat-message:"):
        return None  # the channel could not fetch it: only the chat message id was kept
    path = Path(evidence.ref)
    path = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    kind = mimetypes.guess_type(path.name)[0] or ""
    return path if kind.startswith(MEDIA_TYPES) else None


def available(request: web.Request, evidence: TicketEvidence) -> str | None:
    """The URL that shows ``evidence`` on the page, or None when its file is not kept."""
    if media_file(request, evidence) is None:
        return None
    return f"/tickets/{evidence.ticket_id}/media/{evidence.id}"


View = Callable[[web.Request, int], Awaitable[Any]]


def setup(app: web.Application, load_view: View) -> None:
    """``GET /tickets/{id}/media/{evidence}``, access-checked through ``load_view`` (the
    ticket page's: None when the ticket is missing or not the user's to see)."""

    async def media(request: web.Request) -> web.StreamResponse:
        """GET /tickets/{id}/media/{evidence}: the file, or 404 as for a missing ticket."""
        view = await load_view(request, int(request.match_info["id"]))
        evidence_id = int(request.match_info["evidence"])
        found = None
        if view is not None and current_user(request).community != "*":
            found = next((e for e in view.evidence if e.id == evidence_id), None)
        path = None if found is None else await asyncio.to_thread(media_file, request, found)
        if path is None:
            return render(request, "not_found.html", {}, status=404)
        response = web.FileResponse(path)
        response.content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    app.router.add_get(r"/tickets/{id:\d{1,9}}/media/{evidence:\d{1,9}}", media)
