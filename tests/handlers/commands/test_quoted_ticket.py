"""A reply quoting a ticket: the quoted ticket is filled into a command that names none."""

from __future__ import annotations

import pytest

from handlers.commands.parser import with_ticket


@pytest.mark.parametrize(
    ("reply", "filled"),
    [
        ("到场", "到场 T7"),
        ("收到", "收到 T7"),
        ("认领", "认领 T7"),
        ("进展 已联系燃气公司", "进展 T7 已联系燃气公司"),
        ("改为 小事", "改为 T7 小事"),
        ("办结：已关阀", "办结 T7：已关阀"),
    ],
)
def test_a_command_without_a_ticket_gets_the_quoted_one(reply: str, filled: str) -> None:
    assert with_ticket(reply, 7) == filled


@pytest.mark.parametrize("reply", ["到场 T3", "马上到", "收到了", "到场了", "统计", "谢谢"])
def test_other_replies_are_left_alone(reply: str) -> None:
    assert with_ticket(reply, 7) is None
