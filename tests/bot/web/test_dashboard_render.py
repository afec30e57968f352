"""``render``'s parts: markup encoded beforehand is written where the template writes PARTS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp_jinja2
import pytest
from aiohttp import web
from markupsafe import Markup

from bot.web import dashboard as pages_module
from bot.web.dashboard_render import CSRF, JINJA, USER, render
from tests.support.web import DashboardSite


async def test_the_list_page_is_the_template_writing_its_lines_itself(
    dashboard: DashboardSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages: list[tuple[Any, Any, Sequence[bytes]]] = []

    def both(
        request: web.Request,
        name: str,
        context: Mapping[str, Any],
        status: int = 200,
        parts: Sequence[bytes] = (),
    ) -> web.Response:
        spliced = render(request, name, context, status, parts)
        # The lines as one Markup value: what the template wrote when it looped over them.
        lines = Markup(b"".join(parts).decode())
        written = render(request, name, {**context, "PARTS": lines}, status)
        pages.append(
            ((spliced.body, dict(spliced.headers)), (written.body, dict(written.headers)), parts)
        )
        return spliced

    monkeypatch.setattr(pages_module, "render", both)
    await dashboard.login("wangshuji")
    for path in ("/", "/?q=路灯", "/?q=火箭", "/?klass=urgent", "/?q=<b>"):
        status, _ = await dashboard.get(path)
        assert status == 200, path
    assert len(pages) >= 5 and sum(bool(parts) for *_, parts in pages) >= 3
    for spliced, written, _ in pages:
        assert spliced == written  # body and headers


async def test_render_writes_what_aiohttp_jinja2_renders(
    dashboard: DashboardSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def checked(
        request: web.Request,
        name: str,
        context: Mapping[str, Any],
        status: int = 200,
        parts: Sequence[bytes] = (),
    ) -> web.Response:
        response = render(request, name, context, status)
        values = {**context, "path": request.path, "user": request.get(USER)}
        values |= {"csrf_token": request.get(CSRF, ""), "channel_status": None}
        expected = aiohttp_jinja2.render_string(name, request, values, app_key=JINJA)
        assert response.body == expected.encode(), name
        seen.append(name)
        return render(request, name, context, status, parts)

    monkeypatch.setattr(pages_module, "render", checked)
    await dashboard.login("wangshuji")
    for path in ("/", "/?q=<b>", "/stats", "/hall"):
        status, _ = await dashboard.get(path)
        assert status == 200, path
    assert {"list.html", "stats.html", "hall.html"} <= set(seen)
