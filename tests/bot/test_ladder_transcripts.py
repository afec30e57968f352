"""The alarm ladder in console transcripts: say lines as users, ``/advance``, count alarms."""

from __future__ import annotations

from pathlib import Path

from tests.support.harness import REPO
from tests.support.transcript import after, run_transcript

LADDER = ("【急事再提醒】", "【急事升级】", "【急事上报", "【急事仍无人回应】")
ALARMS = (*LADDER, "【到场提醒】", "【超期】")
REPORT = "/time 2026-11-26 09:00\n[毛塘路1网格] 刘阿姨: 3栋2单元楼道里煤气味很重\n"


def alarms(messages: list[str]) -> list[str]:
    return [m for m in messages if any(a in m for a in ALARMS)]


async def test_a_claim_quiets_the_groups_for_the_next_day(tmp_path: Path) -> None:
    script = REPORT + "/advance 20m\n[毛塘路社区六方议事群] 张经理: 认领 T1\n/advance 1d\n"
    printed = await run_transcript(tmp_path, script)
    before_claim = alarms(printed[: printed.index(next(m for m in printed if "由您负责" in m))])
    assert len(before_claim) == 2 and all("【急事再提醒】T1" in m for m in before_claim)
    claimed = [m for m in printed if "由您负责" in m]
    assert claimed[0].startswith("[毛塘路社区六方议事群] 社区小助手: @张经理 好的，T1 由您负责")
    day = alarms(after(printed, "由您负责"))
    assert len(day) <= 2, day
    assert day[0].startswith("[私聊→张经理] 社区小助手: 【到场提醒】")
    assert "【超期】T1" in day[1]


async def test_nobody_answers_for_two_days(tmp_path: Path) -> None:
    printed = await run_transcript(tmp_path, REPORT + "/advance 2d\n")
    ladder = [m for m in printed if any(a in m for a in LADDER)]
    assert 2 <= len(ladder) <= 20, ladder
    street = [m for m in ladder if m.startswith("[私聊→示范街道应急值班室]")]
    assert len(street) == 1 and "已 1 小时无人到场" in street[0]
    assert sum("今天的提醒已到上限" in m for m in ladder) == 2


async def test_a_downgrade_is_asked_for_then_decided(tmp_path: Path) -> None:
    script = (
        REPORT
        + "[毛塘路社区六方议事群] 张经理: 改为 小事 T1 是楼上刷油漆的味道\n"
        + "/advance 20m\n"
        + "[毛塘路社区六方议事群] 王书记: 改为 小事 T1\n"
        + "/advance 6h\n"
    )
    printed = await run_transcript(tmp_path, script)
    [asked] = [m for m in printed if "【改类申请】" in m]
    assert asked.startswith(
        "[毛塘路社区六方议事群] 社区小助手: @张经理 @王书记 @赵主任 急事改为小事"
    )
    assert "同意请回复「改为 小事 T1」" in asked
    assert len([m for m in alarms(printed) if "【急事再提醒】T1" in m]) == 2  # still urgent
    assert alarms(after(printed, "由急事改为小事")) == []


async def test_a_quoted_reply_answers_the_alarm(tmp_path: Path) -> None:
    quote = (
        "「社区小助手：【急事再提醒】T1 3栋2单元楼道里煤气味很重」 - - - - - - - - - - - - - - - "
    )
    script = REPORT + f"/advance 15m\n[毛塘路1网格] 李网格长: {quote}马上到\n/advance 3h\n"
    printed = await run_transcript(tmp_path, script)
    [answered] = [m for m in printed if "群里的急事提醒已停止" in m]
    assert answered.startswith("[毛塘路1网格] 社区小助手: @李网格长 收到")
    later = alarms(after(printed, "群里的急事提醒已停止"))
    assert [m.split(" 社区小助手")[0] for m in later] == ["[私聊→李网格长]"]


async def test_the_ladder_demo_shows_what_the_readme_promises(tmp_path: Path) -> None:
    script = (REPO / "docs" / "demo" / "ladder.txt").read_text(encoding="utf-8")
    printed = await run_transcript(tmp_path, script)
    t1 = [m for m in printed if any(a in m for a in LADDER) and "T1 " in m]
    # 15, 30 and 60 minutes in both groups, the street privately, then 3, 5 and 7 hours.
    assert len(t1) == 10 and "下次 11月27日（周五）21:00" in t1[-1]
    assert [m for m in t1 if m.startswith("[私聊→")] == [
        m for m in t1 if m.startswith("[私聊→示范街道应急值班室] 社区小助手: 【急事上报】")
    ]
    t2 = [m for m in after(printed, "T2 由您负责") if "T2" in m and any(a in m for a in ALARMS)]
    assert len(t2) == 2 and t2[0].startswith("[私聊→张经理] 社区小助手: 【到场提醒】")
    assert "【超期】T2" in t2[1]
    assert not [m for m in after(printed, "由急事改为小事") if any(a in m for a in LADDER)]
