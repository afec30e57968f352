"""``make bench``: run the benchmarks, print each figure beside its same-run baseline, the ratio
and the ratio's target, and write bench/results.json.

``python -m bench --only web`` (``make bench ONLY=web``; several: ``ONLY=intake,sweep``) runs
some groups and merges their figures into the existing results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.targets import HEADER, TARGETS, judge_all

RESULTS = Path(__file__).with_name("results.json")
Bench = Callable[[], dict[str, float]]


def _groups() -> dict[str, tuple[tuple[str, Bench], ...]]:
    """Every group, in running order (imported here: ``--help`` needs none of them)."""
    from bench import intake, killloop, search, sending, soak, sweep, timebank, web
    from bench.wechaty_latency import wechaty_latency

    return {
        "classify": (
            ("classify vs raw jieba.lcut", intake.classify_vs_jieba),
            ("cold start of liufang classify", intake.classify_cold_start),
        ),
        "intake": (("intake to SQLite vs raw inserts", intake.intake_sqlite),),
        "search": (("keyword search, 1,000,000 tickets in SQLite", search.search_vs_like),),
        "sweep": (("one follow-up sweep, 100,000 open tickets, 5,000 due", sweep.sweep_bench),),
        "sending": (
            (
                "sending: urgent alert behind 1,000 queued messages, shipped limits",
                sending.sending_bench,
            ),
        ),
        "wechat": (("WeChat: room message to reply via real Wechaty, 50/s", wechaty_latency),),
        "web": (("web: dashboard and Open311, 100,000 tickets, 20 clients", web.web_latency),),
        "timebank": (("时间银行: 排行榜 and balance, 100,000 entries", timebank.timebank_bench),),
        "soak": (("soak: two instances on PostgreSQL, leader SIGKILLed every 30 s", soak.soak),),
        "killloop": (("SIGKILL loop: duplicates on SQLite and PostgreSQL", killloop.kill_loop),),
    }


GROUP_NAMES = (
    "classify", "intake", "search", "sweep", "sending", "wechat", "web", "timebank", "soak",
    "killloop",
)  # fmt: skip


def select_groups(only: str | None) -> list[str]:
    """The groups ``--only`` names (comma-separated), in running order; all when empty."""
    if not only:
        return list(GROUP_NAMES)
    asked = [g.strip() for g in only.split(",") if g.strip()]
    unknown = [g for g in asked if g not in GROUP_NAMES]
    if unknown:
        raise SystemExit(f"unknown bench group {', '.join(unknown)}; groups: {GROUP_NAMES}")
    return [g for g in GROUP_NAMES if g in asked]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_at_start": os.getloadavg()[0],
    }


def _print_figures(figures: dict[str, float]) -> None:
    for key, value in figures.items():
        print(f"   {key:40} {value:14.3f}")


def run(groups: Sequence[str]) -> dict[str, Any]:
    """Run ``groups``; the figures, with how long each group took."""
    table = _groups()
    figures: dict[str, float] = {}
    seconds: dict[str, float] = {}
    failed: list[str] = []
    for group in groups:
        start = time.perf_counter()
        group_figures: dict[str, float] = {}
        for title, fn in table[group]:
            print(f"== [{group}] {title}", flush=True)
            try:
                measured = fn()
            except Exception as exc:  # one broken benchmark must not lose the others' figures
                traceback.print_exc()
                failed.append(f"{group}: {title}: {type(exc).__name__}: {exc}")
                measured = {}
            _print_figures(measured)
            group_figures.update(measured)
        figures.update(group_figures)
        seconds[group] = round(time.perf_counter() - start, 1)
        mine = judge_all(TARGETS, group_figures)
        if mine:
            print(HEADER)
            for v in mine:
                print(v.row())
        print(f"   ({group}: {seconds[group]:.0f} s)", flush=True)
    return {"figures": figures, "seconds": seconds, "failed": failed}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; exit 0 even when a target is missed (the figures are the output)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=os.environ.get("ONLY", ""),
                        help=f"comma-separated groups of {', '.join(GROUP_NAMES)}")  # fmt: skip
    args = parser.parse_args(argv)
    groups = select_groups(args.only)
    started, wall = datetime.now(UTC), time.perf_counter()
    info = machine()
    measured = run(groups)
    total = time.perf_counter() - wall
    info["load_at_end"] = os.getloadavg()[0]
    results = write_results(groups, measured, info, started, total)
    verdicts = judge_all(TARGETS, results["figures"])
    print("== summary (ratio: figure / same-run baseline)")
    print(HEADER)
    for v in verdicts:
        print(v.row())
    missed = sum(not v.met for v in verdicts)
    print(f"{len(verdicts) - missed} of {len(verdicts)} targets met; {total:.0f} s in all")
    for failure in measured["failed"]:
        print(f"FAILED {failure}")
    print(f"written {RESULTS}")
    return 0


def write_results(
    groups: Sequence[str],
    measured: dict[str, Any],
    info: dict[str, Any],
    started: datetime,
    total: float,
) -> dict[str, Any]:
    """Merge this run into results.json (a partial run keeps the other groups' figures)."""
    old: dict[str, Any] = {}
    if RESULTS.is_file() and len(groups) < len(GROUP_NAMES):
        loaded = json.loads(RESULTS.read_text(encoding="utf-8"))
        if isinstance(loaded.get("figures"), dict):
            old = loaded
    figures = {**old.get("figures", {}), **measured["figures"]}
    runs = dict(old.get("runs", {}))
    for group in groups:
        runs[group] = {
            "at": started.isoformat(timespec="seconds"),
            "seconds": measured["seconds"][group],
            "machine": info,
        }
    verdicts = {
        v.target.name: {
            "figure": v.value,
            "baseline": v.baseline,
            "ratio" if v.target.kind == "ratio" else "value": v.judged,
            "target": f"{v.target.op} {v.target.goal:g}",
            "kind": v.target.kind,
            "met": v.met,
        }
        for v in judge_all(TARGETS, figures)
    }
    results = {
        "machine": info,
        "wall_seconds": round(total, 1) if len(groups) == len(GROUP_NAMES) else None,
        "runs": runs,
        "verdicts": verdicts,
        "failed": measured.get("failed", []),
        "figures": figures,
    }
    if old.get("wall_seconds") and len(groups) < len(GROUP_NAMES):
        results["wall_seconds"] = old["wall_seconds"]
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    raise SystemExit(main())
