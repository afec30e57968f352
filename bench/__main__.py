"""``make bench``: run every benchmark, print the figures and write bench/results.json."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from bench import intake, killloop, search, sending, soak, sweep, timebank, web, wechaty_latency

TARGETS = {
    "ratio": (">=", 0.5),
    "intake_msgs_per_s": (">=", 500),
    "classify_cold_start_s": ("<=", 2.0),
    "search_p95_ms": ("<=", 20),
    "sweep_s": ("<=", 1.0),
    "sending_alert_latency_s": ("<=", 10.0),
    "wechat_p99_ms": ("<=", 50),
    "dashboard_list_p95_ms": ("<=", 100),
    "dashboard_filtered_p95_ms": ("<=", 100),
    "open311_requests_p95_ms": ("<=", 100),
    "open311_filtered_p95_ms": ("<=", 100),
    "open311_ids_p95_ms": ("<=", 100),
    "timebank_board_p95_ms": ("<=", 20),
    "timebank_month_p95_ms": ("<=", 20),
    "timebank_balance_p95_ms": ("<=", 20),
    "timebank_audit_p95_ms": ("<=", 20),
    "timebank_board_speedup": (">=", 1.0),
    "soak_reports_lost": ("<=", 0),
    "soak_duplicate_tickets": ("<=", 0),
    "soak_duplicate_sends": ("<=", 0),
    "soak_takeover_max_s": ("<=", 30),
    "killloop_sqlite_duplicates_per_100_kills": ("<=", 1),
    "killloop_postgres_duplicates_per_100_kills": ("<=", 0),
    "killloop_sqlite_lost": ("<=", 0),
    "killloop_postgres_lost": ("<=", 0),
}


def main() -> int:
    """Run the benchmarks; exit 0 even when a target is missed (the figures are the output)."""
    results: dict[str, float] = {}
    for name, fn in (
        ("classify vs raw jieba.lcut", intake.classify_vs_jieba),
        ("intake to SQLite", intake.intake_sqlite),
        ("cold start of liufang classify", intake.classify_cold_start),
        ("keyword search, 1,000,000 tickets in SQLite", search.search_vs_like),
        ("one follow-up sweep, 100,000 open tickets, 5,000 due", sweep.sweep_bench),
        (
            "sending: urgent alert behind 1,000 queued messages, shipped limits",
            sending.sending_bench,
        ),
        ("WeChat: room message to reply via real Wechaty, 50/s", wechaty_latency.wechaty_latency),
        ("web: dashboard list page, 100,000 tickets, 20 clients", web.dashboard_latency),
        ("web: Open311 requests.json, 100,000 tickets, 20 clients", web.open311_latency),
        ("时间银行: 排行榜 and balance, 100,000 ledger entries", timebank.timebank_bench),
        ("soak: two instances on PostgreSQL, leader SIGKILLed every 30 s", soak.soak),
        ("SIGKILL loop: duplicate sends on SQLite and PostgreSQL", killloop.kill_loop),
    ):
        print(f"== {name}", flush=True)
        figures = fn()
        for key, value in figures.items():
            target = TARGETS.get(key)
            verdict = ""
            if target:
                op, goal = target
                ok = value >= goal if op == ">=" else value <= goal
                verdict = f"   (target {op} {goal}: {'met' if ok else 'MISSED'})"
            print(f"   {key:28} {value:12.3f}{verdict}")
        results.update(figures)
    results["python"] = platform.python_version()  # type: ignore[assignment]
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
