"""Keyword search benchmark: ``search_tickets`` (FTS5) against a LIKE scan, 1,000,000 tickets.

The same-run baselines: the LIKE scan (what the index saves) and a raw FTS5 MATCH, the same SQL
with the same LIMIT through a plain sqlite3 connection (what the ORM and the session cost).

The database is generated once (seeded, so always the same rows) into the system temp folder
and reused by later runs: its name carries the generator version, the schema revision and a
hash of how the tokenizer cuts the template parts, so any change to one of them regenerates it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session

from handlers.understanding import Understanding
from storage.db import Database
from storage.search import (
    _SQLITE_SEARCH,
    fts5_query,
    like_scan,
    query_terms,
    search_text_of,
    search_tickets,
)

GENERATOR_VERSION = 2  # bump on any change to what the generator writes (2: word parts)
N_TICKETS = 1_000_000
_BATCH = 50_000  # rows per transaction and per executemany
_SEED = 20261127
_CACHE_PREFIX = "liufang-bench-search-"
T = TypeVar("T")

# (code, name, share of the tickets)
_COMMUNITIES = (("bench-a", "幸福里社区", 0.65), ("bench-b", "和平里社区", 0.35))

# Where: (template, weight, only in the first community). {b} building, {u} unit. Community B
# has no underground garage: 地下车库 is common in A and absent in B, the worst case for an
# index shared by both, which must step over everything A reported to find nothing for B.
_PLACES: tuple[tuple[str, float, bool], ...] = (
    ("{b}栋{u}单元门口", 8, False),
    ("{b}号楼楼道", 6, False),
    ("{b}栋楼下", 5, False),
    ("{b}栋后面", 3, False),
    ("{b}栋{u}单元电梯间", 3, False),
    ("小区东门", 3, False),
    ("南门岗亭边上", 2, False),
    ("地下车库", 4, True),
    ("{b}号楼地下车库", 2, True),
    ("篮球场旁边", 1.5, False),
    ("中心花园", 1.5, False),
    ("垃圾站", 1, False),
    ("自行车棚", 1, False),
    ("健身器材旁", 0.3, False),
    ("幼儿园门口", 0.2, False),
)
# What: (text, class, category, weight), roughly Zipf-like so some words are everywhere.
_PROBLEMS: tuple[tuple[str, str, str, float], ...] = (
    ("路灯坏了", "small", "facility", 14),
    ("垃圾桶满了没人清", "small", "sanitation", 10),
    ("车辆乱停乱放", "small", "parking", 8),
    ("楼道堆放杂物", "small", "safety", 7),
    ("声控灯不亮", "small", "facility", 6),
    ("水管漏水", "urgent", "utilities", 5),
    ("占用消防通道", "urgent", "safety", 4),
    ("门禁坏了", "small", "facility", 4),
    ("广场舞噪音太大", "small", "noise", 3),
    ("装修噪音扰民", "small", "noise", 3),
    ("井盖松动", "small", "facility", 2),
    ("树枝挡住窗户", "small", "greening", 2),
    ("电梯按钮失灵", "small", "elevator", 2),
    ("监控摄像头坏了", "small", "facility", 1.5),
    ("充电桩不够", "difficult", "parking", 1.2),
    ("外墙渗水", "difficult", "facility", 1),
    ("屋顶漏雨", "difficult", "facility", 0.8),
    ("墙皮脱落", "small", "facility", 0.6),
    ("宠物粪便没人清理", "small", "sanitation", 0.6),
    ("下水道反味", "small", "sanitation", 0.5),
    ("违章搭建", "difficult", "construction", 0.4),
    ("化粪池堵塞", "urgent", "sanitation", 0.2),
    ("高空抛物", "urgent", "safety", 0.1),
    ("流浪狗咬人", "urgent", "safety", 0.05),
    ("窨井盖丢失", "urgent", "safety", 0.03),
    ("马蜂窝", "urgent", "safety", 0.01),
)
_DETAILS: tuple[tuple[str, float], ...] = (
    ("", 5),
    ("已经好几天了", 2),
    ("晚上很黑", 1),
    ("请尽快处理", 2),
    ("老人出行不方便", 1),
    ("多次反映没解决", 0.5),
    ("孩子容易摔倒", 0.5),
    ("希望物业来看看", 1),
)
_ROUTE = {"small": "online", "urgent": "onsite", "difficult": "hall"}
_STATES = (("closed", 6), ("resolved", 1), ("in_progress", 1), ("accepted", 1), ("reported", 1))

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


def _parts() -> tuple[list[str], list[str], list[str]]:
    """Every distinct location, problem and detail text the generator can write."""
    locations = sorted(
        {
            template.format(b=b, u=u)
            for template, _, _ in _PLACES
            for b in range(1, 31)
            for u in range(1, 7)
        }
    )
    return locations, [p[0] for p in _PROBLEMS], [d[0] for d in _DETAILS if d[0]]


def _tokenized_parts(nlp: Understanding) -> dict[str, str]:
    """search_text of each template part; the parts are joined by '，', which jieba never
    crosses, so a text's tokens are exactly its parts' tokens (checked on a sample)."""
    locations, problems, details = _parts()
    return {part: " ".join(nlp.tokenize(part)) for part in (*locations, *problems, *details)}


def _rows(tokens: dict[str, str], n: int) -> Iterator[tuple[object, ...]]:
    """The ticket rows, oldest first: a seeded mix of places × problems × details."""
    rng = random.Random(_SEED)
    base = datetime(2023, 1, 1, 0, 0)
    step = timedelta(days=3 * 365) / n

    def picker(items: Sequence[T], weights: Iterable[float]) -> Callable[[], T]:
        """A seeded weighted choice among ``items`` (cumulative weights computed once)."""
        cumulative = list(itertools.accumulate(weights))
        return lambda: rng.choices(items, cum_weights=cumulative)[0]

    place = {
        in_a: picker([p[0] for p in places], [p[1] for p in places])
        for in_a, places in ((True, _PLACES), (False, [p for p in _PLACES if not p[2]]))
    }
    pick_problem = picker(_PROBLEMS, [p[3] for p in _PROBLEMS])
    pick_detail = picker([d[0] for d in _DETAILS], [d[1] for d in _DETAILS])
    pick_state = picker([s[0] for s in _STATES], [s[1] for s in _STATES])
    share_a = _COMMUNITIES[0][2]
    for i in range(n):
        in_a = rng.random() < share_a
        location = place[in_a]().format(b=rng.randint(1, 30), u=rng.randint(1, 6))
        problem, klass, category, _ = pick_problem()
        detail = pick_detail()
        parts = [location, problem, detail] if detail else [location, problem]
        at = f"{base + step * i:%Y-%m-%d %H:%M:%S}.000000"
        code = _COMMUNITIES[0][0] if in_a else _COMMUNITIES[1][0]
        yield (
            code,
            f"{'一二三四五六'[i % 6]}网格",
            f"room-{code}-grid-{i % 6}",
            f"wx-resident-{rng.randint(1, 5000)}",
            f"居民{i % 997}",
            "，".join(parts),
            klass,
            category,
            _ROUTE[klass],
            location,
            "property",
            "",
            pick_state(),
            0,
            at,
            at,
            f"bench:{i}",
            search_text_of(" ".join(tokens[p] for p in parts).split()),
        )


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
        # Building the FTS index once at the end is faster than row by row through the
        # insert trigger; the triggers are taken off meanwhile and put back as they were.
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets'"
        ).fetchall()
        for name, _ in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        rows = _rows(tokens, n)
        while batch := list(itertools.islice(rows, _BATCH)):
            conn.execute("BEGIN")
            conn.executemany(_INSERT, batch)
            conn.execute("COMMIT")
        conn.execute("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")
        for _, sql in triggers:
            conn.execute(sql)
        conn.execute("PRAGMA journal_mode = WAL")  # as the application leaves its files
    finally:
        conn.close()


def _cached_database(nlp: Understanding) -> tuple[Path, float, bool]:
    """The benchmark database file, its generation time in seconds, and whether it was reused."""
    tokens = _tokenized_parts(nlp)
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


def _check_part_tokens(nlp: Understanding, tokens: dict[str, str]) -> None:
    """Warn if tokenising whole texts would differ from joining their parts' tokens."""
    rng = random.Random(1)
    locations, problems, details = _parts()
    for _ in range(300):
        parts = [rng.choice(locations), rng.choice(problems), rng.choice(details)]
        whole = " ".join(nlp.tokenize("，".join(parts)))
        joined = " ".join(tokens[p] for p in parts if tokens[p])
        if whole != joined:
            print(f"   warning: tokens of {'，'.join(parts)!r} differ from its parts'", flush=True)
            return


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
