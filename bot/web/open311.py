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

import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from sqlalchemy import Connection
from sqlmodel import Session

from bot.web.open311_feed import RequestFeed
from bot.web.open311_format import (
    SPEC_URL,
    Open311Error,
    service_definition,
    services,
)
from bot.web.open311_query import RequestQuery, parse_query, request_ids
from bot.web.open311_render import FORMATS, json_list, respond, respond_json_bytes
from bot.web.open311_submit import submit
from bot.web.reads import READER, Reader, TooLong, begin, read
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
        # An unknown path still answers in the format its name asks for (…/nothing.xml).
        fmt = request.match_info.get("fmt") or request.path.rpartition(".")[2]
        fmt = fmt if fmt in FORMATS else "json"
        try:
            return await endpoint(request, _fmt(request))
        except Open311Error as exc:
            return respond(fmt, "errors", exc.body(), status=exc.status)
        except web.HTTPRequestEntityTooLarge:
            limit = request.app._client_max_size // 1024
            error = Open311Error(413, f"request body is larger than {limit} KB")
            return respond(fmt, "errors", error.body(), status=413)

    return handler


FEED = web.AppKey("liufang.web.open311_feed", RequestFeed)
# Renderings of many requests (a window nobody asked for yet: 1,000 of them, ~100 ms) run in one
# thread, off the event loop; queued there, twenty at once do not contend for the GIL.
POOL = web.AppKey("liufang.web.open311_pool", ThreadPoolExecutor)
# On a SQLite file everything else runs on the event loop: the key query of a window (an
# indexed read of at most 1,000 short rows, ~1 ms) and a rendering of at most this many
# requests (~0.1 ms each). In the thread the same work cost more and waited longer under 20
# clients: SQLite's driver releases the GIL for every row it steps and every column it reads,
# and each time the loop took it the thread waited to get it back (on the loop: context
# switches per window 4 → 1.3, per id lookup 2 → 0.2). A PostgreSQL read waits on the
# network: it stays in the thread. The reads are the dashboard's (``bot.web.reads``): past a
# budget of SQLite steps, or on a busy database, the read runs again in the thread. The key
# query of a filtered window takes 28,000 (open, from its partial index) to ~45,000 steps (under
# 1 ms; its keys joined into three texts), a window ~20,000, a rendering of INLINE_RENDER
# requests ~2,000: the budget lets them all finish on the loop, and stops a rarer, longer read
# at a few milliseconds.
INLINE_RENDER = 50
INLINE_STEPS = 100_000
OPEN311_READER = web.AppKey("liufang.web.open311_reader", Reader)


async def _find(request: web.Request, query: RequestQuery) -> list[bytes]:
    feed = request.app[FEED]

    def inline(conn: Connection) -> list[bytes]:
        begin(conn)  # on the driver: the lookup's reads share one snapshot
        lookup = feed.lookup(conn, query)
        if len(lookup.stale) > INLINE_RENDER:
            # Many to render: the thread starts over in a transaction of its own (the key
            # query again, a millisecond), so no connection is ever shared between threads.
            raise TooLong
        return feed.complete(conn, lookup)

    def threaded(session: Session) -> list[bytes]:
        return feed.answer(session.connection(), query)

    reader = request.app[OPEN311_READER]
    return await read(reader, inline, threaded, request.app[POOL], INLINE_STEPS)


def _feed_response(fmt: str, requests: list[bytes]) -> web.Response:
    if fmt == "json":  # the cached objects joined as they are: no decoding, no re-encoding
        return respond_json_bytes(json_list(requests))
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


def public_base(request: web.Request) -> str:
    """The server's public address: ``[web] public_url``, else the socket it listens on.

    Never the request's Host header: a client could make the answer point anywhere.
    """
    web_settings = request.app[WEB].settings.web
    if web_settings.public_url:
        return web_settings.public_url.rstrip("/")
    host, port = web_settings.host, web_settings.port
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if isinstance(sockname, tuple) and len(sockname) >= 2:
        host, port = sockname[0], sockname[1]
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


async def _discovery(request: web.Request, fmt: str) -> web.Response:
    base = f"{public_base(request)}{PREFIX}"
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


def _not_allowed(allowed: tuple[str, ...]) -> Endpoint:
    async def endpoint(request: web.Request, fmt: str) -> web.Response:
        error = Open311Error(
            405, f"{request.method} is not allowed here; use {', '.join(allowed)}"
        )
        response = respond(fmt, "errors", error.body(), status=405)
        response.headers["Allow"] = ", ".join(allowed)
        return response

    return endpoint


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
    reader = _reader(app)
    app[OPEN311_READER] = reader
    app[FEED] = RequestFeed(reader.engine, names, settings.tz)
    app[POOL] = pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="open311")

    async def stop_pool(_app: web.Application) -> None:
        pool.shutdown(wait=False, cancel_futures=True)

    app.on_cleanup.append(stop_pool)
    fmt = "{fmt:[a-z]+}"
    routes: tuple[tuple[str, dict[str, Endpoint]], ...] = (
        (f"/open311/discovery.{fmt}", {"GET": _discovery}),
        (f"{PREFIX}/services.{fmt}", {"GET": _services}),
        (f"{PREFIX}/services/{{code:[^/.]+}}.{fmt}", {"GET": _service}),
        (f"{PREFIX}/requests.{fmt}", {"GET": _requests, "POST": _post_request}),
        (f"{PREFIX}/requests/{{id:[^/.]+}}.{fmt}", {"GET": _one_request}),
    )
    for path, methods in routes:
        resource = app.router.add_resource(path)
        for method, endpoint in methods.items():
            resource.add_route(method, _guarded(endpoint))
        # Any other method on a known resource is the spec's 405, not a 404.
        allowed = (*methods, "HEAD") if "GET" in methods else tuple(methods)
        for method in ("PUT", "PATCH", "DELETE", "POST"):
            if method not in methods:
                resource.add_route(method, _guarded(_not_allowed(allowed)))
    app.router.add_route("*", "/open311/{tail:.*}", _guarded(_not_found))
