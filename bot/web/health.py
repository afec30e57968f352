"""``GET /healthz`` (JSON, 503 when down) and ``GET /metrics`` (Prometheus); no log-in needed.

Load balancers, systemd/docker health checks and Prometheus call these without a session, so
the auth middleware lets them through. Neither shows a person, a report or a secret.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.metrics import CONTENT_TYPE
from bot.web.server import WEB

CHECK_TIMEOUT = 5.0


async def healthz(request: web.Request) -> web.Response:
    """The health report; 200 when ok or degraded-but-serving, 503 when down."""
    health = request.app[WEB].health
    if health is None:
        return web.json_response({"status": "ok", "role": "leader"})
    try:
        report = await asyncio.wait_for(asyncio.to_thread(health.check), CHECK_TIMEOUT)
    except TimeoutError:
        body = {"status": "down", "db": f"no answer within {CHECK_TIMEOUT:.0f}s"}
        return web.json_response(body, status=503, headers={"Cache-Control": "no-store"})
    status = 503 if report.status == "down" else 200
    return web.json_response(
        report.to_json(), status=status, headers={"Cache-Control": "no-store"}
    )


async def metrics(request: web.Request) -> web.Response:
    """Every ``liufang_`` series in the Prometheus text format."""
    registry = request.app[WEB].metrics
    if registry is None:
        raise web.HTTPNotFound()
    body = await asyncio.to_thread(registry.render)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def setup(app: web.Application) -> None:
    """Add /healthz and /metrics."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
