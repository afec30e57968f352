"""The list's community and grid options and the header menu's links, made once, are the
lines the template's loops wrote; the session cookie read straight is what aiohttp reads."""

from __future__ import annotations

import jinja2
import pytest
from aiohttp.test_utils import make_mocked_request
from markupsafe import Markup

from bot.config_web import WebUser
from bot.web.auth import SESSION_COOKIE, session_token
from bot.web.dashboard import Visible
from bot.web.dashboard_filters import ListFilters
from bot.web.dashboard_render import TEMPLATES, NavLinks

# The loops list.html had before its options were made once (bot.web.dashboard.Visible).
_LOOPS = (
    "{% for code, name in communities %}\n"
    '      <option value="{{ code }}"{% if filters.community == code %} selected{% endif %}>'
    "{{ name }}</option>\n"
    "{% endfor %}\n"
    "|{% for grid in grids %}\n"
    '      <option value="{{ grid }}"{% if filters.grid == grid %} selected{% endif %}>'
    "{{ grid }}</option>\n"
    "{% endfor %}\n"
)


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class _Community:
    def __init__(self, code: str, name: str, grids: tuple[str, ...]) -> None:
        self.code, self.name = code, name
        self.groups = [type("G", (), {"grid": g})() for g in grids]


class _Settings:
    communities = (
        _Community("a", "甲<社区>", ("2网格", "1网格", "")),
        _Community("b", "乙&社区", ("1网格", '"引号"')),
        _Community("c", "丙社区", ()),
    )


@pytest.mark.parametrize("community", ["*", "a", "b", "c"])
def test_options_are_the_loops_lines(community: str) -> None:
    env = _env()
    user = WebUser("u", "x", "某", "secretary", community)
    visible = Visible.of(_Settings(), user, env)  # type: ignore[arg-type]
    loops = env.from_string(_LOOPS)
    chosen = ["", "a", "b", "c"] if community == "*" else [community]
    grids = ["", "1网格", "2网格", '"引号"', "<b>", "nowhere"]
    for picked in chosen:
        for grid in grids:
            filters = ListFilters(community=picked, grid=grid)
            made = visible.options(filters)
            loop_communities, loop_grids = loops.render(
                communities=visible.communities,
                grids=visible.grids.get(picked, ()),
                filters=filters,
            ).split("|")
            # The template writes a line break after the community lines; the grid lines
            # likewise, and nothing at all where there are no grids.
            assert Markup(made[0]) + "\n" == loop_communities, (picked, grid)
            expected = loop_grids if visible.grids.get(picked) else ""
            written = f"{made[1]}\n" if visible.grids.get(picked) else ""
            assert written == expected, (picked, grid)
    assert any(" selected>" in str(t) for t in visible.community_options.values())


@pytest.mark.parametrize(
    "header",
    [
        "",
        f"{SESSION_COOKIE}=abc-DEF_123",
        f"{SESSION_COOKIE}=",
        f'{SESSION_COOKIE}="quoted"',
        f"{SESSION_COOKIE}=a b",
        f"{SESSION_COOKIE}=abc; other=1",
        f"other=1; {SESSION_COOKIE}=xyz",
        f"{SESSION_COOKIE}=one; {SESSION_COOKIE}=two",
        f" {SESSION_COOKIE}=abc",
        f"{SESSION_COOKIE}x=abc",
        "liufang_login_csrf=t",
    ],
)
def test_the_session_token_is_what_the_cookie_parser_reads(header: str) -> None:
    headers = {"Cookie": header} if header else {}
    request = make_mocked_request("GET", "/", headers=headers)
    assert session_token(request) == request.cookies.get(SESSION_COOKIE)


_NAV_LOOP = (
    "{% for href, label in nav %}\n"
    '    <a href="{{ href }}"{% if path == href %} aria-current="page"{% endif %}>'
    "{{ label }}</a>\n"
    "{% endfor %}\n"
)


def test_nav_links_are_the_loops_lines_and_follow_the_menu() -> None:
    env = _env()
    env.globals["nav"] = [("/", "工单"), ("/hall", "议<事>厅")]
    links = NavLinks(env)
    loop = env.from_string(_NAV_LOOP)
    for _ in range(2):  # a link added after the first page: the lines are made again
        nav = env.globals["nav"]
        for path in ("/", "/hall", "/stats", "/tickets/1", "", "/?x"):
            assert links(path) == loop.render(nav=nav, path=path), path
        assert links("/hall").count('aria-current="page"') == 1
        nav.append(("/stats", "统计&"))  # type: ignore[attr-defined]
