"""Result types of message understanding."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where a report is about, normalised to Arabic numerals (三栋二单元 → 3栋2单元)."""

    estate: str | None = None  # 小区 / 花园 / 苑 name
    building: str | None = None  # "3栋"
    unit: str | None = None  # "2单元"
    floor: str | None = None  # "5楼" / "5层"
    room: str | None = None  # "302室"
    place: str | None = None  # 东门, 地下车库, 门口 …

    def label(self) -> str:
        """Short human form, e.g. ``3栋2单元门口``; empty when nothing was understood."""
        parts = (self.estate, self.building, self.unit, self.floor, self.room, self.place)
        out = ""
        for part in (p for p in parts if p):
            out += part[_overlap(out, part) :]
        return out


def _overlap(left: str, right: str) -> int:
    """Length of the longest word (2+ chars) that ``left`` ends with and ``right`` starts with.

    The unit and the place are found separately in 2单元门口 (2单元, 单元门口): the shared
    单元 must be written once.
    """
    for k in range(min(len(left), len(right)), 1, -1):
        if left.endswith(right[:k]):
            return k
    return 0


@dataclass(frozen=True, slots=True)
class Classification:
    """What the bot understood of one message, and the cues that decided it."""

    klass: str  # small | urgent | difficult | none
    category: str  # a code from vocabulary.CATEGORIES
    route: str | None  # online | onsite | hall | None
    location: Location = field(default_factory=Location)
    responsible: str | None = None  # suggested role code, e.g. "property"
    cues: tuple[str, ...] = ()  # human-readable reasons, e.g. "急:煤气味", "类:电梯"
    tokens: tuple[str, ...] = ()  # jieba tokens of the (normalised) text, for search
    # Danger seen by a frame or the model that the decision did not call urgent: 可能是急事.
    maybe_urgent: bool = False

    @property
    def is_report(self) -> bool:
        """True when the message reports a problem (class is not ``none``)."""
        return self.klass != "none"

    def to_json(self) -> dict[str, object]:
        """The JSON shape written by ``liufang classify``."""
        return {
            "class": self.klass,
            "category": self.category,
            "route": self.route,
            "location": self.location.label() or None,
            "location_parts": {
                k: v
                for k, v in (
                    ("estate", self.location.estate),
                    ("building", self.location.building),
                    ("unit", self.location.unit),
                    ("floor", self.location.floor),
                    ("room", self.location.room),
                    ("place", self.location.place),
                )
                if v
            },
            "responsible": self.responsible,
            "maybe_urgent": self.maybe_urgent,
            "cues": list(self.cues),
        }


# A frozen dataclass's generated __init__ sets every field through object.__setattr__ (a name
# look-up and a wrapper call each).  The hot path builds its results with the fields' own slot
# setters instead: the same objects (equal, same hash, same repr), in about a third less time.
_new = object.__new__
_LOCATION_SET = tuple(
    Location.__dict__[name].__set__
    for name in ("estate", "building", "unit", "floor", "room", "place")
)
_CLASSIFICATION_SET = tuple(
    Classification.__dict__[name].__set__
    for name in (
        "klass",
        "category",
        "route",
        "location",
        "responsible",
        "cues",
        "tokens",
        "maybe_urgent",
    )
)


def new_location(
    estate: str | None,
    building: str | None,
    unit: str | None,
    floor: str | None,
    room: str | None,
    place: str | None,
) -> Location:
    """``Location(estate, building, unit, floor, room, place)``, built faster."""
    loc = _new(Location)
    set_estate, set_building, set_unit, set_floor, set_room, set_place = _LOCATION_SET
    set_estate(loc, estate)
    set_building(loc, building)
    set_unit(loc, unit)
    set_floor(loc, floor)
    set_room(loc, room)
    set_place(loc, place)
    return loc


def new_classification(
    klass: str,
    category: str,
    route: str | None,
    location: Location,
    responsible: str | None,
    cues: tuple[str, ...],
    tokens: tuple[str, ...],
    maybe_urgent: bool = False,
) -> Classification:
    """``Classification(...)`` with every field given, built faster."""
    out = _new(Classification)
    (
        set_klass,
        set_category,
        set_route,
        set_location,
        set_responsible,
        set_cues,
        set_tokens,
        set_maybe,
    ) = _CLASSIFICATION_SET
    set_klass(out, klass)
    set_category(out, category)
    set_route(out, route)
    set_location(out, location)
    set_responsible(out, responsible)
    set_cues(out, cues)
    set_tokens(out, tokens)
    set_maybe(out, maybe_urgent)
    return out
