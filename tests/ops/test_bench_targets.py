"""``make bench``'s judging: ratio targets against same-run baselines, counts, ONLY groups and
the merge of a partial run into results.json (no benchmark runs here)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bench.__main__ as runner
from bench.targets import TARGETS, Target, judge, judge_all
from tests.support.harness import REPO


def test_a_ratio_target_divides_the_figure_by_its_baseline() -> None:
    intake = next(t for t in TARGETS if t.name == "intake_ratio")
    slow = judge(intake, {"intake_msgs_per_s": 100.0, "intake_raw_msgs_per_s": 1000.0})
    fast = judge(intake, {"intake_msgs_per_s": 300.0, "intake_raw_msgs_per_s": 1000.0})
    assert slow is not None and fast is not None
    assert slow.judged == pytest.approx(0.1) and not slow.met
    assert fast.judged == pytest.approx(0.3) and fast.met
    assert "0.100×" in slow.row() and "MISSED" in slow.row() and ">= 0.25×" in slow.row()


def test_an_upper_bound_ratio_and_a_count() -> None:
    sweep = next(t for t in TARGETS if t.name == "sweep_ratio")
    verdict = judge(sweep, {"sweep_s": 2.0, "sweep_raw_s": 0.5})
    assert verdict is not None and verdict.judged == pytest.approx(4.0) and not verdict.met
    lost = Target("lost", "lost", "<=", 0, kind="count")
    assert judge(lost, {"lost": 0.0}).met  # type: ignore[union-attr]
    missed = judge(lost, {"lost": 1.0})
    assert missed is not None and not missed.met and "(count)" in missed.row()


def test_nothing_measured_is_no_verdict_and_nan_never_meets() -> None:
    sweep = next(t for t in TARGETS if t.name == "sweep_ratio")
    assert judge(sweep, {"sweep_s": 2.0}) is None  # the baseline was not measured
    assert judge_all(TARGETS, {}) == []
    p95 = Target("p95", "p95", "<=", 30, kind="configured")
    assert not judge(p95, {"p95": math.nan}).met  # type: ignore[union-attr]
    zero = judge(sweep, {"sweep_s": 2.0, "sweep_raw_s": 0.0})
    assert zero is not None and not zero.met


def test_every_ratio_target_names_a_baseline_and_says_what_it_is() -> None:
    names = [t.name for t in TARGETS]
    assert len(names) == len(set(names))
    for t in TARGETS:
        if t.kind == "ratio":
            assert t.baseline and t.baseline != t.figure and t.what, t.name


def test_only_selects_groups_in_running_order() -> None:
    assert runner.select_groups("") == list(runner.GROUP_NAMES)
    assert runner.select_groups("sweep, intake") == ["intake", "sweep"]
    with pytest.raises(SystemExit, match="unknown bench group"):
        runner.select_groups("webb")


def test_a_partial_run_merges_into_results(tmp_path: Path, monkeypatch) -> None:
    results = tmp_path / "results.json"
    monkeypatch.setattr(runner, "RESULTS", results)
    results.write_text(
        json.dumps({"figures": {"sweep_s": 9.0, "sweep_raw_s": 1.0}, "runs": {"sweep": {}}}),
        encoding="utf-8",
    )
    measured = {
        "figures": {"intake_msgs_per_s": 300.0, "intake_raw_msgs_per_s": 1000.0},
        "seconds": {"intake": 12.5},
    }
    machine = {"cpu": "test", "cores": 2}
    written = runner.write_results(["intake"], measured, machine, datetime.now(UTC), 13.0)
    on_disk = json.loads(results.read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(written))
    assert on_disk["figures"]["sweep_s"] == 9.0 and "sweep" in on_disk["runs"]
    assert on_disk["runs"]["intake"]["seconds"] == 12.5
    assert on_disk["runs"]["intake"]["machine"] == machine
    assert on_disk["verdicts"]["intake_ratio"]["met"] is True
    assert on_disk["verdicts"]["sweep_ratio"] == {
        "figure": 9.0,
        "baseline": 1.0,
        "ratio": 9.0,
        "target": "<= 3",
        "kind": "ratio",
        "met": False,
    }


def test_make_bench_passes_only_to_the_runner() -> None:
    out = subprocess.run(
        ["make", "-n", "bench", "ONLY=web,sweep", "PY=python", "DEV="],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "-m bench --only web,sweep" in out
    help_text = subprocess.run(
        [sys.executable, "-m", "bench", "--help"], cwd=REPO, capture_output=True, text=True
    ).stdout
    assert "--only" in help_text and "killloop" in help_text
