"""Keyword search benchmark: ``search_tickets`` (FTS5) against a LIKE scan, 1,000,000 tickets.

The same-run baselines: the LIKE scan (what the index saves) and a raw FTS5 MATCH, the same SQL
with the same LIMIT through a plain sqlite3 connection (what the ORM and the session cost).

The database is generated once (the seeded rows of :mod:`bench.ticket_corpus`, so always the
same) into the system temp folder and reused by later runs: its name carries the generator
version, the schema revision and a hash of how the tokenizer cuts the template parts, so any
change to one of them regenerates it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.ticket_corpus import (
    _COMMUNITIES,
    _SEED,
    GENERATOR_VERSION,
    _check_part_tokens,
    corpus_rows,
    load_tickets,
    tokenized_parts,
)
from handlers.understanding import Understanding
from storage.db import Database
from storage.search import (
    _SQLITE_SEARCH,
    fts5_query,
    like_scan,
    query_terms,
    search_tickets,
)

N_TICKETS = 1_000_000
_BATCH = 50_000  # rows per transaction and per executemany
_CACHE_PREFIX = "liufang-bench-search-"

# What residents look for: (label, query text). Tokenised like a real ``查询 …`` message.
_COMMON = ("路灯", "垃圾桶", "车辆", "杂物", "漏水", "消防通道", "门禁", "噪音", "楼道", "门口")
_RARE = ("马蜂窝", "窨井盖", "流浪狗", "高空抛物", "化粪池", "健身器材", "幼儿园", "违章搭建")
_MULTI = (
    "路灯 门口",
    "垃圾桶 没人",
    "漏水 楼道",
    "车辆 东门",
    "噪音 扰民",
    "电梯按钮 失灵",
    "充电桩 不够",
    "路灯 晚上 黑",
)
_NONE = ("火箭", "恐龙", "量子 计算机", "高铁", "游泳池", "路灯 恐龙")
# Both words are common but never in one ticket: the index must intersect two long lists.
_DISJOINT = ("路灯 漏水", "垃圾桶 门禁")


_INSERT = (
    "INSERT INTO tickets (community_code, grid, room_id, reporter_id, reporter_name, text, "
    "klass, category, route, location, responsible, cues, state, filed_on_request, created_at, "
    "updated_at, source_msg_id, search_text) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _generate(path: Path, tokens: dict[str, str], n: int) -> None:
    """Write ``n`` tickets to a new SQLite file at ``path``, migrated to head."""
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # A throwaway file: no journal and no fsync make the bulk load several times faster.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB
        conn.executemany(
            "INSERT INTO communities (code, name, district) VALUES (?, ?, '示例区')",
            [(code, name) for code, name, _ in _COMMUNITIES],
        )
        load_tickets(conn, _INSERT, corpus_rows(tokens, n), _BATCH)
        conn.execute("PRAGMA journal_mode = WAL")  # as the application leaves its files
    finally:
        conn.close()


def _cached_database(nlp: Understanding) -> tuple[Path, float, bool]:
    """The benchmark database file, its generation time in seconds, and whether it was reused."""
    tokens = tokenized_parts(nlp)
    digest = hashlib.sha256(
        json.dumps([N_TICKETS, tokens], ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:12]
    name = f"{_CACHE_PREFIX}g{GENERATOR_VERSION}-r{Database.head_revision()}-t{digest}.sqlite"
    path = Path(tempfile.gettempdir()) / name
    meta = path.with_suffix(".json")
    if path.is_file() and meta.is_file():
        return path, float(json.loads(meta.read_text())["generate_s"]), True
    for stale in Path(tempfile.gettempdir()).glob(f"{_CACHE_PREFIX}*"):
        stale.unlink(missing_ok=True)  # older versions: a few hundred MB each
    print(f"   generating {N_TICKETS:,} tickets into {path} …", flush=True)
    _check_part_tokens(nlp, tokens)
    partial = path.with_suffix(".partial")
    for leftover in (partial, partial.with_name(partial.name + "-wal")):
        leftover.unlink(missing_ok=True)
    start = time.perf_counter()
    _generate(partial, tokens, N_TICKETS)
    elapsed = time.perf_counter() - start
    partial.rename(path)  # only a complete file ever carries the final name
    meta.write_text(json.dumps({"generate_s": elapsed, "tickets": N_TICKETS}))
    return path, elapsed, False


def _queries(nlp: Understanding) -> list[tuple[str, list[str]]]:
    """200 (community, tokens) pairs: common, rare, multi-word and hopeless queries, shuffled."""
    rng = random.Random(_SEED + 1)
    codes = [c[0] for c in _COMMUNITIES]
    mix = (
        [(rng.choice(codes), q) for q in _COMMON for _ in range(8)]
        + [(rng.choice(codes), q) for q in _RARE for _ in range(6)]
        + [(rng.choice(codes), q) for q in _MULTI for _ in range(6)]
        + [(rng.choice(codes), q) for q in _NONE for _ in range(2)]
        + [(codes[1], "地下车库")] * 4
        + [(rng.choice(codes), q) for q in _DISJOINT for _ in range(4)]
    )
    rng.shuffle(mix)
    return [(code, nlp.tokenize(q)) for code, q in mix]


def _time_ms(
    db: Database, fn: Callable[[Session, str, Any], object], community: str, arg: Any
) -> float:
    """Milliseconds of one call ``fn(session, community, arg)`` in a fresh session."""
    start = time.perf_counter()
    with db.session() as session:
        fn(session, community, arg)
    return (time.perf_counter() - start) * 1000


def _p(values: Sequence[float], q: int) -> float:
    """The ``q``-th percentile of ``values``."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _raw_fts(path: Path, queries: list[tuple[str, list[str]]]) -> list[float]:
    """Milliseconds of each query as a raw FTS5 MATCH: the same SQL and LIMIT as
    ``search_tickets`` through one plain sqlite3 connection, rows as tuples (the baseline)."""
    conn = sqlite3.connect(path)
    try:
        sql = str(_SQLITE_SEARCH)
        args = [
            {"query": fts5_query(query_terms(tokens)), "community": code, "limit": 5}
            for code, tokens in queries
            if query_terms(tokens)
        ]
        for arg in args[:20]:  # warm the page cache, as for search_tickets
            conn.execute(sql, arg).fetchall()
        times = []
        for arg in args:
            start = time.perf_counter()
            conn.execute(sql, arg).fetchall()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        conn.close()
    return times


