"""Web benchmark: latency of the real server with 100,000 tickets under 20 concurrent clients.

The tickets come from the search benchmark's seeded generator, written by ``bench.web_seed`` into
a fresh SQLite file of the demo config's two communities. The server runs the real app (every
web feature) in a child process, as ``make run`` serves it, so the clients in this process do
not share its event loop. The dashboard and the Open311 scenarios share one seeded database and
one server. Each scenario is a list of URLs requested a fixed number of times by
:data:`CLIENTS` clients at once; a figure is the client-side time of one whole response.

The Open311 scenario (:func:`_open311`) asks ``requests.json`` for 90-day windows (each
the newest 1,000 of about 8,200 tickets, the largest answer the API gives), the same narrowed
by status and service, and single requests by id (mostly never asked before, so rendered
afresh); plus, one client alone, the time of a 1,000-request window nobody asked for yet.

The same-run baseline of every scenario: a trivial aiohttp handler in the same child process
and event loop, served by the same :class:`WebServer` settings, answering pre-rendered bodies
of the same sizes as the scenario's real answers, under the same clients (``*_trivial_*``),
the two taking turns in rounds (:func:`scenario`).
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import random
import re
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.web_seed import N_TICKETS, seed, settings_for
from handlers.understanding import Understanding

CLIENTS = 20
# Per scenario, after WARMUP, on the real server and again on the trivial one: 500 give a
# steady p95 (25 requests above it) and keep ``make bench`` within ten minutes on two cores.
REQUESTS = 500
WARMUP = 60
ROUNDS = 5  # real and trivial take turns, REQUESTS // ROUNDS each a round
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def trivial_app() -> web.Application:
    """The baseline: one handler answering ``/<html|json>/<size>`` with a body of that many
    bytes, rendered once and then served from memory."""
    bodies: dict[tuple[str, int], bytes] = {}

    async def handler(request: web.Request) -> web.Response:
        kind, size = request.match_info["kind"], int(request.match_info["size"])
        body = bodies.get((kind, size))
        if body is None:
            body = bodies[kind, size] = b"x" * size
        content_type = "text/html" if kind == "html" else "application/json"
        return web.Response(body=body, content_type=content_type, charset="utf-8")

    app = web.Application()
    app.router.add_get("/{kind}/{size}", handler)
    return app


def _serve(path: Path, pipe: Connection) -> None:
    """Child process: the real web app over the database at ``path`` until told to stop,
    and beside it, on the same event loop and server settings, the trivial app."""
    from bot.app import build_dispatcher, build_services, freeze_startup_heap, system_clock
    from bot.web.features import default_features
    from bot.web.server import WebContext, WebServer, build_web_app
    from storage.db import Database

    async def main() -> None:
        settings = settings_for(path)
        nlp = Understanding.load(settings.lexicon_files, settings.user_words)
        clock = system_clock(settings)
        db = Database(settings.database_url)
        context = WebContext(
            settings=settings,
            db=db,
            services=build_services(settings, clock, nlp),
            dispatcher=build_dispatcher(settings, db, clock, nlp),
            sender=None,
            clock=clock,
        )
        server = WebServer(build_web_app(context, default_features()), "127.0.0.1", 0)
        trivial = WebServer(trivial_app(), "127.0.0.1", 0)
        await server.start()
        await trivial.start()
        freeze_startup_heap()  # as App.start does before serving
        pipe.send((server.url, trivial.url))
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # the stop signal
        await trivial.stop()
        await server.stop()
        db.dispose()

    asyncio.run(main())


@contextmanager
def served(path: Path) -> Iterator[tuple[str, str]]:
    """The base URLs of the real server over ``path`` and of the trivial one, running in a
    child process."""
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(path, child))
    process.start()
    try:
        if not parent.poll(180):  # a busy machine starts slowly
            raise RuntimeError("the web server did not start within 180 s")
        real, trivial = parent.recv()
        yield str(real).rstrip("/"), str(trivial).rstrip("/")
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()


async def login(http: aiohttp.ClientSession, base: str, username: str, password: str) -> None:
    """Log ``http`` in through the form, as a browser does."""
    async with http.get(f"{base}/login") as resp:
        token = _CSRF.search(await resp.text())
    assert token is not None
    form = {"username": username, "password": password, "csrf_token": token[1]}
    async with http.post(f"{base}/login", data=form) as resp:
        assert resp.status == 200 and "/logout" in await resp.text(), "log-in failed"


async def measure(
    http: aiohttp.ClientSession,
    base: str,
    paths: Sequence[str] | Iterator[str],
    n: int = REQUESTS,
    sizes: dict[str, str] | None = None,
) -> list[float]:
    """Milliseconds of ``n`` GETs cycling through ``paths`` (or taking the next ``n`` of an
    iterator, to go on where a previous call stopped), :data:`CLIENTS` at a time; into
    ``sizes``, the trivial app's path for a body like each one's (kind and size)."""
    todo = paths if isinstance(paths, Iterator) else itertools.cycle(paths)
    left = [n]
    times: list[float] = []

    async def client() -> None:
        while left[0] > 0:
            left[0] -= 1
            path = next(todo)
            start = time.perf_counter()
            async with http.get(base + path) as resp:
                body = await resp.read()
                assert resp.status == 200, (path, resp.status)
            times.append((time.perf_counter() - start) * 1000)
            if sizes is not None:
                kind = "json" if "json" in resp.content_type else "html"
                sizes[path] = f"/{kind}/{len(body)}"

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return times


def _p(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def scenario(
    http: aiohttp.ClientSession, bases: tuple[str, str], name: str, paths: Sequence[str]
) -> dict[str, float]:
    """p50, p95 and requests/s of ``paths`` on the real server, and the same of the trivial
    server answering bodies of the same sizes, under the same clients.

    The two take turns in :data:`ROUNDS` rounds (the real server going on through ``paths``
    where it stopped, so a path asked once is still asked once): on a shared machine a burst
    of load then falls on both alike instead of on whichever ran during it.
    """
    sizes: dict[str, str] = {}
    real_paths, trivial_paths = itertools.cycle(paths), itertools.cycle(())
    real: list[float] = []
    trivial: list[float] = []
    busy = 0.0
    for round_ in range(ROUNDS):
        start = time.perf_counter()
        real += await measure(http, bases[0], real_paths, REQUESTS // ROUNDS, sizes=sizes)
        busy += time.perf_counter() - start
        # Bodies of the sizes the real server answered, in the order it answered them.
        trivial_paths = itertools.cycle([sizes[p] for p in paths if p in sizes])
        if round_ == 0:
            await measure(http, bases[1], trivial_paths, WARMUP)
        trivial += await measure(http, bases[1], trivial_paths, REQUESTS // ROUNDS)
    kinds = [sizes[p] for p in paths if p in sizes]
    return {
        f"{name}_p50_ms": _p(real, 50),
        f"{name}_p95_ms": _p(real, 95),
        f"{name}_per_s": len(real) / busy,
        f"{name}_trivial_p50_ms": _p(trivial, 50),
        f"{name}_trivial_p95_ms": _p(trivial, 95),
        f"{name}_kb": statistics.mean(int(p.rsplit("/", 1)[1]) for p in kinds) / 1000,
    }


# A secretary of 毛塘路 (65% of the tickets): the first page, and a page narrowed by filters.
LIST_PATHS = ("/",)
FILTERED_PATHS = ("/?klass=urgent&state=reported", "/?grid=2网格&category=facility&page=2")
SEARCH_PATHS = ("/?q=路灯", "/?q=漏水&state=in_progress", "/?q=马蜂窝")


async def _dashboard(bases: tuple[str, str]) -> dict[str, float]:
    base = bases[0]
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as http:
        await login(http, base, "wangshuji", "maotang2026")
        await measure(http, base, LIST_PATHS + FILTERED_PATHS + SEARCH_PATHS, WARMUP)
        figures: dict[str, float] = {}
        for name, paths in (
            ("list", LIST_PATHS),
            ("filtered", FILTERED_PATHS),
            ("search", SEARCH_PATHS),
        ):
            figures.update(await scenario(http, bases, f"dashboard_{name}", paths))
    return figures


def _window(end: datetime, **params: str) -> str:
    """``requests.json`` for the 90 days before ``end`` (Shanghai time), with ``params``."""
    start = end - timedelta(days=90)
    w3c = "%Y-%m-%dT%H:%M:%S%%2B08:00"  # an escaped "+" in the offset
    query = f"start_date={start.strftime(w3c)}&end_date={end.strftime(w3c)}"
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    return f"/open311/v2/requests.json?{query}{extra}"


# The seeded tickets run from 2023-01-01 to 2026-01-01.
_ENDS = (datetime(2025, 12, 31), datetime(2025, 9, 30), datetime(2025, 6, 30))
WINDOW_PATHS = tuple(_window(end) for end in _ENDS)
OPEN311_FILTERED = (
    *(_window(end, status="open", service_code="facility,utilities") for end in _ENDS),
    _window(_ENDS[0], jurisdiction_id="guihua", status="closed"),
)


def _id_paths(n: int = 200, seed: int = 311) -> tuple[str, ...]:
    rng = random.Random(seed)
    one = [f"/open311/v2/requests/{rng.randint(1, N_TICKETS)}.json" for _ in range(n)]
    many = [
        "/open311/v2/requests.json?service_request_id="
        + ",".join(str(rng.randint(1, N_TICKETS)) for _ in range(20))
        for _ in range(n)
    ]
    return tuple(itertools.chain.from_iterable(zip(one, many, strict=True)))


async def _open311(bases: tuple[str, str]) -> dict[str, float]:
    base = bases[0]
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as http:
        cold = []
        for days in range(10):  # windows nobody asked for: every request rendered afresh
            path = _window(datetime(2024, 12, 31) - timedelta(days=60 * days))
            start = time.perf_counter()
            async with http.get(base + path) as resp:
                assert resp.status == 200 and len(await resp.json()) == 1000
            cold.append((time.perf_counter() - start) * 1000)
        ids = _id_paths()
        await measure(http, base, WINDOW_PATHS + OPEN311_FILTERED, WARMUP)
        figures: dict[str, float] = {"open311_cold_1000_ms": statistics.median(cold)}
        for name, paths in (
            ("requests", WINDOW_PATHS),
            ("filtered", OPEN311_FILTERED),
            ("ids", ids),
        ):
            figures.update(await scenario(http, bases, f"open311_{name}", paths))
    return figures


def web_latency() -> dict[str, float]:
    """p50/p95 ms of the dashboard (first page, filtered, searched) and of Open311
    ``requests.json`` (windows, filtered, by id) under 20 clients, one seeded database and
    one server for both, each scenario beside the trivial handler."""
    with tempfile.TemporaryDirectory(prefix="liufang-bench-web-") as tmp:
        path = Path(tmp) / "web.db"
        seconds = seed(path)
        print(f"   {N_TICKETS:,} tickets seeded in {seconds:.1f} s", flush=True)
        with served(path) as bases:
            figures = asyncio.run(_dashboard(bases))
            figures.update(asyncio.run(_open311(bases)))
    print(f"   {CLIENTS} clients, {REQUESTS} requests per scenario", flush=True)
    return {**figures, "web_seed_s": seconds}
