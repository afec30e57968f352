"""The targets of ``make bench``: each figure against a baseline measured in the same run.

A target compares a *ratio* (our figure over its same-run baseline), so it means the same on a
fast and on a slow machine; the absolute figures are kept in results.json for the record.
A few figures are not speeds and stay what they are: counts (lost reports, duplicate sends)
and times set by configuration rather than by the machine (the sending limits, the lease).
This module only judges figures: it imports no benchmark, so its logic is cheap to test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["ratio", "count", "configured"]


@dataclass(frozen=True, slots=True)
class Target:
    """One target: ``figure`` (over ``baseline`` when it is a ratio) ``op`` ``goal``."""

    name: str  # the key the verdict is written under (for a ratio: the ratio's key)
    figure: str
    op: Literal[">=", "<="]
    goal: float
    baseline: str | None = None  # the same-run baseline's key (kind "ratio" only)
    kind: Kind = "ratio"
    what: str = ""  # what the baseline is, for the printed table and the README


@dataclass(frozen=True, slots=True)
class Verdict:
    """A target applied to the figures of one run."""

    target: Target
    value: float  # the figure itself
    baseline: float | None
    judged: float  # the ratio for a ratio target, else the figure
    met: bool

    def row(self) -> str:
        """One line of the printed table: figure, baseline, ratio, target, met or MISSED."""
        t = self.target
        base = "" if self.baseline is None else f"{self.baseline:12.3f}"
        if t.kind == "ratio":
            judged, goal = f"{self.judged:8.3f}×", f"{t.op} {t.goal:g}×"
        else:
            judged, goal = f"{'':9}", f"{t.op} {t.goal:g} ({t.kind})"
        return (
            f"   {t.name:42} {self.value:12.3f} {base:>12} {judged} {goal:>20}"
            f"   {'met' if self.met else 'MISSED'}"
        )


def _ok(op: str, value: float, goal: float) -> bool:
    # NaN (nothing measured, e.g. no urgent report in a short soak) never meets a target.
    if math.isnan(value):
        return False
    return value >= goal if op == ">=" else value <= goal


def judge(target: Target, figures: Mapping[str, float]) -> Verdict | None:
    """The verdict of ``target`` on ``figures``; None when its figures were not measured."""
    if target.figure not in figures:
        return None
    value = float(figures[target.figure])
    if target.kind != "ratio":
        return Verdict(target, value, None, value, _ok(target.op, value, target.goal))
    assert target.baseline is not None, target.name
    if target.baseline not in figures:
        return None
    baseline = float(figures[target.baseline])
    ratio = value / baseline if baseline else float("nan")
    return Verdict(target, value, baseline, ratio, _ok(target.op, ratio, target.goal))


def judge_all(targets: tuple[Target, ...], figures: Mapping[str, float]) -> list[Verdict]:
    """The verdicts of every target whose figures this run measured, in table order."""
    return [v for t in targets if (v := judge(t, figures)) is not None]


HEADER = f"   {'target':42} {'figure':>12} {'baseline':>12} {'ratio':>9} {'goal':>20}   verdict"


def _ratio(name: str, figure: str, baseline: str, op: Literal[">=", "<="], goal: float,
           what: str) -> Target:  # fmt: skip
    return Target(name, figure, op, goal, baseline, "ratio", what)


def _web(prefix: str, label: str) -> tuple[Target, ...]:
    """p95 of one web scenario against the trivial handler serving the same bodies."""
    return tuple(
        _ratio(
            f"{prefix}_{scenario}_p95_ratio",
            f"{prefix}_{scenario}_p95_ms",
            f"{prefix}_{scenario}_trivial_p95_ms",
            "<=",
            4.0,
            f"{label} {scenario}: a trivial aiohttp handler returning bodies of the same size",
        )
        for scenario in (("list", "filtered", "search") if prefix == "dashboard" else
                         ("requests", "filtered", "ids"))
    )  # fmt: skip


TARGETS: tuple[Target, ...] = (
    _ratio("classify_ratio", "classify_msgs_per_s", "jieba_lcut_msgs_per_s", ">=", 0.5,
           "raw jieba.lcut on the same messages"),
    _ratio("intake_ratio", "intake_msgs_per_s", "intake_raw_msgs_per_s", ">=", 0.25,
           "the same rows inserted with plain sqlite3, one transaction per message"),
    _ratio("search_fts_over_raw_p95", "search_p95_ms", "search_raw_p95_ms", "<=", 3.0,
           "a raw FTS5 MATCH with the same LIMIT, same queries"),
    _ratio("search_like_over_fts_p95", "like_p95_ms", "search_p95_ms", ">=", 10.0,
           "LIKE scan over search_tickets: how much the index saves"),
    _ratio("sweep_ratio", "sweep_s", "sweep_raw_s", "<=", 3.0,
           "plain SQL reading the due rows and writing their outcomes"),
    Target("sending_alert_latency_s", "sending_alert_latency_s", "<=", 10.0, kind="configured",
           what="simulated seconds the shipped limits impose"),
    _ratio("sending_latency_ratio", "sending_alert_latency_s", "sending_empty_latency_s", "<=",
           5.0, "the same alert in an empty outbox (worst of ten against best of three)"),
    Target("sending_alert_next", "sending_alert_next", ">=", 1.0, kind="count",
           what="1 when the alert was the next message sent every time"),
    _ratio("wechat_overhead_p99_ratio", "wechat_overhead_p99_ms", "wechat_echo_p99_ms", "<=",
           3.0, "p99 less the dispatcher's own time, over an echo handler through the same "
           "Wechaty class and puppet (no database)"),
    *_web("dashboard", "dashboard"),
    *_web("open311", "Open311"),
    _ratio("timebank_board_speedup", "timebank_baseline_p95_ms", "timebank_board_p95_ms",
           ">=", 10.0, "naive GROUP BY over the ledger, over the all-time board"),
    _ratio("timebank_month_speedup", "timebank_baseline_p95_ms", "timebank_month_p95_ms",
           ">=", 10.0, "naive GROUP BY over the ledger, over this month's board"),
    Target("soak_reports_lost", "soak_reports_lost", "<=", 0, kind="count"),
    Target("soak_duplicate_tickets", "soak_duplicate_tickets", "<=", 0, kind="count"),
    Target("soak_duplicate_sends", "soak_duplicate_sends", "<=", 0, kind="count"),
    Target("soak_takeover_max_s", "soak_takeover_max_s", "<=", 30, kind="configured",
           what="seconds, set by the 15 s lease"),
    Target("killloop_sqlite_duplicates_per_100_kills",
           "killloop_sqlite_duplicates_per_100_kills", "<=", 1, kind="count"),
    Target("killloop_postgres_duplicates_per_100_kills",
           "killloop_postgres_duplicates_per_100_kills", "<=", 0, kind="count"),
    Target("killloop_sqlite_lost", "killloop_sqlite_lost", "<=", 0, kind="count"),
    Target("killloop_postgres_lost", "killloop_postgres_lost", "<=", 0, kind="count"),
)  # fmt: skip