def search_vs_like() -> dict[str, float]:
    """p50/p95 ms of ``search_tickets`` and of ``like_scan`` over 1,000,000 SQLite tickets."""
    nlp = Understanding.load()
    path, generate_s, reused = _cached_database(nlp)
    how = "reused cached" if reused else "generated"
    print(f"   {how} {path.name} ({N_TICKETS:,} tickets, {generate_s:.1f} s to generate)")
    queries = _queries(nlp)
    db = Database(f"sqlite:///{path}")
    try:
        for community, tokens in queries[:20]:  # warm the page cache and the statement cache
            _time_ms(db, search_tickets, community, tokens)
        search = [_time_ms(db, search_tickets, c, tokens) for c, tokens in queries]
        # LIKE takes one keyword: the first word of a multi-word query (which only flatters it).
        like = [_time_ms(db, like_scan, c, tokens[0]) for c, tokens in queries if tokens]
    finally:
        db.dispose()
    raw = _raw_fts(path, queries)
    slowest = sorted(zip(search, queries, strict=True), reverse=True)[:3]
    shown = ", ".join(f"{' '.join(tokens)}@{code} {ms:.1f} ms" for ms, (code, tokens) in slowest)
    print(f"   {len(search)} queries; slowest searches: {shown}")
    return {
        "search_p50_ms": _p(search, 50),
        "search_p95_ms": _p(search, 95),
        "search_max_ms": max(search),
        "like_p50_ms": _p(like, 50),
        "like_p95_ms": _p(like, 95),
        "like_over_search_p50": _p(like, 50) / _p(search, 50),
        "search_raw_p50_ms": _p(raw, 50),
        "search_raw_p95_ms": _p(raw, 95),
        "search_db_generate_s": generate_s,
        "search_db_reused": float(reused),
    }
