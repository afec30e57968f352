"""Open311 GeoReport v2 vocabulary: services, statuses, datetimes and the request fields.

Field names and formats follow http://wiki.open311.org/GeoReport_v2 so that existing clients
work unchanged. One service per ticket category (``service_code`` = the category code).
Nothing personal is published: no reporter, and every text goes through handlers.privacy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

from handlers.privacy import mask
from handlers.vocabulary import CATEGORY_LABELS, ROLE_LABELS, ROUTE_LABELS, STATE_LABELS

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MIN_YEAR, MAX_YEAR = 1970, 2200  # dates a query may name

# category → (group, description, keywords): what a citizen reads when choosing a service.
SERVICES: dict[str, tuple[str, str, str]] = {
    "facility": ("设施设备", "路灯、井盖、座椅、健身器材、门禁等设施损坏", "路灯,井盖,门禁"),
    "elevator": ("设施设备", "电梯故障、困人、异响、停运", "电梯,困人,停运"),
    "utilities": ("设施设备", "停水停电、水压低、燃气、管道漏水爆管", "停水,停电,燃气,漏水"),
    "sanitation": ("环境秩序", "垃圾清运、卫生死角、异味、污水外溢", "垃圾,卫生,异味"),
    "noise": ("环境秩序", "装修、广场舞、商铺、夜间施工等噪音扰民", "噪音,扰民,广场舞"),
    "parking": ("环境秩序", "乱停车、占用消防通道、车位和充电桩", "停车,消防通道,充电桩"),
    "construction": ("环境秩序", "违章搭建、违规装修、破坏承重结构", "违建,搭建,装修"),
    "greening": ("环境秩序", "树木修剪、绿地破坏、毁绿种菜", "树木,绿化,种菜"),
    "safety": ("安全", "楼道堆物、飞线充电、高空坠物等安全隐患", "隐患,堆物,飞线充电,高空坠物"),
    "property": ("物业与邻里", "物业服务不到位、收费、保安保洁", "物业,收费,保洁"),
    "neighbor": ("物业与邻里", "邻里纠纷、漏水到楼下、宠物扰民", "邻里,纠纷,宠物"),
    "welfare": ("民生服务", "困难帮扶、养老助残、证明办理等民生事项", "帮扶,养老,低保"),
    "other": ("民生服务", "以上都不是的其他社区问题", "其他"),
}
SERVICE_CODES = tuple(SERVICES)

# Open311 knows two statuses; our states map onto them (resolved = done, awaiting a rating).
STATUS_BY_STATE = {
    "reported": "open",
    "accepted": "open",
    "in_progress": "open",
    "reopened": "open",
    "resolved": "closed",
    "closed": "closed",
    "merged": "closed",
    "rejected": "closed",
}
STATES_BY_STATUS = {
    status: tuple(s for s, st in STATUS_BY_STATE.items() if st == status)
    for status in ("open", "closed")
}
# Event kinds whose note says what was done: shown as status_notes (masked).
NOTE_KINDS = ("progress", "resolve", "reject")
# Reports about a person's own circumstances or a quarrel between neighbours are published
# without their text: the category, place and status say enough.
PRIVATE_CATEGORIES = frozenset({"neighbor", "welfare"})
WITHHELD = "（涉及个人情况，内容不公开）"


class Open311Error(Exception):
    """A request the API refuses: the HTTP status and the error's description."""

    def __init__(self, status: int, description: str) -> None:
        """Remember the status and description of the error body."""
        super().__init__(description)
        self.status = status
        self.description = description

    def body(self) -> list[dict[str, Any]]:
        """The spec's error body: a list of ``{code, description}``."""
        return [{"code": self.status, "description": self.description}]


def services() -> list[dict[str, Any]]:
    """The service list (``services.json``)."""
    return [
        {
            "service_code": code,
            "service_name": CATEGORY_LABELS[code],
            "description": description,
            "metadata": False,
            "type": "realtime",
            "keywords": keywords,
            "group": group,
        }
        for code, (group, description, keywords) in SERVICES.items()
    ]


def service_definition(code: str) -> dict[str, Any]:
    """A service definition; no service has extra attributes (``metadata`` is false)."""
    if code not in SERVICES:
        raise Open311Error(404, f"service_code {code!r} not found")
    return {"service_code": code, "attributes": []}


# Two-digit numbers as isoformat writes them.
_TWO = tuple(f"{i:02d}" for i in range(100))


