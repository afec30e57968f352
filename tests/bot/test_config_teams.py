"""The teams, 包保楼栋 and catalogue of the configuration: read, checked, seeded once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import ConfigError, load_settings
from storage.volunteers.models import CatalogueItem, Team, TeamMember
from tests.support.harness import EXAMPLE_CONFIG, TestBot, edited_config


def test_demo_config_has_the_five_teams_and_a_catalogue() -> None:
    [maotang, _guihua] = load_settings(EXAMPLE_CONFIG, env={}).communities
    assert sorted(t.field for t in maotang.teams) == [
        "affairs",
        "culture",
        "education",
        "relief",
        "safety",
    ]
    assert {i.name: i.hours for i in maotang.catalogue} == {
        "理发": 1.0,
        "家政保洁": 2.0,
        "便民超市券": 1.5,
    }
    assert {b.building for b in maotang.buildings} == {"15栋", "16栋"}


@pytest.mark.parametrize(
    ("old", "new", "field", "fix"),
    [
        ('field = "relief"', 'field = "welfare"', "communities[0].teams[2].field", "relief"),
        ('field = "affairs"', 'field = "relief"', "communities[0].teams[3].field", "每个领域"),
        ('leader = "wx-mt-li"', 'leader = "wx-nobody"', "communities[0].teams[4].leader", "登记"),
        ("hours = 1.5", "hours = 1.3", "communities[0].catalogue[2].hours", "0.5"),
        ('kind = "goods"', 'kind = "thing"', "communities[0].catalogue[2].kind", "goods"),
        ('id = "wx-mt-wujie"\n\n#', 'id = "wx-x"\n\n#', "communities[0].buildings[1].id", "登记"),
    ],
)
def test_each_mistake_names_field_and_fix(
    tmp_path: Path, old: str, new: str, field: str, fix: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(edited_config(tmp_path, old, new), env={})
    matching = [p for p in info.value.problems if f": {field}: " in p]
    assert matching and fix in matching[0], info.value.problems


def test_a_restart_keeps_redeemed_stock_and_team_members(tmp_path: Path) -> None:
    bot = TestBot.from_example(tmp_path)
    with bot.db.session() as s:
        item = s.exec(select(CatalogueItem).where(CatalogueItem.name == "理发")).one()
        item.stock = 3
        s.add(item)
        s.commit()
        members = len(s.exec(select(TeamMember)).all())
    bot.close()
    again = TestBot.from_example(tmp_path)  # seeding runs again at start-up
    try:
        with again.db.session() as s:
            item = s.exec(select(CatalogueItem).where(CatalogueItem.name == "理发")).one()
            assert item.stock == 3
            assert len(s.exec(select(TeamMember)).all()) == members
            assert len(s.exec(select(Team)).all()) == 5
    finally:
        again.close()
