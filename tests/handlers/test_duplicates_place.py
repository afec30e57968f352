"""Duplicates need the same place: an unknown place matches nothing."""

from __future__ import annotations

import pytest

from handlers.duplicates import Place, same_place
from tests.support.harness import TestBot

G1, G2 = "[毛塘路1网格]", "[毛塘路2网格]"
HERE = (30.274085, 120.155070)
NEAR = (30.274400, 120.155300)  # about 40 m away
FAR = (30.279000, 120.160000)  # about 700 m away


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (Place.of("50栋"), Place.of("50栋门口"), True),
        (Place.of("50栋2单元"), Place.of("50栋"), True),
        (Place.of("50栋2单元"), Place.of("50栋3单元"), False),
        (Place.of("50栋"), Place.of("60栋"), False),
        (Place.of("50栋"), Place.of("50栋"), True),
        (Place.of("东门"), Place.of("东门"), True),
        (Place.of("东门"), Place.of("西门"), False),
        (Place.of("电梯"), Place.of("电梯"), False),  # in every building
        (Place.of("楼道"), Place.of("楼道"), False),
        (Place.of(""), Place.of(""), False),  # no place: never the same
        (Place.of(""), Place.of("50栋"), False),
        (Place.of("坐标 30.274085,120.155070", *HERE), Place.of("50栋"), False),
        (Place.of("坐标 x", *HERE), Place.of("坐标 y", *NEAR), True),
        (Place.of("电梯", *HERE), Place.of("电梯", *NEAR), True),
        (Place.of("坐标 x", *HERE), Place.of("坐标 y", *FAR), False),
        (Place.of("毛塘路50栋", *HERE), Place.of("50栋"), True),
    ],
)
def test_same_place(a: Place, b: Place, same: bool) -> None:
    assert same_place(a, b) is same
    assert same_place(b, a) is same


async def test_the_same_building_still_joins(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 50栋电梯坏了")
    (joined,) = await bot.say(f"{G1} 刘阿姨: 50栋的电梯又坏了")
    assert "T1" in joined and bot.ticket(1).plus_ones == 1


async def test_reports_without_a_place_stay_apart(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 电梯坏了")
    await bot.say(f"{G1} 刘阿姨: 电梯坏了")
    assert bot.ticket(1).plus_ones == 0
    assert bot.ticket(2).plus_ones == 0


async def test_another_building_in_another_grid_stays_apart(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 50栋电梯坏了")
    await bot.say(f"{G2} 黄网格长: 60栋电梯坏了")
    assert bot.ticket(1).plus_ones == 0
    assert bot.ticket(2).plus_ones == 0


WINDOW_HOURS = 72  # the example config's duplicate_window_hours


@pytest.mark.parametrize(
    ("after", "joins"),
    [
        ({"hours": WINDOW_HOURS, "minutes": -1}, True),  # just inside the window
        ({"hours": WINDOW_HOURS}, True),  # at its edge: still inside
        ({"hours": WINDOW_HOURS, "minutes": 1}, False),  # just outside: a ticket of its own
    ],
    ids=["a-minute-inside", "at-the-edge", "a-minute-outside"],
)
async def test_the_duplicate_window_is_72_hours(
    bot: TestBot, after: dict[str, float], joins: bool
) -> None:
    await bot.say(f"{G1} 李网格长: 50栋电梯坏了")
    bot.clock.advance(**after)
    replies = await bot.say(f"{G1} 刘阿姨: 50栋的电梯又坏了")
    assert bot.ticket(1).state == "reported"  # still open: only the window decides
    if joins:
        (joined,) = replies
        assert "T1" in joined and bot.ticket(1).plus_ones == 1
    else:
        receipt, _card = replies
        assert "已登记 T2" in receipt and bot.ticket(1).plus_ones == 0


LOCATIONS = ("50栋", "50栋2单元", "150栋", "5栋", "50号楼", "50幢3单元", "东门", "电梯", "",
             "毛塘路50栋", "50座", "2单元", "坐标 x")  # fmt: skip


@pytest.mark.parametrize("here", LOCATIONS)
def test_a_building_is_only_matched_where_its_number_is_written(here: str) -> None:
    # find_duplicate skips a candidate whose location lacks the building's number: sound
    # only if same_place never matches such a place.
    building = Place.of(here).building
    for there in LOCATIONS:
        if building is not None and same_place(Place.of(here), Place.of(there)):
            assert building in there
