"""Full-text search of tickets over jieba tokens, on SQLite (FTS5) and PostgreSQL (GIN)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Executable, inspect, text
from sqlmodel import Session

from handlers.understanding import Understanding
from storage.db import Database, alembic_config
from storage.models import Ticket
from storage.search import (
    FTS_TABLE,
    MAX_QUERY_TERMS,
    PG_INDEX,
    like_scan,
    query_terms,
    search_statement,
    search_text_of,
    search_tickets,
    words_of,
)
from tests.support.db import T0, seed_community, ticket

_numbers = itertools.count()  # unique source message ids and increasing report times


@pytest.fixture(scope="module")
def nlp() -> Understanding:
    """The real tokenizer, which fills search_text in the workflow."""
    return Understanding.load()


def _add(db: Database, *texts: str, community: str = "c1", **fields: Any) -> list[int]:
    """Commit one ticket per ``search_text`` (oldest first); returns their ids."""
    ids = []
    with db.session() as session:
        for text_ in texts:
            number = next(_numbers)
            row = ticket(
                f"m{number}",
                at=T0 + timedelta(minutes=number),
                community_code=community,
                search_text=text_,
                **fields,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            ids.append(row.id)
        session.commit()
    return ids


def _search(
    db: Database, tokens: Sequence[str], community: str = "c1", limit: int = 5
) -> list[int | None]:
    """Ids found for ``tokens``, in the order returned."""
    with db.session() as session:
        return [t.id for t in search_tickets(session, community, tokens, limit=limit)]


def _like(db: Database, keyword: str, community: str = "c1") -> list[int | None]:
    """Ids the LIKE baseline finds for ``keyword``."""
    with db.session() as session:
        return [t.id for t in like_scan(session, community, keyword)]


@pytest.fixture
def corpus(database: Database) -> dict[str, int]:
    """A few tickets of community c1, by a short name (community c2 exists, empty)."""
    seed_community(database)
    seed_community(database, "c2", "和平里社区")
    names = {
        "lamp": "3 栋 单元门口 路灯 坏 晚上 黑",
        "lamp_garage": "地下车库 路灯 不亮",
        "leak": "12 栋 地下车库 漏水 几天",
        "lift": "5 号楼 电梯 异响",
        "odd": "wi-fi 1.5 a b 100%",
    }
    ids = _add(database, *names.values())
    return dict(zip(names, ids, strict=True))


# -- the index objects ------------------------------------------------------------------------


def test_index_objects_exist_at_head(database: Database) -> None:
    # A later SQLite batch rebuild of tickets would drop the triggers silently: this notices.
    with database.engine.connect() as conn:
        if database.dialect == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT type, name FROM sqlite_master WHERE tbl_name IN ('tickets', ?)",
                (FTS_TABLE,),
            ).all()
            triggers = {name for kind, name in rows if kind == "trigger"}
            assert triggers == {"tickets_fts_insert", "tickets_fts_update", "tickets_fts_delete"}
            assert ("table", FTS_TABLE) in rows
        else:
            indexes = {ix["name"] for ix in inspect(conn).get_indexes("tickets")}
            assert PG_INDEX in indexes
            method = conn.execute(
                text(
                    # This test's own schema only: concurrent runs have indexes of that name.
                    "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
                    "WHERE c.relname = :name AND c.relnamespace = current_schema()::regnamespace"
                ),
                {"name": PG_INDEX},
            ).scalar_one()
            assert method == "gin"


def test_upgrade_indexes_tickets_that_already_exist(database: Database) -> None:
    config = alembic_config()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
    seed_community(database)
    # Written as revision 0002 knew the table: later revisions add columns the ORM would send.
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tickets (community_code, reporter_id, reporter_name, text, klass,"
                " category, route, location, cues, state, filed_on_request, created_at,"
                " updated_at, source_msg_id, plus_ones, search_text) VALUES ('c1', 'r', '王',"
                " '老路灯坏了', 'small', 'facility', 'online', '', '', 'reported', false,"
                " :at, :at, 'm-old', 0, '老 路灯 坏')"
            ),
            {"at": T0.replace(tzinfo=None)},
        )
        old = conn.execute(text("SELECT id FROM tickets WHERE source_msg_id = 'm-old'")).one()[0]
    database.upgrade()
    assert _search(database, ["路灯"]) == [old]


def test_upgrade_adds_word_parts_to_existing_tickets_and_downgrade_removes_them(
    database: Database,
) -> None:
    config = alembic_config()
    # Rows as they were before 0011 (whole words only), written through today's model before
    # going back: later revisions' columns do not exist at 0010, so it is read in plain SQL.
    seed_community(database)
    old = _add(database, "3栋 路灯 坏", "电梯困人 5栋")
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")
        rows = conn.execute(text("SELECT search_text FROM tickets ORDER BY id")).scalars().all()
    assert rows == ["3栋 路灯 坏", "电梯困人 5栋"]  # before 0011: whole words, no parts
    database.upgrade()
    assert _search(database, ["灯"]) == [old[0]]
    assert _search(database, ["电梯"]) == [old[1]]
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")
        rows = conn.execute(text("SELECT search_text FROM tickets ORDER BY id")).scalars().all()
    assert rows == ["3栋 路灯 坏", "电梯困人 5栋"]


def test_search_text_keeps_the_words_and_adds_their_parts() -> None:
    text_ = search_text_of(["3栋", "路灯", "坏", "电梯困人", "A座", "路灯"])
    assert words_of(text_) == ["3栋", "路灯", "坏", "电梯困人", "A座", "路灯"]
    parts = text_.split(" | ")[1].split()
    assert {"路", "灯", "电梯", "困人", "梯"} <= set(parts)
    assert "栋" not in parts and "A" not in parts  # only all-Chinese words are taken apart
    assert len(parts) == len(set(parts))
    assert search_text_of(["坏", "了"]) == "坏 了"  # nothing to take apart: no mark


def test_finds_a_part_of_a_word(database: Database, nlp: Understanding) -> None:
    seed_community(database)
    lamp, lift, other = _add(
        database,
        *(
            search_text_of(nlp.tokenize(t))
            for t in ("3栋楼道的路灯坏了", "5栋电梯困人了", "垃圾桶满了")
        ),
    )
    assert _search(database, nlp.tokenize("灯")) == [lamp]
    assert _search(database, nlp.tokenize("电梯")) == [lift]
    assert _search(database, nlp.tokenize("困人")) == [lift]
    assert _search(database, nlp.tokenize("路灯")) == [lamp]
    assert _search(database, nlp.tokenize("灯 电梯")) == []  # every word must match
    assert _search(database, nlp.tokenize("桶")) == [other]  # 垃圾桶 taken apart


# -- finding ----------------------------------------------------------------------------------


def test_finds_by_one_token_newest_first(database: Database, corpus: dict[str, int]) -> None:
    assert _search(database, ["路灯"]) == [corpus["lamp_garage"], corpus["lamp"]]
    assert _search(database, ["电梯"]) == [corpus["lift"]]
    assert _search(database, ["没有的词"]) == []


def test_all_tokens_must_match(database: Database, corpus: dict[str, int]) -> None:
    assert _search(database, ["地下车库"]) == [corpus["leak"], corpus["lamp_garage"]]
    assert _search(database, ["地下车库", "路灯"]) == [corpus["lamp_garage"]]
    assert _search(database, ["路灯", "地下车库"]) == [corpus["lamp_garage"]]
    assert _search(database, ["地下车库", "电梯"]) == []
    # Whole tokens only: a part of a word is not a word (no prefix or substring matching).
    assert _search(database, ["路"]) == []
    assert _search(database, ["地下"]) == []


def test_tokens_with_punctuation_and_case(database: Database, corpus: dict[str, int]) -> None:
    odd = corpus["odd"]
    assert _search(database, ["wi-fi"]) == [odd]
    assert _search(database, ["WI-FI"]) == [odd]  # case folds on both backends
    assert _search(database, ["1.5"]) == [odd]
    assert _search(database, ["100%"]) == [odd]


def test_at_most_limit_newest_first(database: Database) -> None:
    seed_community(database)
    ids = _add(database, *[f"路灯 坏 第{i}次" for i in range(8)])
    newest_first = ids[::-1]
    assert _search(database, ["路灯"]) == newest_first[:5]
    assert _search(database, ["路灯"], limit=2) == newest_first[:2]
    assert _search(database, ["路灯"], limit=100) == newest_first
    assert _search(database, ["路灯"], limit=0) == []


def test_only_the_askers_community(database: Database, corpus: dict[str, int]) -> None:
    (theirs,) = _add(database, "路灯 坏", community="c2")
    assert theirs not in _search(database, ["路灯"])
    assert _search(database, ["路灯"], community="c2") == [theirs]
    assert _search(database, ["路灯"], community="nowhere") == []


def test_real_tokenizer(database: Database, nlp: Understanding) -> None:
    seed_community(database)
    texts = ["3栋2单元门口的路灯坏了，晚上很黑", "12栋地下车库漏水，已经好几天了"]
    assert all("路灯" not in nlp.tokenize(t) for t in texts[1:])
    lamp, leak = _add(database, *(" ".join(nlp.tokenize(t)) for t in texts))
    assert _search(database, nlp.tokenize("路灯")) == [lamp]
    assert _search(database, nlp.tokenize("地下车库 漏水")) == [leak]
    assert _search(database, nlp.tokenize("路灯 漏水")) == []


# -- keeping the index in step ----------------------------------------------------------------


def test_updating_search_text_reindexes(database: Database, corpus: dict[str, int]) -> None:
    with database.session() as session:
        lift = session.get(Ticket, corpus["lift"])
        assert lift is not None
        lift.search_text = "5 号楼 电梯 困人"
        session.commit()
    assert _search(database, ["困人"]) == [corpus["lift"]]
    assert _search(database, ["异响"]) == []
    assert _search(database, ["电梯"]) == [corpus["lift"]]


def test_other_updates_keep_the_ticket_found(database: Database, corpus: dict[str, int]) -> None:
    with database.session() as session:
        lamp = session.get(Ticket, corpus["lamp"])
        assert lamp is not None
        lamp.state = "in_progress"
        lamp.text = "改过的原文"
        session.commit()
    assert corpus["lamp"] in _search(database, ["路灯"])


def test_deleting_removes(database: Database, corpus: dict[str, int]) -> None:
    with database.session() as session:
        session.execute(text("DELETE FROM tickets WHERE id = :id"), {"id": corpus["lamp"]})
        session.commit()
    assert _search(database, ["路灯"]) == [corpus["lamp_garage"]]
    if database.dialect == "sqlite":
        with database.engine.connect() as conn:
            # FTS5's own consistency check of an external-content index against its table.
            conn.exec_driver_sql(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('integrity-check')"
            )


def test_sqlite_index_stays_consistent(sqlite_database: Database) -> None:
    seed_community(sqlite_database)
    ids = _add(sqlite_database, "路灯 坏", "电梯 坏", "漏水")
    with sqlite_database.session() as session:
        session.execute(
            text("UPDATE tickets SET search_text = '漏水 楼道' WHERE id = :i"), {"i": ids[0]}
        )
        session.execute(text("DELETE FROM tickets WHERE id = :i"), {"i": ids[1]})
        session.commit()
    with sqlite_database.engine.connect() as conn:
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('integrity-check')")
    assert _search(sqlite_database, ["漏水"]) == [ids[2], ids[0]]


# -- hostile input ----------------------------------------------------------------------------

LONG = "灯" * 500


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        ([], []),
        ([""], []),
        (["   ", "\t\n"], []),
        (["%"], []),
        (["_"], []),
        (["'"], []),
        (["*"], []),
        (['"'], []),
        (["\\"], []),
        (["()"], []),
        (["😀"], []),
        (["\x00"], []),
        (["\ud800"], []),  # a lone surrogate
        (["OR"], []),
        (["AND"], []),
        (["NOT"], []),
        (["a OR b"], []),  # three words, "or" not among the ticket's
        (["路灯 OR 电梯"], []),
        (["NEAR("], []),
        (["NEAR(路灯 电梯)"], []),
        (["路*"], []),  # no prefix query: 路 is not a word of any ticket
        (["search_text:路灯"], []),  # no column filter
        (["{search_text}"], []),
        (["'; DROP TABLE tickets; --"], []),
        ([LONG], []),
        # Punctuation around a word is a separator, as in the index: the word itself counts.
        (["路灯%"], ["lamp_garage", "lamp"]),
        (['"路灯"'], ["lamp_garage", "lamp"]),
        (["路灯*"], ["lamp_garage", "lamp"]),
        (["-路灯"], ["lamp_garage", "lamp"]),  # not a negation
        (["^路灯"], ["lamp_garage", "lamp"]),
        (["(路灯)"], ["lamp_garage", "lamp"]),
        (["路灯\\"], ["lamp_garage", "lamp"]),
        # Words of no letter or digit are left out; the rest must all match.
        (["路灯", "%", "😀", "*"], ["lamp_garage", "lamp"]),
        (["a", "b"], ["odd"]),
        (["a b"], ["odd"]),
    ],
)
def test_hostile_input(
    database: Database, corpus: dict[str, int], tokens: list[str], expected: list[str]
) -> None:
    assert _search(database, tokens) == [corpus[name] for name in expected]
    assert _search(database, ["路灯"]) == [corpus["lamp_garage"], corpus["lamp"]]  # table intact


def test_long_token_is_found_when_stored(database: Database, corpus: dict[str, int]) -> None:
    (long_id,) = _add(database, f"路灯 {LONG}")
    assert _search(database, [LONG]) == [long_id]
    assert _search(database, [LONG, "路灯"]) == [long_id]


def test_many_tokens_are_capped(database: Database, corpus: dict[str, int]) -> None:
    words = [f"词{i}" for i in range(MAX_QUERY_TERMS)]
    (many,) = _add(database, " ".join(words))
    assert _search(database, [*words, "不在其中"]) == [many]  # words past the cap are ignored
    assert _search(database, [" ".join(words * 50)]) == [many]
    assert query_terms(["路灯 路灯", "路灯"]) == ["路灯"]


def test_statement_needs_terms() -> None:
    # search_tickets answers [] itself; asking the database with no term would be an error.
    with pytest.raises(ValueError, match="no search terms"):
        search_statement("sqlite", "c1", [], 5)


# -- the index is used ------------------------------------------------------------------------


def _explain(session: Session, statement: Executable, prefix: str) -> list[str]:
    """The backend's plan for ``statement`` (with its bound values), one line per row."""
    compiled = statement.compile(dialect=session.get_bind().dialect)
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    rows = session.connection().exec_driver_sql(f"{prefix} {compiled}", params).all()
    return [str(row[-1]) for row in rows]


