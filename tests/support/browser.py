"""Real headless Chromium for tests (Debian's ``chromium``, driven by Playwright).

A test module that imports this is skipped, with the reason shown by ``pytest -rs``, where
Playwright or Chromium is missing (``.ci/run`` installs Chromium with apt). Playwright's own
browser downloads are never used.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.web import DEMO_PASSWORDS

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright is not installed: pip install -e '.[test]'"
)
CHROMIUM = os.environ.get("LIUFANG_CHROMIUM") or shutil.which("chromium") or ""
if not CHROMIUM:
    pytest.skip(
        "no Chromium found: apt-get install chromium (or set LIUFANG_CHROMIUM)",
        allow_module_level=True,
    )
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A fresh headless Chromium for one test."""
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def new_page(browser: Any, width: int = 1280, height: int = 800) -> Any:
    """A page (``width`` CSS pixels wide) that fails the test on any script error."""
    page = await browser.new_page(locale="zh-CN", viewport={"width": width, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    return page


async def log_in(
    page: Any, base: str, path: str, username: str, password: str | None = None
) -> None:
    """Open ``path``; the log-in form comes first, then the page itself."""
    await page.goto(base + path)
    assert "/login" in page.url
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password or DEMO_PASSWORDS[username])
    await page.click("form.stack button[type=submit]")
    await page.wait_for_url(base + path)
