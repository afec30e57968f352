"""Location extraction: numerals, 号楼 versus 楼 (floor), units, rooms, places and estates."""

from __future__ import annotations

import logging

import pytest

from handlers.understanding import Location, LocationExtractor
from handlers.understanding.location import to_arabic

EXTRACT = LocationExtractor().extract


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("三栋二单元302室门口漏水", "3栋2单元302室门口"),
        ("十二栋的路灯坏了", "12栋"),
        ("3幢楼下", "3幢"),
        ("3号楼旁边的路灯", "3号楼"),
        ("7楼阳台上有个花盆", "7楼阳台"),
        ("10栋电梯卡在5楼和6楼中间", "10栋5楼电梯"),
        ("A座12层", "A座12层"),
        ("5-1-201厨房漏水", "5栋1单元201室"),
        ("7号楼302的住户", "7号楼302室"),
        ("B栋2单元1101", "B栋2单元1101室"),
        ("负一层车库进水", "负1层车库"),
        ("一楼卫生间返水", "1楼"),
        ("8栋楼道的声控灯", "8栋楼道"),
        ("小区东门口那个井盖", "东门口"),
        ("11栋地下车库有车着火", "11栋地下车库"),
    ],
)
def test_labels(text: str, label: str) -> None:
    """The normalised short form of each part."""
    assert EXTRACT(text).label() == label


def test_parts_are_separate() -> None:
    """Each part lands in its own field."""
    assert EXTRACT("幸福新村十二幢二单元502室门口") == Location(
        estate="幸福新村", building="12幢", unit="2单元", room="502室", place="门口"
    )


@pytest.mark.parametrize(
    ("text", "estate"),
    [
        ("大家好我住在阳光花园3栋", "阳光花园"),
        ("东方新苑2号楼3单元", "东方新苑"),
        ("我们这片老小区", None),
        ("整个小区门口都是粪水", None),
        ("中心花园那几盏景观灯", None),
    ],
)
def test_estates(text: str, estate: str | None) -> None:
    """An estate needs a real name before 小区/花园/苑; 我们小区 or 中心花园 is no estate."""
    assert EXTRACT(text).estate == estate


@pytest.mark.parametrize(
    "text",
    ["打了很多次12345", "顶楼住户在楼顶违章加盖了一层", "三分之二的住户同意", "2023年的事"],
)
def test_numbers_that_are_not_places(text: str) -> None:
    """Hotlines, storey counts and fractions are neither floors nor rooms."""
    got = EXTRACT(text)
    assert got.floor is None
    assert got.room is None


@pytest.mark.parametrize(
    "text", ["", "🌹", "[[[", "栋栋栋", "零栋", "十百千万亿栋", "9" * 5000 + "栋", "-" * 300]
)
def test_odd_input_is_read_without_falling_back(
    text: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Odd input is read by the parser itself: no exception reaches extract's fallback."""
    with caplog.at_level(logging.WARNING, logger="handlers.understanding.location"):
        got = EXTRACT(text)
    assert isinstance(got, Location)
    assert caplog.records == []  # the fallback logs: none means the parser coped on its own


def test_a_parse_error_is_logged_and_reads_as_no_location(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Should a number still fail to parse, the message is classified without a location."""

    class Broken(LocationExtractor):
        def _extract(self, text: str) -> Location:
            raise ValueError("bad numeral")

    with caplog.at_level(logging.WARNING, logger="handlers.understanding.location"):
        got = Broken().extract("3栋门口")
    assert got == Location()
    assert [r.getMessage() for r in caplog.records] == [
        "location not read from '3栋门口': bad numeral"
    ]


def test_other_errors_are_not_swallowed() -> None:
    """Only a parse error is a fallback; a bug (any other exception) surfaces."""

    class Buggy(LocationExtractor):
        def _extract(self, text: str) -> Location:
            raise TypeError("a bug")

    with pytest.raises(TypeError):
        Buggy().extract("3栋门口")


def test_numerals() -> None:
    """Chinese numerals, digit-by-digit numbers and Arabic numbers normalise alike."""
    assert [to_arabic(n) for n in ("三", "十二", "两", "三零二", "03", "二十一")] == [
        "3",
        "12",
        "2",
        "302",
        "3",
        "21",
    ]
    assert to_arabic("百百") is None


def test_extra_places() -> None:
    """Places from the lexicon extend the built-in list."""
    assert LocationExtractor(["快递驿站"]).extract("快递驿站门口").place == "快递驿站"


def test_label_writes_a_shared_word_once() -> None:
    from handlers.understanding.types import Location

    assert Location(building="3栋", unit="2单元", place="单元门口").label() == "3栋2单元门口"
    assert Location(building="12楼", place="楼道").label() == "12楼楼道"  # one char: kept


def test_fast_built_results_are_the_dataclasses_themselves() -> None:
    """The hot path's builders make objects equal to (and hashing, printing as) the usual."""
    from handlers.understanding import Classification
    from handlers.understanding.types import new_classification, new_location

    fast = new_location("阳光花园", "3栋", "2单元", None, "302室", "门口")
    usual = Location("阳光花园", "3栋", "2单元", None, "302室", "门口")
    assert fast == usual and hash(fast) == hash(usual) and repr(fast) == repr(usual)
    args = ("small", "facility", "online", fast, "property", ("小:坏了",), ("路灯",), True)
    built, plain = new_classification(*args), Classification(*args)
    assert built == plain and hash(built) == hash(plain) and repr(built) == repr(plain)
    with pytest.raises(AttributeError):  # still frozen
        built.klass = "urgent"  # type: ignore[misc]
