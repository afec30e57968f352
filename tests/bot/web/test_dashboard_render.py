"""``render``'s parts: markup encoded beforehand is written where the template writes PARTS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from aiohttp import web
from markupsafe import Markup

from bot.web import dashboard as pages_module
from bot.web.dashboard_render import render
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
