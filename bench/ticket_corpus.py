"""The seeded corpus of tickets the search and web benchmarks load: where, what, and how said.

Places, problems and details are mixed with fixed weights and a fixed seed, so every run writes
the same rows; each row's ``search_text`` is joined from its parts' tokens (the tokenizer runs
once per distinct part, not once per ticket).
"""

from __future__ import annotations

import itertools
import random
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from handlers.understanding import Understanding
from storage.search import search_text_of

GENERATOR_VERSION = 2  # bump on any change to what the generator writes (2: word parts)
_SEED = 20261127
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


def load_tickets(
    conn: sqlite3.Connection, insert: str, rows: Iterable[Sequence[object]], batch: int
) -> None:
    """Insert ``rows`` with ``insert`` (autocommit ``conn``), ``batch`` rows per transaction.

    Building the FTS index once at the end is faster than row by row through the insert
    trigger; the triggers are taken off meanwhile and put back as they were.
    """
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    batches = iter(rows)
    while chunk := list(itertools.islice(batches, batch)):
        conn.execute("BEGIN")
        conn.executemany(insert, chunk)
        conn.execute("COMMIT")
    conn.execute("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")
    for _, sql in triggers:
        conn.execute(sql)


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


def tokenized_parts(nlp: Understanding) -> dict[str, str]:
    """search_text of each template part; the parts are joined by '，', which jieba never
    crosses, so a text's tokens are exactly its parts' tokens (checked on a sample)."""
    locations, problems, details = _parts()
    return {part: " ".join(nlp.tokenize(part)) for part in (*locations, *problems, *details)}


def corpus_rows(tokens: dict[str, str], n: int) -> Iterator[tuple[object, ...]]:
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
