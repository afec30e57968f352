"""The volunteer side of a community in the configuration: teams, 包保楼栋 and the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config_schema import SchemaReader
from handlers.teams.buildings import building_name
from handlers.teams.fields import FIELDS


@dataclass(frozen=True, slots=True)
class TeamSettings:
    """One 先锋服务队: its field, leader and members (contact ids of the community's members)."""

    field: str
    leader: str | None
    members: tuple[str, ...]
    name: str = ""  # default: the field's team name
    colour: str = ""  # default: the field's colour
    words: tuple[str, ...] = ()  # more words of reports this team takes


@dataclass(frozen=True, slots=True)
class BuildingSettings:
    """党员包保楼栋: the member responsible for a building."""

    building: str
    id: str


@dataclass(frozen=True, slots=True)
class CatalogueSettings:
    """Something hours can be exchanged for."""

    name: str
    hours: float
    stock: int
    kind: str = "service"
    provider: str = ""


def read_volunteers(
    r: SchemaReader, where: str, item: dict[str, Any], member_ids: set[str]
) -> tuple[tuple[TeamSettings, ...], tuple[BuildingSettings, ...], tuple[CatalogueSettings, ...]]:
    """A community's teams, building duties and catalogue, each problem recorded on ``r``."""
    return (
        _teams(r, where, item, member_ids),
        _buildings(r, where, item, member_ids),
        _catalogue(r, where, item),
    )


def _known(r: SchemaReader, where: str, member_ids: set[str], contact: str) -> None:
    if contact and contact not in member_ids:
        r.problem(
            where, f"{contact!r} 不是本社区的成员", "先在 [[communities.members]] 里登记此人"
        )


def _teams(
    r: SchemaReader, where: str, item: dict[str, Any], member_ids: set[str]
) -> tuple[TeamSettings, ...]:
    teams, seen = [], set()
    fields = "、".join(f"{f.code}（{f.name}）" for f in FIELDS.values())
    for j, t in enumerate(r.table_list(f"{where}.teams", item, key="teams")):
        tw = f"{where}.teams[{j}]"
        r.known_keys(tw, t, ("field", "name", "colour", "leader", "members", "words"))
        field = r.string(f"{tw}.field", t, "field", "", required=True)
        if field and field not in FIELDS:
            r.problem(f"{tw}.field", f"{field!r} 不是服务队领域", f"写以下之一：{fields}")
        if field in seen:
            r.problem(f"{tw}.field", f"{field!r} 重复", "每个领域一个服务队")
        seen.add(field)
        leader = r.string(f"{tw}.leader", t, "leader", "") or None
        _known(r, f"{tw}.leader", member_ids, leader or "")
        members = tuple(r.string_list(f"{tw}.members", t, "members"))
        for k, m in enumerate(members):
            _known(r, f"{tw}.members[{k}]", member_ids, m)
        teams.append(
            TeamSettings(
                field=field,
                leader=leader,
                members=members,
                name=r.string(f"{tw}.name", t, "name", ""),
                colour=r.string(f"{tw}.colour", t, "colour", ""),
                words=tuple(r.string_list(f"{tw}.words", t, "words")),
            )
        )
    return tuple(teams)


def _buildings(
    r: SchemaReader, where: str, item: dict[str, Any], member_ids: set[str]
) -> tuple[BuildingSettings, ...]:
    result, seen = [], set()
    for j, b in enumerate(r.table_list(f"{where}.buildings", item, key="buildings")):
        bw = f"{where}.buildings[{j}]"
        r.known_keys(bw, b, ("building", "id"))
        building = building_name(r.string(f"{bw}.building", b, "building", "", required=True))
        if building in seen:
            r.problem(f"{bw}.building", f"{building} 重复", "每栋楼写一位包保党员")
        seen.add(building)
        contact = r.string(f"{bw}.id", b, "id", "", required=True)
        _known(r, f"{bw}.id", member_ids, contact)
        result.append(BuildingSettings(building, contact))
    return tuple(result)


def _catalogue(r: SchemaReader, where: str, item: dict[str, Any]) -> tuple[CatalogueSettings, ...]:
    result, seen = [], set()
    for j, c in enumerate(r.table_list(f"{where}.catalogue", item, key="catalogue")):
        cw = f"{where}.catalogue[{j}]"
        r.known_keys(cw, c, ("name", "hours", "stock", "kind", "provider"))
        name = r.string(f"{cw}.name", c, "name", "", required=True)
        if name in seen:
            r.problem(f"{cw}.name", f"{name!r} 重复", "每项用不同的名称")
        seen.add(name)
        hours = c.get("hours", 0)
        if (
            not isinstance(hours, int | float)
            or isinstance(hours, bool)
            or hours <= 0
            or (hours * 2 != int(hours * 2))
        ):
            r.problem(f"{cw}.hours", f"{hours!r} 不是有效的时长", "写 0.5 的倍数，如 1 或 1.5")
            hours = 1
        kind = r.string(f"{cw}.kind", c, "kind", "service")
        if kind not in ("service", "goods"):
            r.problem(f"{cw}.kind", f"{kind!r} 不是类型", '写 "service"（服务）或 "goods"（物品）')
        result.append(
            CatalogueSettings(
                name=name,
                hours=float(hours),
                stock=r.integer(f"{cw}.stock", c, "stock", 0, 0, 1_000_000),
                kind=kind,
                provider=r.string(f"{cw}.provider", c, "provider", ""),
            )
        )
    return tuple(result)
