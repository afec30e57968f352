"""Open311 GeoReport v2 under ``/open311/v2/``: the public API of the tickets.

- GET ``/open311/discovery.json``: service discovery (the endpoint and its formats)
- GET ``/open311/v2/services.json``: one service per ticket category
- GET ``/open311/v2/services/{code}.json``: a service definition (no extra attributes)
- GET ``/open311/v2/requests.json``: requests, by ``service_request_id`` or by
  ``service_code``, ``status``, ``start_date``, ``end_date``, ``jurisdiction_id``
- POST ``/open311/v2/requests.json``: submit a request (``api_key`` from the config)
- GET ``/open311/v2/requests/{id}.json``: one request

Every path also answers in ``.xml``. The GET endpoints are public and carry no personal data;
errors are the spec's list of ``{code, description}`` with the HTTP status (400 bad parameter,
403 bad api_key, 404 unknown request, service or path).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.web.open311_format import (
    SPEC_URL,
    Open311Error,
    request_fields,
    service_definition,
    services,
)
from bot.web.open311_query import (
    RequestQuery,
    find_requests,
    notes_of,
    parse_query,
    request_ids,
)
from bot.web.open311_render import FORMATS, respond
from bot.web.open311_submit import submit
from bot.web.server import WEB, WebContext

PREFIX = "/open311/v2"
Endpoint = Callable[[web.Request, str], Awaitable[web.Response]]


def _fmt(request: web.Request) -> str:
    fmt = request.match_info.get("fmt", "json")
    if fmt not in FORMATS:
        raise Open311Error(400, f"format {fmt!r} not supported; use .json or .xml")
    return fmt


def _guarded(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Run an endpoint; an :class:`Open311Error` becomes the spec's error body."""

    async def handler(request: web.Request) -> web.Response:
        fmt = request.match_info.get("fmt", "json")
        fmt = fmt if fmt in FORMATS else "json"
        try:
            return await endpoint(request, _fmt(request))
        except Open311Error as exc:
            return respond(fmt, "errors", exc.body(), status=exc.status)

    return handler


def _rows_as_requests(
    context: WebContext, rows: list[dict[str, Any]], notes: dict[int, str]
) -> list[dict[str, Any]]:
    names = {c.code: c.name for c in context.settings.communities}
    tz = context.settings.tz
    return [
        request_fields(r, names.get(r["community_code"], ""), tz, notes.get(r["id"])) for r in rows
    ]


async def _services(request: web.Request, fmt: str) -> web.Response:
    return respond(fmt, "services", services())


async def _service(request: web.Request, fmt: str) -> web.Response:
    return respond(fmt, "service_definition", service_definition(request.match_info["code"]))


async def _requests(request: web.Request, fmt: str) -> web.Response:
    context = request.app[WEB]
    codes = [c.code for c in context.settings.communities]
    query = parse_query(request.query, context.clock(), context.settings.tz, codes)

    def load() -> tuple[list[dict[str, Any]], dict[int, str]]:
        with context.db.session() as session:
            rows = find_requests(session, query)
            return rows, notes_of(session, rows)

    rows, notes = await asyncio.to_thread(load)
    return respond(fmt, "service_requests", _rows_as_requests(context, rows, notes))


async def _one_request(request: web.Request, fmt: str) -> web.Response:
    context = request.app[WEB]
    try:
        ids = request_ids([request.match_info["id"]])
    except Open311Error:
        raise Open311Error(
            404, f"service_request_id {request.match_info['id']!r} not found"
        ) from None

    def load() -> tuple[list[dict[str, Any]], dict[int, str]]:
        with context.db.session() as session:
            rows = find_requests(session, RequestQuery(ids=ids))
            return rows, notes_of(session, rows)

    rows, notes = await asyncio.to_thread(load)
    if not rows:
        raise Open311Error(404, f"service_request_id {ids[0]} not found")
    return respond(fmt, "service_requests", _rows_as_requests(context, rows, notes))


async def _post_request(request: web.Request, fmt: str) -> web.Response:
    return respond(fmt, "service_requests", await submit(request))


async def _discovery(request: web.Request, fmt: str) -> web.Response:
    base = f"{request.scheme}://{request.host}{PREFIX}"
    endpoint = {
        "specification": SPEC_URL,
        "url": base,
        "changeset": "2026-11-28T00:00:00+08:00",
        "type": "production",
        "formats": list(FORMATS.values()),
    }
    data = {
        "changeset": endpoint["changeset"],
        "contact": "社区居委会 / the residents' committee",
        "key_service": "API 密钥由社区书记在配置文件 [web] open311_api_key 中设置",
        "endpoints": [endpoint],
    }
    return respond(fmt, "discovery", data)


async def _not_found(request: web.Request, fmt: str) -> web.Response:
    raise Open311Error(404, f"no such Open311 resource: {request.path}")


def setup(app: web.Application) -> None:
    """Add the Open311 routes (public: no login, no CSRF token; POST needs the api_key)."""
    fmt = "{fmt:[a-z]+}"
    app.router.add_get(f"/open311/discovery.{fmt}", _guarded(_discovery))
    app.router.add_get(f"{PREFIX}/services.{fmt}", _guarded(_services))
    app.router.add_get(f"{PREFIX}/services/{{code:[^/.]+}}.{fmt}", _guarded(_service))
    app.router.add_get(f"{PREFIX}/requests.{fmt}", _guarded(_requests))
    app.router.add_post(f"{PREFIX}/requests.{fmt}", _guarded(_post_request))
    app.router.add_get(f"{PREFIX}/requests/{{id:[^/.]+}}.{fmt}", _guarded(_one_request))
    app.router.add_route("*", "/open311/{tail:.*}", _guarded(_not_found))
