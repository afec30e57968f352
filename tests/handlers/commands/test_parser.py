"""Command parsing: ticket forms, full-width input, free text, and chatter left alone."""

from __future__ import annotations

import pytest

from handlers.commands.parser import parse
from handlers.understanding import normalize_text


@pytest.mark.parametrize(
    ("text", "verb", "tickets", "rest"),
    [
        ("认领 T12", "claim", (12,), ""),
        ("认领t12", "claim", (12,), ""),
        ("受理 #12", "claim", (12,), ""),
        ("到场 12号", "arrive", (12,), ""),
        ("收到 T3", "arrive", (3,), ""),
        ("认领　Ｔ１２", "claim", (12,), ""),  # full-width space, letter and digits
        ("进展 T12 已联系电工，明天12号上门", "progress", (12,), "已联系电工，明天12号上门"),
        ("办结T12 已更换灯泡", "resolve", (12,), "已更换灯泡"),
        ("转交 T12 @张经理", "transfer", (12,), "@张经理"),
        ("改为 急事 T12", "reclass", (12,), "急事"),
        ("改为急事T12", "reclass", (12,), "急事"),
        ("改为 水电气 T2", "reclass", (2,), "水电气"),
        ("改为水电气 T2", "reclass", (2,), "水电气"),
        ("改为 T2 水电气", "reclass", (2,), "水电气"),
        ("改为 急事 水电气 T2", "reclass", (2,), "急事 水电气"),
        ("改为急事水电气T2", "reclass", (2,), "急事 水电气"),
        ("改为 急事、水电 2号", "reclass", (2,), "急事 水电"),
        ("改为 急事！T12", "reclass", (12,), "急事"),
        ("改为 物业费 T2", "reclass", (2,), "物业费"),  # not 物业 + 费: the word is named whole
        ("改为 T2 急事件", "reclass", (2,), "急事件"),
        ("改为 急事 T12 有人被困 T13", "reclass", (12,), "急事 有人被困 T13"),
        ("评价 T12 不满意灯还是不亮", "rate", (12,), "不满意 灯还是不亮"),
        ("合并 T12 T10", "merge", (12, 10), ""),
        ("合并T12和T10", "merge", (12, 10), ""),
        ("评价 T12 不满意 灯还是不亮", "rate", (12,), "不满意 灯还是不亮"),
        ("查询 3号楼", "query", (), "3号楼"),
        ("我的工单", "mine", (), ""),
        ("认领 T12 T13", "claim", (12, 13), ""),
        ("认领", "claim", (), ""),
        ("到场", "arrive", (), ""),
    ],
)
def test_commands(text: str, verb: str, tickets: tuple[int, ...], rest: str) -> None:
    cmd = parse(normalize_text(text))
    assert cmd is not None
    assert (cmd.verb, cmd.tickets) == (verb, tickets)
    assert normalize_text(cmd.rest) == normalize_text(rest)


@pytest.mark.parametrize(
    "text",
    [
        "收到",
        "收到，谢谢",
        "统计一下大家的意见",
        "办结了吗",
        "3号楼路灯坏了",
        "到场了",
        "进展怎么样了",
        "我的工单呢在哪里看",
    ],
)
def test_chatter_is_not_a_command(text: str) -> None:
    assert parse(normalize_text(text)) is None
