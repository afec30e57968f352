"""[[communities]] declared: groups, members, the hall, teams, 包保楼栋 and the catalogue.

Each table checks its own values; a community checks what ties its tables together (one
six-party group, grid leaders' grids, known members, no repeats) and the list checks codes,
names and room ids across communities. Their problems keep the hand-written reader's wording.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)

from bot.config_model import (
    BlankNone,
    ClockTime,
    Found,
    Section,
    Strings,
    blank_is_default,
    checked,
    matching,
    one_of,
    problem,
    repeats,
    salvage,
)
from handlers.policy import HALL_HOLIDAY_RULES, HallSchedule
from handlers.teams.buildings import building_name
from handlers.teams.fields import FIELDS
from handlers.vocabulary import GROUP_KINDS, ROLE_LABELS, ROLES
from storage.directory_edit import PHONE

_ROLES = "、".join(f"{code}（{ROLE_LABELS[code]}）" for code in ROLES)
_FIELDS = "、".join(f"{f.code}（{f.name}）" for f in FIELDS.values())
_SIX = '给一个群写 kind = "six_party"'
_KINDS = '写 "six_party"（六方群）或 "grid"（网格群）'
_GOODS = '写 "service"（服务）或 "goods"（物品）'
_CODE = r"[A-Za-z][A-Za-z0-9_]{0,63}"
_CODE_FIX = "只用字母、数字和下划线，字母开头"
Required = Annotated[str, Field(min_length=1)]


T = TypeVar("T")
Tables = Annotated[tuple[T, ...], Field(strict=False)]  # an array of tables ([[...]]) as a tuple


class GroupSettings(Section):
    """A chat room bound to a community."""

    room_id: Required
    kind: Annotated[Required, one_of(GROUP_KINDS, "{!r} 不是群类型", _KINDS)]
    grid: str | None = Field(None, validate_default=True)  # only a grid group has one
    topic: Required

    @field_validator("grid")
    @classmethod
    def _grid_named(cls, grid: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") != "grid":
            return None
        if not grid:
            raise problem("网格群没有写网格名称", '加一行 grid = "1网格"')
        return grid


class MemberSettings(Section):
    """A named person and the role they hold."""

    id: Required
    role: Annotated[str, one_of(ROLES, "{!r} 不是角色", f"写以下之一：{_ROLES}")] = "resident"
    grid: BlankNone = None
    name: Required
    # Shown masked on the dashboard.
    phone: Annotated[str, matching(PHONE, "{!r} 不是电话号码", "只写数字（可以带 + 和 -）")] = ""
    on_duty: bool = False  # called on every urgent alert of the community

    @field_validator("on_duty", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        if not isinstance(value, bool):
            raise problem(f"{value!r} 不是 true/false", "写 true（值班）或 false")
        return value


class HallSection(Section):
    """[communities.hall]: when and where the deliberation hall meets."""

    weekday: int = Field(4, ge=1, le=7)
    time: ClockTime = time(15, 0)
    place: str = blank_is_default("社区议事厅")
    on_holiday: Annotated[str, one_of(HALL_HOLIDAY_RULES, "{!r} 不是可选的值")] = blank_is_default(
        "next_workday"
    )

    def schedule(self) -> HallSchedule:
        """The plain schedule handed to the handlers."""
        return HallSchedule(self.weekday, self.time, self.place, self.on_holiday)


class TeamSettings(Section):
    """One 先锋服务队: its field, leader and members (contact ids of the community's members)."""

    field: Annotated[Required, one_of(FIELDS, "{!r} 不是服务队领域", f"写以下之一：{_FIELDS}")]
    leader: BlankNone = None
    members: Strings = ()
    name: str = ""  # default: the field's team name
    colour: str = ""  # default: the field's colour
    words: Strings = ()  # more words of reports this team takes


class BuildingSettings(Section):
    """党员包保楼栋: the member responsible for a building."""

    building: Annotated[Required, AfterValidator(building_name)]
    id: Required


class CatalogueSettings(Section):
    """Something hours can be exchanged for."""

    name: Required
    hours: float = Field(0, validate_default=True)
    stock: int = Field(0, ge=0, le=1_000_000)
    kind: Annotated[str, one_of(("service", "goods"), "{!r} 不是类型", _GOODS)] = "service"
    provider: str = ""

    @field_validator("hours", mode="before")
    @classmethod
    def _half_hours(cls, hours: Any) -> Any:
        number = isinstance(hours, int | float) and not isinstance(hours, bool)
        if not number or hours <= 0 or hours * 2 != int(hours * 2):
            raise problem(f"{hours!r} 不是有效的时长", "写 0.5 的倍数，如 1 或 1.5")
        return float(hours)


class CommunitySettings(Section):
    """One community: its groups, members, hall and volunteers."""

    code: Annotated[Required, matching(_CODE, "{!r} 含有不允许的字符", _CODE_FIX)]
    name: Required
    groups: Tables[GroupSettings] = ()
    members: Tables[MemberSettings] = ()
    hall: HallSection = HallSection()
    teams: Tables[TeamSettings] = ()
    buildings: Tables[BuildingSettings] = ()
    catalogue: Tables[CatalogueSettings] = ()

    def cross(self, context: Mapping[str, Any]) -> list[Found]:
        """One six-party group, grid leaders' grids, known members, no repeats."""
        found = _groups(self.groups, self.members)
        members = self.members
        if members is not None:
            ids = [m.id for m in members]
            found += repeats(("members",), "id", ids, "成员 id {!r} 在本社区重复", "每人一个 id")
        if self.teams is not None:
            fields = [t.field for t in self.teams]
            found += repeats(("teams",), "field", fields, "{!r} 重复", "每个领域一个服务队")
            for j, t in enumerate(self.teams):
                found += _strangers(members, [(("teams", j, "leader"), t.leader)])
                team = enumerate(t.members or ())
                found += _strangers(members, ((("teams", j, "members", k), m) for k, m in team))
        if self.buildings is not None:
            houses = [b.building for b in self.buildings]
            found += repeats(("buildings",), "building", houses, "{} 重复", "每栋楼写一位包保党员")
            duty = enumerate(self.buildings)
            found += _strangers(members, ((("buildings", j, "id"), b.id) for j, b in duty))
        if self.catalogue is not None:
            names = [c.name for c in self.catalogue]
            found += repeats(("catalogue",), "name", names, "{!r} 重复", "每项用不同的名称")
        return found


def _groups(
    groups: tuple[GroupSettings, ...] | None, members: tuple[MemberSettings, ...] | None
) -> list[Found]:
    """One six-party group; each grid leader's grid has its grid group."""
    if groups is None or any(g.kind is None for g in groups):
        return []  # a group of unknown kind: which groups are six-party or grid is unknown
    six = sum(g.kind == "six_party" for g in groups)
    found: list[Found] = (
        [] if six == 1 else [(("groups",), f"六方群应当正好一个，现在有 {six} 个", _SIX)]
    )
    grids = {g.grid for g in groups if g.kind == "grid"}
    if None in grids:
        return found  # a grid group without its grid's name: any leader's grid may be it
    for j, m in enumerate(members or ()):
        if m.role == "grid_leader" and m.grid not in grids:
            what = f"网格长的网格 {m.grid!r} 没有对应的网格群"
            found.append((("members", j, "grid"), what, "写本社区某个网格群的 grid"))
    return found


def _strangers(
    members: tuple[MemberSettings, ...] | None,
    contacts: Iterable[tuple[tuple[Any, ...], str | None]],
) -> list[Found]:
    """A problem at each contact that is not the id of one of the community's ``members``."""
    if members is None:
        return []  # the members are unknown
    ids = {m.id for m in members}
    fix = "先在 [[communities.members]] 里登记此人"
    return [(where, f"{c!r} 不是本社区的成员", fix) for where, c in contacts if c and c not in ids]


def _across(communities: tuple[CommunitySettings, ...], _: Mapping[str, Any]) -> list[Found]:
    """Codes, names and room ids are each used once across the communities."""
    codes = [c.code for c in communities]
    found = repeats((), "code", codes, "社区代码 {!r} 重复", "每个社区用不同的代码")
    names = [c.name for c in communities]
    found += repeats((), "name", names, "社区名称 {!r} 重复", "每个社区用不同的名称")
    seen: set[str] = set()
    for i, c in enumerate(communities):
        for j, g in enumerate(c.groups or ()):
            if g.room_id is not None and g.room_id in seen:
                where = (i, "groups", j, "room_id")
                found.append((where, f"群 id {g.room_id!r} 重复", "每个群的 room_id 必须不同"))
            seen.add(g.room_id)
    return found


def _communities(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    def partial(items: Any, context: Mapping[str, Any]) -> Any:
        if not isinstance(items, list):
            return None
        return tuple(salvage(CommunitySettings, item, context) for item in items)

    return checked(value, handler, info.context, partial, _across)


Communities = Annotated[Tables[CommunitySettings], WrapValidator(_communities)]


def none_given(raw: dict[str, Any]) -> list[str]:
    """The problem of a file that configures no community (a bare section list still loads)."""
    items = raw.get("communities")
    if isinstance(items, list) and items and all(isinstance(c, dict) for c in items):
        return []
    return ["communities: 没有配置任何社区 — 至少写一段 [[communities]]，见 config.example.toml"]
