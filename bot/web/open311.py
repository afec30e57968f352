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
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from bot.web.dashboard import READER
from bot.web.dashboard_query import Reader
from bot.web.open311_feed import RequestFeed
from bot.web.open311_format import (
    SPEC_URL,
    Open311Error,
    service_definition,
    services,
)
from bot.web.open311_query import RequestQuery, parse_query, request_ids
from bot.web.open311_render import FORMATS, respond, respond_json_bytes
from bot.web.open311_submit import submit
from bot.web.server import WEB

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


FEED = web.AppKey("liufang.web.open311_feed", RequestFeed)
# One thread runs the lookups, off the event loop. They are short (indexed, at most 1,000 rows
# of three columns); with one thread, twenty at once queue there instead of contending for the
# GIL: at 20 clients the 95th percentile measured ~70 ms this way, ~110 ms on the default pool.
POOL = web.AppKey("liufang.web.open311_pool", ThreadPoolExecutor)


async def _find(request: web.Request, query: RequestQuery) -> list[bytes]:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(request.app[POOL], request.app[FEED].find, query)


def _feed_response(fmt: str, requests: list[bytes]) -> web.Response:
    if fmt == "json":  # the cached objects joined as they are: no decoding, no re-encoding
        return respond_json_bytes(b"[" + b",".join(requests) + b"]")
    return respond(fmt, "service_requests", [json.loads(r) for r in requests])


async def _services(request: web.Request, fmt: str) -> web.Response:
    return respond(fmt, "services", services())


async def _service(request: web.Request, fmt: str) -> web.Response:
    return respond(fmt, "service_definition", service_definition(request.match_info["code"]))


async def _requests(request: web.Request, fmt: str) -> web.Response:
    context = request.app[WEB]
    codes = [c.code for c in context.settings.communities]
    query = parse_query(request.query, context.clock(), context.settings.tz, codes)
    found = await _find(request, query)
    return _feed_response(fmt, found)


async def _one_request(request: web.Request, fmt: str) -> web.Response:
    raw = request.match_info["id"]
    try:
        ids = request_ids([raw])
    except Open311Error:
        raise Open311Error(404, f"service_request_id {raw!r} not found") from None
    found = await _find(request, RequestQuery(ids=ids))
    if not found:
        raise Open311Error(404, f"service_request_id {ids[0]} not found")
    return _feed_response(fmt, found)


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


def _reader(app: web.Application) -> Reader:
    """The dashboard's read-only sessions, or our own when the dashboard is not served."""
    if READER in app:
        return app[READER]
    reader = Reader(app[WEB].db)

    async def close(_app: web.Application) -> None:
        reader.dispose()

    app.on_cleanup.append(close)
    return reader


def setup(app: web.Application) -> None:
    """Add the Open311 routes (public: no login, no CSRF token; POST needs the api_key)."""
    settings = app[WEB].settings
    names = {c.code: c.name for c in settings.communities}
    app[FEED] = RequestFeed(_reader(app).session, names, settings.tz)
    app[POOL] = pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="open311")

    async def stop_pool(_app: web.Application) -> None:
        pool.shutdown(wait=False, cancel_futures=True)

    app.on_cleanup.append(stop_pool)
    fmt = "{fmt:[a-z]+}"
    app.router.add_get(f"/open311/discovery.{fmt}", _guarded(_discovery))
    app.router.add_get(f"{PREFIX}/services.{fmt}", _guarded(_services))
    app.router.add_get(f"{PREFIX}/services/{{code:[^/.]+}}.{fmt}", _guarded(_service))
    app.router.add_get(f"{PREFIX}/requests.{fmt}", _guarded(_requests))
    app.router.add_post(f"{PREFIX}/requests.{fmt}", _guarded(_post_request))
    app.router.add_get(f"{PREFIX}/requests/{{id:[^/.]+}}.{fmt}", _guarded(_one_request))
    app.router.add_route("*", "/open311/{tail:.*}", _guarded(_not_found))
