"""Open311 pieces on their own: the feed cache, query parsing, what the public may read."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from multidict import MultiDict
from sqlmodel import select

from bot.web import open311_feed
from bot.web.open311_feed import WHOLE_ROWS, RequestFeed
from bot.web.open311_format import Open311Error, public_text, request_fields
from bot.web.open311_json import dumps as _dumps
from bot.web.open311_query import RequestQuery, match_keys, parse_query
from bot.web.open311_render import json_list
from bot.web.textsafe import xml_safe_data
from storage.db import Database
from storage.models import Ticket
from tests.support.db import SHANGHAI, T0, seed_community, ticket

# The day around T0: every lamp report of _lamps.
DAY = RequestQuery(start=T0 - timedelta(days=1), end=T0 + timedelta(days=1))


def _lamps(database: Database, n: int) -> None:
    """The community and ``n`` lamp reports, a minute apart from T0."""
    seed_community(database)
    with database.session() as session:
        for i in range(n):
            session.add(ticket(f"m{i}", at=T0 + timedelta(minutes=i), text=f"路灯{i}坏了"))
        session.commit()


def test_the_cache_is_bounded_and_follows_changes(database: Database) -> None:
    _lamps(database, 5)
    feed = RequestFeed(database.engine, {"c1": "幸福里社区"}, SHANGHAI, cached=3)
    query = DAY
    first = [json.loads(r) for r in feed.find(query)]
    assert [r["service_request_id"] for r in first] == [5, 4, 3, 2, 1]
    assert len(feed._cache) == 3  # the three rendered last
    with database.session() as session:
        t = session.get(Ticket, 5)
        assert t is not None
        t.state, t.updated_at = "resolved", T0 + timedelta(hours=1)
        session.add(t)
        session.commit()
    again = [json.loads(r) for r in feed.find(query)]
    assert again[0]["status"] == "closed" and again[1:] == first[1:]
    assert again[0]["updated_datetime"] == "2026-11-26T10:00:00+08:00"


def test_a_changed_request_replaces_its_cached_version(database: Database) -> None:
    _lamps(database, 4)
    feed = RequestFeed(database.engine, {"c1": "幸福里社区"}, SHANGHAI)
    query = DAY
    feed.find(query)
    for hours, state in ((1, "in_progress"), (2, "resolved")):
        with database.session() as session:
            t = session.get(Ticket, 2)
            assert t is not None
            t.state, t.updated_at = state, T0 + timedelta(hours=hours)
            session.add(t)
            session.commit()
        found = [json.loads(r) for r in feed.find(query)]
        assert found[2]["updated_datetime"] == f"2026-11-26T{9 + hours:02d}:00:00+08:00"
    assert len(feed._cache) == 4  # one entry per request: a new version replaces the old
    (only,) = feed.find(RequestQuery(ids=(2,)))
    assert json.loads(only)["status"] == "closed"


def test_a_lookup_finds_current_answers_and_names_only_what_changed(database: Database) -> None:
    _lamps(database, 6)
    feed = RequestFeed(database.engine, {"c1": "幸福里社区"}, SHANGHAI)
    query = DAY
    with feed.connect() as conn:
        first = feed.lookup(conn, query)
        assert first.stale == [6, 5, 4, 3, 2, 1] and set(first.found) == {None}
        answer = feed.complete(conn, first)
    with feed.connect() as conn:  # the versions read back equal the ones cached, on every backend
        again = feed.lookup(conn, query)
    assert again.stale == [] and again.found == answer
    assert feed.complete(feed.connect(), again) == answer
    with database.session() as session:
        t = session.get(Ticket, 3)
        assert t is not None
        t.state = "in_progress"  # the state alone also makes a new version
        session.add(t)
        session.commit()
    with feed.connect() as conn:
        changed = feed.lookup(conn, query)
        assert changed.stale == [3]
        shown = feed.complete(conn, changed)
    assert json.loads(shown[3])["status_notes"] == "处理中"
    assert shown[:3] + shown[4:] == answer[:3] + answer[4:]
    assert len(feed._cache) == len(feed._current) == 6  # the old version is gone


def test_the_cache_drops_the_oldest_rendered_and_renders_them_again(database: Database) -> None:
    _lamps(database, 4)
    feed = RequestFeed(database.engine, {"c1": "幸福里社区"}, SHANGHAI, cached=2)
    whole = feed.find(DAY)
    assert len(feed._current) == 2 and set(feed._cache) == set(feed._current.values())
    assert feed.find(RequestQuery(ids=(4, 1))) == [whole[0], whole[3]]  # whichever went
    assert sorted(feed._current) == [1, 4] and set(feed._cache) == set(feed._current.values())


def test_keys_come_newest_first_whatever_the_filing_order(database: Database) -> None:
    seed_community(database)
    minutes = [(i * 37) % 50 // 2 for i in range(50)]  # shuffled, and every time twice
    with database.session() as session:
        for i, m in enumerate(minutes):
            at = T0 + timedelta(minutes=m)
            session.add(ticket(f"m{i}", at=at, text=f"路灯{i}坏了", state="reported"))
        session.commit()
    with database.session() as session:
        expected = [
            (t.id, t.state)
            for t in sorted(
                session.exec(select(Ticket)).all(),
                key=lambda t: (t.created_at, t.id),
                reverse=True,
            )
        ]
    with database.engine.connect() as conn:
        keys = match_keys(conn, RequestQuery(start=T0, end=T0 + timedelta(hours=1)))
        assert [(k[0], k[2]) for k in keys] == expected
        versions = {k[0]: k[1] for k in keys}
        (one,) = match_keys(conn, RequestQuery(ids=(7,)))
        assert one == (7, versions[7], "reported")
        assert match_keys(conn, RequestQuery(ids=(999,))) == []


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_json_list_is_the_array_of_its_items(n: int) -> None:
    values = [{"service_request_id": i, "description": f"路灯{i}"} for i in range(n)]
    items = [json.dumps(v, ensure_ascii=False).encode() for v in values]
    before = list(items)
    assert json.loads(json_list(items)) == values
    assert items == before  # the caller's list is left as it was


NOW = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)


def query(**params: str) -> RequestQuery:
    """``parse_query`` of these parameters at NOW, with the demo communities."""
    return parse_query(MultiDict(params), NOW, SHANGHAI, ["maotang", "guihua"])


def test_dates_default_to_the_last_90_days_and_spans_are_capped() -> None:
    q = query()
    assert (q.start, q.end) == (NOW - timedelta(days=90), NOW)
    q = query(start_date="2026-01-01")
    assert q.start == datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert q.end == datetime(2026, 4, 1, tzinfo=SHANGHAI)
    q = query(end_date="2026-03-31T16:00:00Z")
    assert q.end == datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI)
    assert q.end - q.start == timedelta(days=90)
    q = query(start_date="2026-11-01T00:00:00 08:00")  # an unescaped "+" became a space
    assert q.start == datetime(2026, 11, 1, tzinfo=SHANGHAI)
    with pytest.raises(Open311Error) as err:
        query(start_date="2026-01-01", end_date="2026-04-02")
    assert err.value.status == 400


def test_ids_override_everything_and_statuses_map_to_states() -> None:
    q = query(service_request_id="T12,#13,14,12", status="closed", service_code="noise")
    assert q == RequestQuery(ids=(12, 13, 14))
    assert set(query(status="open").states) == {"reported", "accepted", "in_progress", "reopened"}
    assert query(jurisdiction_id="guihua").community == "guihua"


def test_public_text_masks_phones_and_hides_the_reporter() -> None:
    text = "我是刘阿姨，电话 139 8765 4321 或 0571-88776655，3栋2单元301室"
    shown = public_text(text, ("刘阿姨", "李"))  # one-character names are too risky to replace
    assert shown == "我是报事人，电话 139****4321 或 0571-****6655，3栋2单元**室"


def test_private_categories_are_published_without_their_text() -> None:
    row = {
        "id": 7, "community_code": "c1", "grid": "1网格", "reporter_name": "王阿姨",
        "text": "楼上302室的赵某天天半夜吵架", "category": "neighbor", "route": "online",
        "location": "5栋302室", "responsible": "committee", "state": "reported",
        "created_at": NOW, "updated_at": NOW, "due_at": None, "merged_into": None,
        "resolution": "", "lat": None, "lon": None,
    }  # fmt: skip
    shown = request_fields(row, "幸福里社区", SHANGHAI)
    assert shown["description"] == "（涉及个人情况，内容不公开）"
    assert shown["address"] == "幸福里社区 1网格 5栋**室"
    assert shown["service_name"] == "邻里纠纷" and shown["status"] == "open"
    facility = request_fields({**row, "category": "facility"}, "幸福里社区", SHANGHAI)
    assert facility["description"] == "楼上**室的赵某天天半夜吵架"


@pytest.mark.parametrize(
    "text", ["路灯坏了", "控制\x01字符", "\ud800孤", "\ufffe", "tab\tok", "", "\U0001f600 表情"]
)
def test_one_requests_json_is_made_xml_safe_as_every_field_would_be(text: str) -> None:
    data = {"service_request_id": 1, "description": text, "address": f"3栋{text}", "lat": 1.5}
    expected = json.dumps(xml_safe_data(data), ensure_ascii=False, separators=(",", ":"))
    assert _dumps(data) == expected.encode()
    assert (
        _dumps({**data, "nested": [text]})
        == json.dumps(
            xml_safe_data({**data, "nested": [text]}), ensure_ascii=False, separators=(",", ":")
        ).encode()
    )


def test_a_lookup_of_many_ids_reads_keys_and_of_few_whole_rows_with_the_same_answer(
    database: Database,
) -> None:
    seed_community(database)
    with database.session() as session:
        for i in range(WHOLE_ROWS + 5):
            session.add(ticket(f"m{i}", at=T0 + timedelta(minutes=i % 7), text=f"路灯{i}坏了"))
        session.commit()
    many = tuple(range(WHOLE_ROWS + 5, 0, -1))
    few = many[:WHOLE_ROWS]
    by_rows = RequestFeed(database.engine, {"c1": "幸福里社区"}, SHANGHAI)
    by_keys = RequestFeed(database.engine, {"c1": "幸福里社区"}, SHANGHAI)
    with by_rows.connect() as conn:
        assert set(by_rows.lookup(conn, RequestQuery(ids=few)).rows) == set(few)
    with by_keys.connect() as conn:
        assert by_keys.lookup(conn, RequestQuery(ids=many)).rows == {}
    whole = by_keys.find(RequestQuery(ids=many))
    assert by_rows.find(RequestQuery(ids=few)) == [
        r for r in whole if json.loads(r)["service_request_id"] in few
    ]


def test_a_whole_answer_kept_follows_every_change_at_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lamps(database, 5)
    feed = RequestFeed(database.engine, {"c1": "幸福里社区"}, SHANGHAI)
    query = DAY
    first = feed.find(query)  # rendered: not kept whole yet
    assert feed._answers == {} and feed.find(query) == first  # all cached: now kept whole
    assert list(feed._answers.values()) == [first] and feed.find(query) == first

    def ids_and_statuses() -> list[tuple[int, str]]:
        return [(r["service_request_id"], r["status"]) for r in map(json.loads, feed.find(query))]

    with database.session() as session:
        t = session.get(Ticket, 3)
        assert t is not None
        t.state = "resolved"  # the state alone makes another answer
        session.add(t)
        session.add(ticket("m9", at=T0 + timedelta(minutes=30), text="井盖丢了"))
        session.commit()
    expected = [(6, "open"), (5, "open"), (4, "open"), (3, "closed"), (2, "open"), (1, "open")]
    assert ids_and_statuses() == expected
    with database.session() as session:
        gone = session.get(Ticket, 4)
        session.delete(gone)
        session.commit()
    assert ids_and_statuses() == expected[:2] + expected[3:]
    assert ids_and_statuses() == expected[:2] + expected[3:]  # kept whole, still current
    monkeypatch.setattr(open311_feed, "ANSWERS", 2)
    for status in ("open", "closed", "open,closed"):
        states = parse_query(MultiDict(status=status), T0, SHANGHAI, ["c1"]).states
        window = RequestQuery(states=states, start=query.start, end=query.end)
        assert feed.find(window) == feed.find(window)
    assert len(feed._answers) == 2
