"""Intake writes exactly the same rows and replies as before any speed-up (issue 15).

A few hundred generated grid-group messages go through the real dispatcher: reports, +1s by
the same and by other people, chatter, urgent, hall and 包保楼栋 tickets, in several groups,
with the clock moving. Every table is then dumped in primary-key order and compared, table by
table, with a digest taken from the code before the intake fast paths were written; so are the
replies. The dump reads typed values through the schema, so SQLite and PostgreSQL give the same
digests. Should a deliberate change of behaviour move a digest, print the new ones with
``LIUFANG_PRINT_DIGESTS=1`` and say in the commit why they moved.
"""

from __future__ import annotations

import hashlib
import os

from bench.messages import generate
from bot.assembly import build_dispatcher, open_database
from bot.config import load_settings
from handlers.events import Inbound
from storage.db import Database
from tests.support.digests import table_digests
from tests.support.harness import EXAMPLE_CONFIG, FakeClock, shared_nlp

ROOMS = (
    ("room-maotang-g1", "毛塘路1网格"),
    ("room-maotang-g2", "毛塘路2网格"),
    ("room-maotang-6p", "毛塘路社区六方议事群"),
)
SENDERS = (
    ("wx-mt-li", "李网格长"),
    ("wx-mt-liu", "刘阿姨"),
    ("wx-mt-sun", "孙大爷"),
    ("wx-mt-zhang", "张经理"),
    ("wx-stranger", "路人甲"),
)
MESSAGES = 240

# Taken from the code before the intake fast paths (storage.core's loaded rows, the
# duplicate check's index): the same rows, in the same order, with the same values.
EXPECTED = {
    "audit_events": "0:e3b0c44298fc1c14",
    "building_duties": "2:6606fb1a7371c1c3",
    "catalogue_items": "3:4d14af33b02402ba",
    "communities": "2:6db6a0cf473f4a8f",
    "dashboard_users": "2:0977a60ce7a8ce9c",
    "digest_runs": "0:e3b0c44298fc1c14",
    "directory_imports": "1:476080be107f4b93",
    "failed_inbound": "0:e3b0c44298fc1c14",
    "followups": "480:d9611a48e6379819",
    "groups": "7:8ec0b530b0dba8ac",
    "labelled_examples": "0:e3b0c44298fc1c14",
    "leadership": "0:e3b0c44298fc1c14",
    "ledger_entries": "0:e3b0c44298fc1c14",
    "meetings": "2:cbb46d3b3c74171f",
    "members": "24:95fc510fad93994d",
    "outbox": "286:b0f5d3e2a250a714",
    "redemptions": "0:e3b0c44298fc1c14",
    "replies": "bbf532d88372f99b",
    "service_orders": "0:e3b0c44298fc1c14",
    "team_members": "11:46c48ed6b69c4712",
    "teams": "5:cf7029731f35af3b",
    "ticket_events": "178:dba4976e1c823a50",
    "ticket_evidence": "0:e3b0c44298fc1c14",
    "ticket_reports": "39:c82cfddfa7810207",
    "tickets": "139:b8ce446a30e91f6a",
    "time_accounts": "0:e3b0c44298fc1c14",
}


def test_intake_rows_and_replies_are_unchanged(database: Database) -> None:
    settings = load_settings(EXAMPLE_CONFIG, env={"LIUFANG_DATABASE_URL": database.url})
    clock = FakeClock()
    db = open_database(settings, now=clock())
    try:
        dispatcher = build_dispatcher(settings, db, clock, shared_nlp())
        said = []
        for i, text in enumerate(generate(MESSAGES, seed=5)):
            room_id, topic = ROOMS[i % 7 % len(ROOMS)]
            sender_id, name = SENDERS[i % 11 % len(SENDERS)]
            event = Inbound(
                msg_id=f"rows-{i}",
                room_id=room_id,
                room_topic=topic,
                sender_id=sender_id,
                sender_name=name,
                text=text,
                at=clock(),
            )
            for reply in dispatcher.process_sync(event):
                said.append(repr(reply))
            clock.advance(minutes=13)  # 52 hours in all: deadlines and windows pass
        got = table_digests(db)
    finally:
        db.dispose()
    got["replies"] = hashlib.sha256("\n".join(said).encode()).hexdigest()[:16]
    if os.environ.get("LIUFANG_PRINT_DIGESTS"):
        print({k: v for k, v in sorted(got.items())})
    assert got == EXPECTED
