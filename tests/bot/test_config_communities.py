"""[[communities]] as declared models: every repeat reported, the hall handed on as before."""

from __future__ import annotations

from pathlib import Path

from bot.config import load_settings
from handlers.policy import HallSchedule
from tests.support.harness import EXAMPLE_CONFIG, config_problems, edited_config


def _problems(path: Path) -> list[str]:
    return [line.split(": ", 1)[1] for line in config_problems(path)]


def test_each_check_across_items_gives_its_own_line(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('room_id = "room-maotang-g2"', 'room_id = "room-maotang-g1"', 1)
    text = text.replace('leader = "wx-mt-li"', 'leader = "wx-nobody"', 1)
    text = text.replace('"wx-mt-zhoudang"]', '"wx-ghost"]', 1)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    lines = _problems(path)
    assert "communities[0].teams[4].leader: 'wx-nobody' 不是本社区的成员" in "\n".join(lines)
    assert any(line.startswith("communities[0].teams[0].members[0]: 'wx-ghost'") for line in lines)
    assert "communities[0].groups[2].room_id: 群 id 'room-maotang-g1' 重复" in "\n".join(lines)
    assert len(lines) == 3  # the repeated room id too, though its community has other problems
    path.write_text(
        text.replace('"wx-nobody"', '"wx-mt-li"').replace("wx-ghost", "wx-mt-zhoudang")
    )
    fix = "每个群的 room_id 必须不同"
    assert _problems(path) == [
        f"communities[0].groups[2].room_id: 群 id 'room-maotang-g1' 重复 — {fix}"
    ]


def test_a_nested_table_that_is_not_a_list_names_its_own_section(tmp_path: Path) -> None:
    path = edited_config(tmp_path, 'name = "桂花巷社区"', 'name = "桂花巷社区"\nbuildings = 3')
    fix = "每一项写成 [[communities.buildings]] 段"
    assert _problems(path) == [f"communities[1].buildings: 应当是 [[...]] 表数组 — {fix}"]


def test_the_hall_reaches_the_policy_as_a_plain_schedule(tmp_path: Path) -> None:
    path = edited_config(tmp_path, 'on_holiday = "next_workday"', 'on_holiday = ""')
    settings = load_settings(path, env={})
    hall = settings.policy.hall(settings.communities[0].code)
    assert isinstance(hall, HallSchedule)
    assert hall.on_holiday == "next_workday"  # blank: the default
