"""Typed settings read from TOML with ``tomllib``; every problem names file, field and fix."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config_ops import (
    AlertSettings,
    HaSettings,
    LogSettings,
)
from bot.config_rules import (
    WebSettings,
    read_hall,
)
from bot.config_schema import SchemaReader
from bot.config_sections import CoreSections, DeliverySettings, WechatSettings, read_core
from bot.config_service import follow_up_rules
from bot.config_teams import (
    BuildingSettings,
    CatalogueSettings,
    TeamSettings,
    read_volunteers,
)
from handlers.ladder import AlarmLadder
from handlers.policy import Deadlines, DigestRules, FollowUpRules, HallSchedule, Policy
from handlers.vocabulary import GROUP_KINDS, ROLE_LABELS, ROLES
from handlers.workdays import ExtraDays
from storage.directory_edit import PHONE

_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True, slots=True)
class GroupSettings:
    """A chat room bound to a community."""

    room_id: str
    topic: str
    kind: str
    grid: str | None = None


@dataclass(frozen=True, slots=True)
class MemberSettings:
    """A named person and the role they hold."""

    id: str
    name: str
    role: str
    grid: str | None = None
    phone: str = ""  # shown masked on the dashboard
    on_duty: bool = False  # called on every urgent alert of the community


@dataclass(frozen=True, slots=True)
class CommunitySettings:
    """One community: its groups and members."""

    code: str
    name: str
    groups: tuple[GroupSettings, ...]
    members: tuple[MemberSettings, ...]
    hall: HallSchedule = field(default_factory=HallSchedule)
    teams: tuple[TeamSettings, ...] = ()
    buildings: tuple[BuildingSettings, ...] = ()
    catalogue: tuple[CatalogueSettings, ...] = ()


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot is configured with."""

    path: Path
    bot_name: str = "社区小助手"
    timezone: str = "Asia/Shanghai"
    max_text_chars: int = 2000
    database_url: str = "sqlite:///data/liufang.db"
    puppet_service_token: str = ""
    puppet_service_endpoint: str = ""
    web_admin_token: str = ""
    lexicon_files: tuple[Path, ...] = ()
    user_words: tuple[str, ...] = ()
    frame_files: tuple[Path, ...] = ()
    # The model `liufang learn` writes for this deployment; the shipped one until it exists.
    model_file: Path = Path("data/model.npz")
    district: str = ""
    communities: tuple[CommunitySettings, ...] = field(default=())
    deadlines: Deadlines = field(default_factory=Deadlines)
    duplicate_window_hours: int = 72
    duplicate_similarity: float = 0.34
    followups: FollowUpRules = field(default_factory=FollowUpRules)
    digests: DigestRules = field(default_factory=DigestRules)
    calendar: ExtraDays = field(default_factory=ExtraDays)
    ladder: AlarmLadder = field(default_factory=AlarmLadder)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    web: WebSettings = field(default_factory=WebSettings)
    wechat: WechatSettings = field(default_factory=WechatSettings)
    logging: LogSettings = field(default_factory=LogSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    ha: HaSettings = field(default_factory=HaSettings)

    @property
    def policy(self) -> Policy:
        """The service rules handed to the handlers."""
        return Policy(
            deadlines=self.deadlines,
            halls={c.code: c.hall for c in self.communities},
            duplicate_window_hours=self.duplicate_window_hours,
            duplicate_similarity=self.duplicate_similarity,
            followups=self.followups,
            digests=self.digests,
            ladder=self.ladder,
        )

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    @property
    def uses_wechat(self) -> bool:
        """True when a puppet-service token is configured, so WeChat replaces the console."""
        return bool(self.puppet_service_token)


class ConfigError(Exception):
    """The configuration has problems; ``problems`` lists each as 'file: field: what — fix'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings(path: Path | str, env: Mapping[str, str] | None = None) -> Settings:
    """Read, validate and return the settings in ``path``; raise ConfigError listing problems."""
    path = Path(path)
    env = os.environ if env is None else env
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: 文件不存在 — 复制 config.example.toml 为 {path}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: TOML 格式错误（{exc}）— 检查引号、括号和等号"]) from None
    reader = SchemaReader(str(path))
    core, reader.problems = read_core(raw, str(path), env)
    settings = _read(reader, raw, path, core)
    if reader.problems:
        raise ConfigError(reader.problems)
    return settings


def _read(r: SchemaReader, raw: dict[str, Any], path: Path, core: CoreSections) -> Settings:
    r.known_keys(
        "",
        raw,
        (
            "bot",
            "storage",
            "wechat",
            "web",
            "nlp",
            "deadlines",
            "duplicates",
            "followups",
            "alarm_ladder",
            "quiet_hours",
            "digests",
            "calendar",
            "delivery",
            "district",
            "communities",
            "logging",
            "alerts",
            "ha",
        ),
    )
    lexicons = tuple(_resolve(path, p) for p in core.nlp.lexicon_files)
    for i, lex in enumerate(lexicons):
        _check_lexicon(r, f"nlp.lexicon_files[{i}]", lex)
    frames = tuple(_resolve(path, p) for p in core.nlp.frame_files)
    _check_frames(r, frames)
    model_file = _resolve(path, core.nlp.model_file)
    _check_model(r, model_file)
    return Settings(
        path=path,
        bot_name=core.bot.name,
        timezone=core.bot.timezone,
        max_text_chars=core.bot.max_text_chars,
        database_url=core.storage.url,
        puppet_service_token=core.wechat.puppet_service_token,
        puppet_service_endpoint=core.wechat.puppet_service_endpoint,
        web_admin_token=core.web.admin_token,
        web=core.web.settings(),
        lexicon_files=lexicons,
        user_words=core.nlp.user_words,
        frame_files=frames,
        model_file=model_file,
        district=core.district.name,
        communities=_communities(r, raw),
        deadlines=core.deadlines.rules(),
        followups=follow_up_rules(core.followups, core.quiet_hours),
        digests=core.digests.rules(),
        calendar=core.calendar.days(),
        ladder=core.alarm_ladder.ladder(),
        delivery=core.delivery.settings(),
        wechat=core.wechat.settings(),
        logging=core.logging.settings(path.parent),
        alerts=core.alerts,
        ha=core.ha,
        duplicate_window_hours=core.duplicates.window_hours,
        duplicate_similarity=core.duplicates.min_similarity / 100,
    )


def _resolve(config_path: Path, p: str) -> Path:
    candidate = Path(p)
    return candidate if candidate.is_absolute() else config_path.parent / candidate


def _check_lexicon(r: SchemaReader, where: str, lex: Path) -> None:
    if not lex.is_file():
        r.problem(where, f"词库文件 {lex} 不存在", "检查路径（相对于配置文件所在目录）")
        return
    from handlers.understanding import validate_lexicon_file

    for err in validate_lexicon_file(lex):
        r.problem(where, err, "按 handlers/understanding/data/lexicon.toml 的格式改正")


def _check_frames(r: SchemaReader, files: tuple[Path, ...]) -> None:
    from handlers.understanding.frames import validate_frame_files

    for i, file in enumerate(files):
        if not file.is_file():
            r.problem(
                f"nlp.frame_files[{i}]", f"框架文件 {file} 不存在", "检查路径（相对于配置文件）"
            )
            return
    for err in validate_frame_files(files):
        r.problem("nlp.frame_files", err, "按 handlers/understanding/data/frames.toml 的格式改正")


def _check_model(r: SchemaReader, model_file: Path) -> None:
    """A model file that exists must load; a missing one means the shipped model is used."""
    if not model_file.is_file():
        return
    from handlers.understanding.model import LinearModel, ModelError

    try:
        LinearModel.load(model_file)
    except ModelError as exc:
        r.problem("nlp.model_file", str(exc), "重新运行 liufang learn，或删除该文件改用发布的模型")


def _communities(r: SchemaReader, raw: dict[str, Any]) -> tuple[CommunitySettings, ...]:
    items = r.table_list("communities", raw)
    if not items:
        r.problem(
            "communities", "没有配置任何社区", "至少写一段 [[communities]]，见 config.example.toml"
        )
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    seen_rooms: set[str] = set()
    result = []
    for i, item in enumerate(items):
        where = f"communities[{i}]"
        r.known_keys(
            where,
            item,
            ("code", "name", "groups", "members", "hall", "teams", "buildings", "catalogue"),
        )
        code = r.string(f"{where}.code", item, "code", "", required=True)
        if code and not _CODE_RE.match(code):
            r.problem(
                f"{where}.code", f"{code!r} 含有不允许的字符", "只用字母、数字和下划线，字母开头"
            )
        if code in seen_codes:
            r.problem(f"{where}.code", f"社区代码 {code!r} 重复", "每个社区用不同的代码")
        seen_codes.add(code)
        name = r.string(f"{where}.name", item, "name", "", required=True)
        if name in seen_names:
            r.problem(f"{where}.name", f"社区名称 {name!r} 重复", "每个社区用不同的名称")
        seen_names.add(name)
        groups = _groups(r, where, item, seen_rooms)
        grids = {g.grid for g in groups if g.kind == "grid"}
        members = _members(r, where, item, grids)
        teams, buildings, shop = read_volunteers(r, where, item, {m.id for m in members})
        result.append(
            CommunitySettings(
                code, name, groups, members, read_hall(r, where, item), teams, buildings, shop
            )
        )
    return tuple(result)


def _groups(
    r: SchemaReader, where: str, item: dict[str, Any], seen_rooms: set[str]
) -> tuple[GroupSettings, ...]:
    groups = []
    for j, g in enumerate(r.table_list(f"{where}.groups", item, key="groups")):
        gw = f"{where}.groups[{j}]"
        r.known_keys(gw, g, ("room_id", "topic", "kind", "grid"))
        room_id = r.string(f"{gw}.room_id", g, "room_id", "", required=True)
        if room_id in seen_rooms:
            r.problem(f"{gw}.room_id", f"群 id {room_id!r} 重复", "每个群的 room_id 必须不同")
        seen_rooms.add(room_id)
        kind = r.string(f"{gw}.kind", g, "kind", "", required=True)
        if kind and kind not in GROUP_KINDS:
            r.problem(
                f"{gw}.kind", f"{kind!r} 不是群类型", '写 "six_party"（六方群）或 "grid"（网格群）'
            )
        grid = r.string(f"{gw}.grid", g, "grid", "") or None
        if kind == "grid" and not grid:
            r.problem(f"{gw}.grid", "网格群没有写网格名称", '加一行 grid = "1网格"')
        topic = r.string(f"{gw}.topic", g, "topic", "", required=True)
        groups.append(GroupSettings(room_id, topic, kind, grid if kind == "grid" else None))
    six = [g for g in groups if g.kind == "six_party"]
    if len(six) != 1:
        r.problem(
            f"{where}.groups",
            f"六方群应当正好一个，现在有 {len(six)} 个",
            '给一个群写 kind = "six_party"',
        )
    return tuple(groups)


def _members(
    r: SchemaReader, where: str, item: dict[str, Any], grids: set[str | None]
) -> tuple[MemberSettings, ...]:
    members = []
    seen: set[str] = set()
    roles = "、".join(f"{code}（{ROLE_LABELS[code]}）" for code in ROLES)
    for j, m in enumerate(r.table_list(f"{where}.members", item, key="members")):
        mw = f"{where}.members[{j}]"
        r.known_keys(mw, m, ("id", "name", "role", "grid", "phone", "on_duty"))
        member_id = r.string(f"{mw}.id", m, "id", "", required=True)
        if member_id in seen:
            r.problem(f"{mw}.id", f"成员 id {member_id!r} 在本社区重复", "每人一个 id")
        seen.add(member_id)
        role = r.string(f"{mw}.role", m, "role", "resident")
        if role not in ROLES:
            r.problem(f"{mw}.role", f"{role!r} 不是角色", f"写以下之一：{roles}")
        grid = r.string(f"{mw}.grid", m, "grid", "") or None
        if role == "grid_leader" and grid not in grids:
            r.problem(
                f"{mw}.grid",
                f"网格长的网格 {grid!r} 没有对应的网格群",
                "写本社区某个网格群的 grid",
            )
        name = r.string(f"{mw}.name", m, "name", "", required=True)
        phone = r.string(f"{mw}.phone", m, "phone", "")
        if phone and not PHONE.match(phone):
            r.problem(f"{mw}.phone", f"{phone!r} 不是电话号码", "只写数字（可以带 + 和 -）")
        on_duty = m.get("on_duty", False)
        if not isinstance(on_duty, bool):
            r.problem(f"{mw}.on_duty", f"{on_duty!r} 不是 true/false", "写 true（值班）或 false")
            on_duty = False
        members.append(MemberSettings(member_id, name, role, grid, phone, on_duty))
    return tuple(members)