def test_the_index_is_used(database: Database) -> None:
    seed_community(database)
    seed_community(database, "c2", "和平里社区")
    texts = [f"垃圾 清理 第{i}次" if i % 40 else "路灯 坏" for i in range(400)]
    _add(database, *texts[::2])
    _add(database, *texts[1::2], community="c2")
    statement = search_statement(database.dialect, "c1", ["路灯", "坏"], 5)
    with database.session() as session:
        if database.dialect == "sqlite":
            plan = _explain(session, statement, "EXPLAIN QUERY PLAN")
            # FTS5 serves both MATCH and the order (no temporary B-tree sorts the result),
            # then each hit is fetched from tickets by its id.
            assert plan[0].startswith(f"SCAN {FTS_TABLE} VIRTUAL TABLE")
            assert any("tickets USING INTEGER PRIMARY KEY" in line for line in plan)
            assert not any("TEMP B-TREE" in line for line in plan)
        else:
            session.execute(text("ANALYZE tickets"))
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = _explain(session, statement, "EXPLAIN")
            assert any(f"Bitmap Index Scan on {PG_INDEX}" in line for line in plan), plan
        found = session.scalars(statement).all()
        assert len(found) == 5 and all(t.search_text == "路灯 坏" for t in found)


# -- the LIKE baseline ------------------------------------------------------------------------


def test_like_scan(database: Database) -> None:
    seed_community(database)
    seed_community(database, "c2", "和平里社区")
    lamp, rate, under = _add(database, "", "", "", text="路灯坏了")  # text is what LIKE reads
    with database.session() as session:
        for ticket_id, text_ in ((rate, "维修费涨了100%"), (under, "a_b 路灯")):
            row = session.get(Ticket, ticket_id)
            assert row is not None
            row.text = text_
        session.commit()
    (theirs,) = _add(database, "", community="c2", text="路灯坏了")
    assert _like(database, "路灯") == [under, lamp]
    assert _like(database, "%") == [rate]
    assert _like(database, "_") == [under]
    assert _like(database, "'") == []
    assert _like(database, "") == []
    assert _like(database, "路灯", community="c2") == [theirs]
