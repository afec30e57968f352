"""The 排行榜's masked names: surname plus 志愿者, read by the privacy rules."""

from __future__ import annotations

import pytest

from handlers.teams.names import masked_name, shown_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王秀英", "王志愿者"),
        ("党员吴姐", "吴志愿者"),
        ("欧阳娜娜", "欧阳志愿者"),
        ("志愿者小杨", "小志愿者"),
        (" 张三 ", "张志愿者"),
    ],
)
def test_masked_name_keeps_only_the_surname(name: str, masked: str) -> None:
    assert masked_name(name) == masked


def test_shown_name_masks_only_opted_out_names_for_residents() -> None:
    assert shown_name("王秀英", hidden=False, full=False) == "王秀英"
    assert shown_name("王秀英", hidden=True, full=False) == "王志愿者"
    assert shown_name("王秀英", hidden=True, full=True) == "王秀英（不公开）"
