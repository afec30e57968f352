"""Pull estate, building, unit, floor, room and place out of a (normalised) chat message."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

from handlers.understanding.types import Location, new_location

log = logging.getLogger(__name__)

_CN = "零〇一二两三四五六七八九十百"
_NUM = rf"(?:\d{{1,4}}|[{_CN}]{{1,5}})"
_CN_DIGIT = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0", "两": "2"}

# "3-2-302" / "3-302": building-unit-room shorthand used in forms and by grid leaders.
_DASHED = re.compile(
    r"(?<![\d-])(\d{1,3})-(\d{1,2})-(\d{3,4})(?![\d-])|(?<![\d-])(\d{1,3})-(\d{3,4})(?![\d-])"
)
# 座 also starts 座椅/座位; 号院 is a courtyard number.  A letter building (A座, B栋) is common.
_BUILDING = re.compile(
    rf"({_NUM}|[A-Za-z])\s?(号楼|号院|栋|幢|座(?![椅位])|号?楼(?=\d{{1,2}}单元))"
)
# A building needs one of these characters (栋 幢 座 号, or 单元 after 楼): a set test skips the
# regex for the many messages that name none.
# One of these characters is in every _BUILDING match.  Tested by a one-class regex: sre scans
# the text's own buffer, where a set test makes a string object of every character first.
_BUILDING_CHARS = re.compile("[栋幢座号单]")
_UNIT = re.compile(rf"({_NUM})\s?单元")
# 号楼 is a building, so a floor's number must not be preceded by 号; 楼道/楼梯/楼顶 are places.
_FLOOR = re.compile(rf"(负|地下)?({_NUM})\s?(楼|层)(?![道梯顶房盘宇栋])")
_ROOM_SUFFIX = re.compile(r"(?<!\d)(\d{3,4})\s?(?:室|房(?!间)|号房|户)")
_ROOM_CHARS = re.compile("[室房户]")  # one of them ends every _ROOM_SUFFIX match
_ROOM_AFTER = re.compile(r"^(?:的|-|\s)?(\d{3,4})(?![\d年元块万次点号%])")

_ESTATE_WORDS = ("小区", "花园", "家园", "新村", "新城", "公寓", "山庄", "华庭", "嘉园", "苑")
_ESTATE = re.compile(r"([\u4e00-\u9fffA-Za-z]{2,8}?)(" + "|".join(_ESTATE_WORDS) + ")")
_ESTATE_HINT = re.compile("|".join(_ESTATE_WORDS))  # one search instead of ten ``in`` tests
# Function characters never inside an estate name: the name is what follows the last of them
# ("大家好我住在阳光花园" → 阳光).  Names are short, so at most the last four characters count.
_ESTATE_SPLIT = re.compile(
    r"[我你他她们住在的是了这那个和与跟到从去来咱就也都还把被给对向于整本该每各片老旧]"
)
_ESTATE_REJECT = re.compile(
    r"小区|中心|楼下|楼上|隔壁|附近|旁边|周边|对面|里面|门口|[的了着吗呢吧啊]"
)

_PLACE_WORDS = """
    东门口 南门口 西门口 北门口 大门口 单元门口 楼栋口 东门 南门 西门 北门 大门 正门 侧门 后门
    地下车库 地下室 停车场 车库 自行车棚 车棚 充电棚 门岗 岗亭 门口 楼道口 楼道 楼梯间 楼梯口 楼梯
    电梯间 电梯厅 电梯 楼顶 天台 屋顶 顶楼 架空层 连廊 阳台 配电房 水泵房 垃圾中转站 垃圾房 垃圾站
    篮球场 羽毛球场 健身区 儿童乐园 游乐区 中心花园 小广场 广场 花坛 绿化带 草坪 凉亭 河边 池塘
    菜市场 物业办公室 居委会 消防通道 人行道 盲道 路口 马路 主干道"""
NOWHERE = Location()  # nothing understood: shared, as a Location is immutable
# Longest first at the leftmost position: 地下车库 rather than 车库.
DEFAULT_PLACES: tuple[str, ...] = tuple(_PLACE_WORDS.split())


@lru_cache(maxsize=1024)
def to_arabic(numeral: str) -> str | None:
    """Arabic form of a numeral string: "十二" → "12", "03" → "3"; None when it is not a number."""
    if numeral.isdigit():
        return str(int(numeral))
    if all(c in _CN_DIGIT for c in numeral):  # digit-by-digit form, e.g. 三零二
        return str(int("".join(_CN_DIGIT[c] for c in numeral)))
    try:
        import cn2an  # imported lazily: most messages use Arabic numerals and cn2an costs 0.1 s

        return str(int(cn2an.cn2an(numeral, "smart")))
    except (ArithmeticError, LookupError, TypeError, ValueError):
        # cn2an raises ValueError or KeyError on odd input: unparseable means "no number".
        return None


class LocationExtractor:
    """Finds the parts of a location; the place list is extendable from the lexicon."""

    def __init__(self, places: Iterable[str] = DEFAULT_PLACES) -> None:
        """Compile the place alternation, longest first so 地下车库 wins over 车库."""
        words = sorted({p for p in places if p}, key=len, reverse=True)
        self._place = re.compile("|".join(map(re.escape, words))) if words else None

    def extract(self, text: str) -> Location:
        """The location mentioned in ``text``; empty ``Location`` when none (or unreadable)."""
        try:
            return self._extract(text or "")
        except ValueError as error:
            # Numbers are parsed from what the patterns matched; should one still not parse, a
            # location is a nicety and must not break classification, but it is not hidden.
            log.warning("location not read from %r: %s", (text or "")[:80], error)
            return NOWHERE

    def _extract(self, text: str) -> Location:
        building = unit = floor = room = None
        taken: list[tuple[int, int]] = []  # spans already used, so 3号楼 is not also a floor
        # Cheap substring checks first: most messages name no building, unit or floor at all.
        dashed = _DASHED.search(text) if "-" in text else None
        if dashed:
            if dashed.group(1):
                building, unit, room = f"{dashed[1]}栋", f"{dashed[2]}单元", f"{dashed[3]}室"
            else:
                building, room = f"{dashed[4]}栋", f"{dashed[5]}室"
            taken.append(dashed.span())
        last_end = -1
        if building is None and _BUILDING_CHARS.search(text):
            for m in _BUILDING.finditer(text):
                num = m[1] if m[1].isascii() and m[1].isalpha() else to_arabic(m[1])
                if num is not None:
                    building, last_end = f"{num.upper()}{m[2]}", m.end()
                    taken.append(m.span())
                    break
        if unit is None and "单元" in text:
            for m in _UNIT.finditer(text):
                num = to_arabic(m[1])
                if num is not None:
                    unit, last_end = f"{num}单元", max(last_end, m.end())
                    taken.append(m.span())
                    break
        floor = self._floor(text, taken) if "楼" in text or "层" in text else None
        if room is None:
            suffix = _ROOM_SUFFIX.search(text) if _ROOM_CHARS.search(text) else None
            if suffix:
                room = f"{int(suffix[1])}室"
            elif last_end >= 0:
                after = _ROOM_AFTER.match(text[last_end:])
                if after:
                    room = f"{int(after[1])}室"
        estate, place = _estate(text), self._place_of(text)
        if not (estate or building or unit or floor or room or place):
            return NOWHERE  # most chat names no place: one shared empty Location
        return new_location(estate, building, unit, floor, room, place)

    @staticmethod
    def _floor(text: str, taken: list[tuple[int, int]]) -> str | None:
        for m in _FLOOR.finditer(text):
            start = m.start()
            if start > 0 and text[start - 1] in "号了盖共":
                # "3号楼" is a building; "加盖了一层" / "共六层" count storeys, not a floor
                continue
            if any(a <= start < b for a, b in taken):
                continue
            num = to_arabic(m[2])
            if num is None or num == "0":
                continue
            return f"{'负' if m[1] else ''}{num}{m[3]}"
        return None

    def _place_of(self, text: str) -> str | None:
        if self._place is None:
            return None
        m = self._place.search(text)
        return m[0] if m else None


def location_bonus(location: Location, bonus: float) -> float:
    """Naming a building, unit, floor or room is what people do when they report something."""
    if location.building or location.unit or location.floor or location.room:
        return bonus
    return bonus / 2 if location.place or location.estate else 0.0


def _estate(text: str) -> str | None:
    if not _ESTATE_HINT.search(text):
        return None
    for m in _ESTATE.finditer(text):
        name = _ESTATE_SPLIT.split(m[1])[-1][-4:]
        if len(name) >= 2 and not _ESTATE_REJECT.search(name):
            return name + m[2]
    return None
