"""The sweep writes exactly the same rows as before its speed-ups (issue 15).

Generated grid-group reports go through the real dispatcher, several communities' responders
claim, arrive at, resolve and rate some of them, and the app's sweep runs as the clock moves
over ten days: small steps (the ladder's rungs, reminders), a long gap (a catch-up after
downtime) and sweeps in small batches. Every table is then dumped in primary-key order and
compared, table by table, with a digest taken from the code before the sweep's fast paths
were written. The dump reads typed values through the schema, so SQLite and PostgreSQL give
the same digests. Should a deliberate change of behaviour move a digest, print the new ones
with ``LIUFANG_PRINT_DIGESTS=1`` and say in the commit why they moved.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta

from bench.messages import generate
from bot.assembly import build_dispatcher, build_engine, build_services, open_database
from bot.config import load_settings
from handlers.events import Inbound
from handlers.followups.engine import FollowUpEngine
from handlers.followups.planner import reconcile
from handlers.followups.registry import follow_up_kinds
from handlers.hall.notices import HALL_KINDS
from storage.db import Database
from tests.support.digests import table_digests
from tests.support.harness import EXAMPLE_CONFIG, FakeClock, shared_nlp

ROOMS = (
    ("room-maotang-g1", "毛塘路1网格"),
    ("room-maotang-g2", "毛塘路2网格"),
    ("room-maotang-6p", "毛塘路社区六方议事群"),
)
REPORTERS = (("wx-mt-liu", "刘阿姨"), ("wx-mt-sun", "孙大爷"), ("wx-stranger", "路人甲"))
# Who answers ticket n, and how: nobody for most, so reminders, overdue notices, late
# notices and the alarm ladder all run; the others go through claim, 到场, 办结 and 评价.
ANSWERS = (
    ("wx-mt-zhang", "张经理", "认领 T{n}"),
    ("wx-mt-li", "李网格长", "到场 T{n}"),
    ("wx-mt-zhang", "张经理", "办结 T{n} 已处理好了"),
)
MESSAGES = 90

# Taken from the code before the sweep's fast paths: the same rows, in the same order, with
# the same values.
EXPECTED = {
    "audit_events": "0:e3b0c44298fc1c14",
    "building_duties": "2:6606fb1a7371c1c3",
    "catalogue_items": "3:4d14af33b02402ba",
    "communities": "2:6db6a0cf473f4a8f",
    "dashboard_users": "2:0977a60ce7a8ce9c",
    "digest_runs": "0:e3b0c44298fc1c14",
    "directory_imports": "1:476080be107f4b93",
    "failed_inbound": "0:e3b0c44298fc1c14",
    "followups": "529:d375c6c8547d0eb1",
    "groups": "7:8ec0b530b0dba8ac",
    "labelled_examples": "0:e3b0c44298fc1c14",
    "leadership": "0:e3b0c44298fc1c14",
    "ledger_entries": "0:e3b0c44298fc1c14",
    "meetings": "2:25c0d72f0442c083",
    "members": "24:95fc510fad93994d",
    "outbox": "350:c2d8e18597b56f21",
    "ran": "824d1987110fae91",
    "redemptions": "0:e3b0c44298fc1c14",
    "service_orders": "0:e3b0c44298fc1c14",
    "team_members": "11:46c48ed6b69c4712",
    "teams": "5:cf7029731f35af3b",
    "ticket_events": "148:60c146e1001f9f56",
    "ticket_evidence": "0:e3b0c44298fc1c14",
    "ticket_reports": "9:ef9689cfc84c4731",
    "tickets": "61:8f27b539d9e7333b",
    "time_accounts": "0:e3b0c44298fc1c14",
}


def _event(i: int, at: datetime, sender: tuple[str, str], text: str, room: int) -> Inbound:
    room_id, topic = ROOMS[room]
    return Inbound(
        msg_id=f"sweep-rows-{i}",
        room_id=room_id,
        room_topic=topic,
        sender_id=sender[0],
        sender_name=sender[1],
        text=text,
        at=at,
    )


def test_sweep_rows_are_unchanged(database: Database) -> None:
    settings = load_settings(EXAMPLE_CONFIG, env={"LIUFANG_DATABASE_URL": database.url})
    clock = FakeClock()
    db = open_database(settings, now=clock())
    ran = []
    try:
        nlp = shared_nlp()
        dispatcher = build_dispatcher(settings, db, clock, nlp)
        services = build_services(settings, clock, nlp)
        engine = build_engine(db, services)
        kinds = follow_up_kinds(HALL_KINDS)  # as build_engine, in batches of 7
        small_batches = FollowUpEngine(db, services, kinds, planner=reconcile, batch=7)
        for i, text in enumerate(generate(MESSAGES, seed=11)):
            event = _event(i, clock(), REPORTERS[i % 5 % 3], text, i % 7 % 2)
            dispatcher.process_sync(event)
            if i % 4 == 3:  # an answer to an earlier ticket, from the six-party group
                who, name, command = ANSWERS[i // 4 % len(ANSWERS)]
                answer = command.format(n=1 + i // 3)
                dispatcher.process_sync(_event(1000 + i, clock(), (who, name), answer, 2))
            clock.advance(minutes=7)
            ran.append(engine.sweep())
        for step in [timedelta(minutes=15)] * 12 + [timedelta(hours=2)] * 36:
            clock.advance(seconds=step.total_seconds())
            ran.append(engine.sweep())
        clock.advance(days=3)  # the bot was down: one catch-up sweep
        ran.append(small_batches.sweep())
        for _ in range(12):
            clock.advance(hours=9)
            ran.append(small_batches.sweep())
        got = table_digests(db)
    finally:
        db.dispose()
    got["ran"] = hashlib.sha256(repr(ran).encode()).hexdigest()[:16]
    if os.environ.get("LIUFANG_PRINT_DIGESTS"):
        print({k: v for k, v in sorted(got.items())}, sum(ran))
    assert got == EXPECTED
