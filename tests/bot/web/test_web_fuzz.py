"""Fuzzing the HTTP surface: Open311 parameters and bodies, and the simulator's JSON API.

Invariants: no request makes a 500; every Open311 answer parses in the format asked (the
spec's error list when refused); a refused request files nothing and a filed one is whole;
the public feed stays well-formed XML and strict JSON whatever was posted.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from storage.models import OutboxMessage, Ticket, TicketEvent
from tests.support.fuzz import CHAT_TEXT, HOSTILE_TEXT
from tests.support.web import API_KEY, DashboardSite, SimulatorSite

V2 = "/open311/v2"
PARAMS = ["service_request_id", "service_code", "status", "start_date", "end_date"]
PARAMS += ["jurisdiction_id", "page", "api_key"]
DATES = st.sampled_from(
    ["2026-11-26", "2026-11-26T09:00:00+08:00", "9999-12-31", "0001-01-01T00:00:00", "2026-02-30"]
)
VALUE = st.one_of(HOSTILE_TEXT, DATES, st.sampled_from(["open", "closed", "facility", "T1", "1"]))
FIELDS = ["api_key", "service_code", "description", "address_string", "lat", "long"]
FIELDS += ["jurisdiction_id", "address_id", "email", "phone", "first_name", "media_url"]


STATUSES: set[tuple[str, int]] = set()  # (suite, status) seen by the suites of this file


def _strict_json(body: bytes) -> Any:
    def no_constant(name: str) -> None:
        raise ValueError(name)

    return json.loads(body.decode("utf-8"), parse_constant=no_constant)


def _parses(body: bytes, fmt: str) -> Any:
    if fmt == "xml":
        return ElementTree.fromstring(body)
    return _strict_json(body)


def _error_code(body: bytes, fmt: str) -> int:
    if fmt == "xml":
        root = ElementTree.fromstring(body)
        assert root.tag == "errors"
        return int(root.findtext("error/code") or 0)
    (error,) = _strict_json(body)
    return int(error["code"])


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[DashboardSite]:
    """One live server for every example of a test."""
    web = await DashboardSite.start(tmp_path, seed=False)
    yield web
    await web.close()


@settings(max_examples=120)
@given(
    st.sampled_from(["json", "xml"]),
    st.sampled_from(["/requests", "/services", "/requests/1", "/services/facility"]),
    st.dictionaries(st.sampled_from(PARAMS), VALUE, max_size=4),
)
async def test_any_query_answers_in_its_format(
    live: DashboardSite, fmt: str, path: str, params: dict[str, str]
) -> None:
    async with live.http.get(live.url(f"{V2}{path}.{fmt}"), params=params) as resp:
        body = await resp.read()
        assert resp.status in (200, 400, 404), (resp.status, params, body[:300])
    _parses(body, fmt)
    if resp.status != 200:
        assert _error_code(body, fmt) == resp.status


def _counts(live: DashboardSite) -> tuple[int, int, int]:
    with live.bot.db.session() as s:
        tickets = len(s.exec(select(Ticket.id)).all())
        reported = len(
            set(s.exec(select(TicketEvent.ticket_id).where(TicketEvent.kind == "reported")))
        )
        outbox = len(s.exec(select(OutboxMessage.id)).all())
    return tickets, reported, outbox


@settings(max_examples=80)
@given(
    st.sampled_from(["json", "xml"]),
    st.fixed_dictionaries(
        # Each field valid about half the time, so that many requests are filed.
        {
            "api_key": st.sampled_from([API_KEY, API_KEY, API_KEY, "wrong", ""]),
            "service_code": st.one_of(
                st.sampled_from(["facility", "elevator", "utilities", "other"]), HOSTILE_TEXT
            ),
            "description": st.one_of(CHAT_TEXT, HOSTILE_TEXT),
            "address_string": st.one_of(
                st.sampled_from(["毛塘路3栋", "5栋2单元门口", "桂花巷2栋"]), HOSTILE_TEXT
            ),
        },
        optional={
            "lat": st.one_of(st.floats(allow_nan=True).map(str), HOSTILE_TEXT),
            "long": st.one_of(st.floats(-180, 180).map(str), HOSTILE_TEXT),
            "jurisdiction_id": st.sampled_from(["maotang", "guihua", "atlantis", ""]),
            "email": HOSTILE_TEXT,
            "media_url": HOSTILE_TEXT,
        },
    ),
)
async def test_any_post_is_filed_whole_or_refused_without_a_trace(
    live: DashboardSite, fmt: str, form: dict[str, str]
) -> None:
    before = _counts(live)
    async with live.http.post(live.url(f"{V2}/requests.{fmt}"), data=form) as resp:
        body = await resp.read()
        status = resp.status
    assert status in (200, 400, 403), (status, form, body[:300])
    STATUSES.add(("post", status))
    _parses(body, fmt)
    tickets, reported, outbox = _counts(live)
    assert tickets == reported  # no ticket without its first event
    if status != 200:
        assert _error_code(body, fmt) == status
        assert (tickets, outbox) == before[0::2]  # nothing filed, nothing queued
    # Whatever was posted, the public feed stays well-formed in both formats.
    for feed_fmt in ("xml", "json"):
        async with live.http.get(live.url(f"{V2}/requests.{feed_fmt}")) as resp:
            assert resp.status == 200
            _parses(await resp.read(), feed_fmt)


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), HOSTILE_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(), inner)),
    max_leaves=10,
)
MESSAGE = st.fixed_dictionaries(
    {
        # Mostly a room and member the account may use, so that most bodies reach the bot.
        "room": st.sampled_from(["room-maotang-g1"] * 4 + ["private:", "room-guihua-g1", ""]),
        "member": st.sampled_from(["wx-mt-li"] * 4 + ["custom", "nobody", ""]),
        "text": st.one_of(CHAT_TEXT, HOSTILE_TEXT),
    },
    optional={"name": HOSTILE_TEXT, "community": st.sampled_from(["maotang", "x"])},
).map(json.dumps)
# A message the account may send (a room and member of its community), with any text.
SAID = st.fixed_dictionaries(
    {
        "room": st.just("room-maotang-g1"),
        "member": st.just("wx-mt-li"),
        "text": st.one_of(CHAT_TEXT, HOSTILE_TEXT).filter(lambda t: bool(t.strip())),
    }
).map(json.dumps)
BODY = st.one_of(
    SAID,
    MESSAGE,
    JSON_VALUE.map(json.dumps),
    HOSTILE_TEXT,
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
)


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[SimulatorSite]:
    """The simulator, logged in as a community account."""
    site = await SimulatorSite.start(tmp_path)
    await site.login("wangshuji")
    yield site
    await site.close()


@settings(max_examples=60)
@given(BODY)
async def test_the_simulator_api_answers_any_body(sim: SimulatorSite, body: str) -> None:
    async with sim.http.post(
        sim.url("/simulator/api/send"),
        data=body.encode("utf-8", "surrogatepass"),
        headers={"X-CSRF-Token": sim.csrf, "Content-Type": "application/json"},
    ) as resp:
        assert resp.status in (200, 400, 403), (resp.status, body[:200])
        STATUSES.add(("simulator", resp.status))


def test_the_fuzzing_reached_the_bot() -> None:
    """Runs after the suites above (file order): some examples were filed, some refused."""
    for suite in ("post", "simulator"):
        seen = {status for name, status in STATUSES if name == suite}
        if seen:  # not when that suite was deselected
            assert 200 in seen and 400 in seen, (suite, seen)
