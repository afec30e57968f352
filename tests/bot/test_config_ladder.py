"""The [alarm_ladder] section: defaults, the old [followups] name, and precise mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from handlers.ladder import AlarmLadder
from tests.support.harness import EXAMPLE_CONFIG, config_problems

LADDER = EXAMPLE_CONFIG.read_text(encoding="utf-8").split("[alarm_ladder]\n")[1].split("\n[")[0]


def _config(tmp_path: Path, ladder: str, followups: str = "") -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(LADDER, ladder)
    text = text.replace("[followups]\n", f"[followups]\n{followups}")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_ladder_and_the_defaults() -> None:
    ladder = load_settings(EXAMPLE_CONFIG, env={}).policy.ladder
    assert ladder.street_contact_id == "wx-street-duty"
    assert (ladder.realert_minutes, ladder.secretary_minutes, ladder.street_minutes) == (
        15,
        30,
        60,
    )
    assert (ladder.repeat_minutes, ladder.daily_cap, ladder.claimed_reminders) == (120, 6, 1)
    assert ladder.claimed_remind_private


def test_an_empty_section_gives_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, ""), env={})
    assert settings.ladder == AlarmLadder()


def test_the_old_followups_name_is_the_first_rung(tmp_path: Path) -> None:
    path = _config(tmp_path, "", "urgent_realert_minutes = 10\n")
    assert load_settings(path, env={}).ladder.realert_minutes == 10
    both = _config(tmp_path, "realert_minutes = 12\n", "urgent_realert_minutes = 10\n")
    [problem] = config_problems(both)
    assert ": followups.urgent_realert_minutes: 和 alarm_ladder.realert_minutes 重复" in problem


@pytest.mark.parametrize(
    ("ladder", "field", "says"),
    [
        ("secretary_minutes = 15\n", "alarm_ladder.secretary_minutes", "不晚于"),
        ("street_minutes = 20\n", "alarm_ladder.street_minutes", "再提醒 < 升级到书记 < 上报街道"),
        ("street_minutes = 1440\n", "alarm_ladder.street_minutes", "取 1 到 1439"),
        ("daily_cap = 2\n", "alarm_ladder.daily_cap", "发不全"),
        ("daily_cap = 100\n", "alarm_ladder.daily_cap", "取 3 到 24"),
        ("repeat_minutes = 10\n", "alarm_ladder.repeat_minutes", "取 30 到 1440"),
        ('claimed_remind = "wechat"\n', "alarm_ladder.claimed_remind", '"private"'),
        (
            'street_contact_id = "x"\nstreet_contact_name = ""\n',
            "alarm_ladder.street_contact_name",
            "街道",
        ),
        ("claimed_reminders = 9\n", "alarm_ladder.claimed_reminders", "取 0 到 5"),
        ("realert_minute = 15\n", "alarm_ladder.realert_minute", "'realert_minutes'"),
    ],
)
def test_each_mistake_names_the_field_and_the_fix(
    tmp_path: Path, ladder: str, field: str, says: str
) -> None:
    problems = config_problems(_config(tmp_path, ladder))
    matching = [p for p in problems if f": {field}: " in p]
    assert matching and says in matching[0], problems