@lru_cache(maxsize=64)
def _offset(offset: timedelta | None) -> str:
    """A UTC offset as isoformat writes it after a datetime (``+08:00``; none when naive)."""
    if offset is None:
        return ""
    return datetime(2000, 1, 1, tzinfo=timezone(offset)).isoformat(timespec="seconds")[19:]


def w3c(moment: datetime | None, tz: tzinfo) -> str | None:
    """A W3C datetime with the local offset, e.g. ``2026-11-26T09:00:00+08:00``."""
    if moment is None:
        return None
    local = moment.astimezone(tz)
    # ``local.isoformat(timespec="seconds")``, written from its fields: isoformat formats
    # through C's sprintf, five times the cost, and a request has three datetimes.
    two = _TWO
    year = local.year
    return (
        f"{year if year >= 1000 else f'{year:04d}'}-{two[local.month]}-{two[local.day]}"
        f"T{two[local.hour]}:{two[local.minute]}:{two[local.second]}{_offset(local.utcoffset())}"
    )


def parse_w3c(name: str, value: str, tz: tzinfo) -> datetime:
    """A W3C date or datetime from a query; a missing offset means the local time zone."""
    text = value.strip()
    # An unescaped "+08:00" in a query string arrives as " 08:00".
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", text)
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time())
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(
            400, f"{name} must be a W3C datetime, e.g. 2026-11-01T00:00:00+08:00"
        ) from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        # 0001-01-01 or 9999-12-31 would overflow when moved to UTC or widened by 90 days.
        raise Open311Error(400, f"{name} must be between {MIN_YEAR} and {MAX_YEAR}")
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def public_text(text: str, hide: Iterable[str] = (), members: Iterable[str] = ()) -> str:
    """Text fit for the public: the privacy policy applied, the names in ``hide`` (the
    reporter's) replaced by 报事人 and those in ``members`` (the directory's) hidden."""
    return mask(text, reporter=hide, members=members)


def status_notes(row: Mapping[str, Any], note: str | None, members: Iterable[str] = ()) -> str:
    """The state in words, with what was done or decided (masked)."""
    label = STATE_LABELS.get(row["state"], row["state"])
    if row["state"] == "merged" and row["merged_into"]:
        return f"{label}：与 {row['merged_into']} 号是同一问题"
    detail = note or ""
    if row["resolution"] and row["state"] in ("in_progress", "resolved", "closed"):
        detail = f"议事厅决议：{row['resolution']}"
    if not detail:
        return label
    return f"{label}：{public_text(detail, (row['reporter_name'],), members)}"


_KLASS_BY_ROUTE = {"online": "小事", "onsite": "急事", "hall": "难事"}


def service_notice(row: Mapping[str, Any]) -> str:
    """How the request is handled, by route: 小事线上议、急事现场议、难事会场议."""
    route = ROUTE_LABELS.get(row["route"], "")
    klass = _KLASS_BY_ROUTE.get(row["route"], "")
    return f"{klass}{route}" if klass else route


# Every field of a service request in the spec, in the order of the answers (the one statement
# of it: request_fields names its values by it, open311_json writes them in it).
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def request_values(
    row: Mapping[str, Any],
    community: str,
    tz: tzinfo,
    note: str | None = None,
    members: Iterable[str] = (),
) -> tuple[Any, ...]:
    """One service request's values, in the order of :data:`REQUEST_FIELDS` (``None``
    where unknown)."""
    where = " ".join([p for p in (community, row["grid"], row["location"]) if p])
    return (
        row["id"],
        STATUS_BY_STATE.get(row["state"], "open"),
        status_notes(row, note, members),
        CATEGORY_LABELS.get(row["category"], CATEGORY_LABELS["other"]),
        row["category"],
        WITHHELD
        if row["category"] in PRIVATE_CATEGORIES
        else public_text(row["text"], (row["reporter_name"],), members),
        f"{community}{ROLE_LABELS.get(row['responsible'] or '', '')}",
        service_notice(row),
        w3c(row["created_at"], tz),
        w3c(row["updated_at"], tz),
        w3c(row["due_at"], tz),
        public_text(where, (row["reporter_name"],), members),
        None,
        None,
        row["lat"],
        row["lon"],
        None,
    )


def request_fields(
    row: Mapping[str, Any],
    community: str,
    tz: tzinfo,
    note: str | None = None,
    members: Iterable[str] = (),
) -> dict[str, Any]:
    """One service request, with every field of the spec (``None`` where unknown)."""
    return dict(
        zip(REQUEST_FIELDS, request_values(row, community, tz, note, members), strict=True)
    )
