"""Typed settings read from TOML with ``tomllib``; every problem names file, field and fix."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config_communities import CommunitySettings, none_given
from bot.config_ops import AlertSettings, HaSettings, LogSettings
from bot.config_sections import (
    CoreSections,
    DeliverySettings,
    NlpSection,
    WechatSettings,
    read_core,
)
from bot.config_service import follow_up_rules
from bot.config_web import WebSettings
from handlers.ladder import AlarmLadder
from handlers.policy import Deadlines, DigestRules, FollowUpRules, Policy
from handlers.workdays import ExtraDays


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot is configured with (the defaults are the sections')."""

    path: Path
    bot_name: str
    timezone: str
    max_text_chars: int
    database_url: str
    puppet_service_token: str
    puppet_service_endpoint: str
    web_admin_token: str
    lexicon_files: tuple[Path, ...]
    user_words: tuple[str, ...]
    frame_files: tuple[Path, ...]
    model_file: Path  # `liufang learn` writes it; the shipped model until it exists
    district: str
    communities: tuple[CommunitySettings, ...]
    deadlines: Deadlines
    duplicate_window_hours: int
    duplicate_similarity: float
    followups: FollowUpRules
    digests: DigestRules
    calendar: ExtraDays
    ladder: AlarmLadder
    delivery: DeliverySettings
    web: WebSettings
    wechat: WechatSettings
    logging: LogSettings
    alerts: AlertSettings
    ha: HaSettings

    @property
    def policy(self) -> Policy:
        """The service rules handed to the handlers."""
        return Policy(
            deadlines=self.deadlines,
            halls={c.code: c.hall.schedule() for c in self.communities},
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
    core, problems = read_core(raw, str(path), env)
    problems += [f"{path}: {line}" for line in none_given(raw)]
    files = _nlp_files(problems, path, core.nlp)  # checked even when a section failed
    if problems:
        raise ConfigError(problems)
    return _settings(path, core, files)


_Files = tuple[tuple[Path, ...], tuple[Path, ...], Path]  # lexicons, frames, model


def _nlp_files(problems: list[str], path: Path, nlp: NlpSection) -> _Files:
    """The [nlp] files resolved against the config's folder, each checked (None: unknown)."""

    def problem(where: str, what: str, fix: str) -> None:
        problems.append(f"{path}: {where}: {what} — {fix}")

    lexicons = tuple(_resolve(path, p) for p in nlp.lexicon_files or ())
    for i, lex in enumerate(lexicons):
        _check_lexicon(problem, f"nlp.lexicon_files[{i}]", lex)
    frames = tuple(_resolve(path, p) for p in nlp.frame_files or ())
    _check_frames(problem, frames)
    model_file = _resolve(path, nlp.model_file or "")
    if nlp.model_file is not None:  # None: it failed, its problem is raised already
        _check_model(problem, model_file)
    return lexicons, frames, model_file


def _settings(path: Path, core: CoreSections, files: _Files) -> Settings:
    return Settings(
        path=path,
        lexicon_files=files[0],
        frame_files=files[1],
        model_file=files[2],
        bot_name=core.bot.name,
        timezone=core.bot.timezone,
        max_text_chars=core.bot.max_text_chars,
        database_url=core.storage.url,
        puppet_service_token=core.wechat.puppet_service_token,
        puppet_service_endpoint=core.wechat.puppet_service_endpoint,
        web_admin_token=core.web.admin_token,
        web=core.web.settings(),
        user_words=core.nlp.user_words,
        district=core.district.name,
        communities=core.communities,
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


Problem = Callable[[str, str, str], None]  # (where, what, fix)


def _resolve(config_path: Path, p: str) -> Path:
    candidate = Path(p)
    return candidate if candidate.is_absolute() else config_path.parent / candidate


def _check_lexicon(problem: Problem, where: str, lex: Path) -> None:
    if not lex.is_file():
        problem(where, f"词库文件 {lex} 不存在", "检查路径（相对于配置文件所在目录）")
        return
    from handlers.understanding import validate_lexicon_file

    for err in validate_lexicon_file(lex):
        problem(where, err, "按 handlers/understanding/data/lexicon.toml 的格式改正")


def _check_frames(problem: Problem, files: tuple[Path, ...]) -> None:
    from handlers.understanding.frames import validate_frame_files

    for i, file in enumerate(files):
        if not file.is_file():
            problem(
                f"nlp.frame_files[{i}]", f"框架文件 {file} 不存在", "检查路径（相对于配置文件）"
            )
            return
    for err in validate_frame_files(files):
        problem("nlp.frame_files", err, "按 handlers/understanding/data/frames.toml 的格式改正")


def _check_model(problem: Problem, model_file: Path) -> None:
    """A model file that exists must load; a missing one means the shipped model is used."""
    if not model_file.is_file():
        return
    from handlers.understanding.model import LinearModel, ModelError

    try:
        LinearModel.load(model_file)
    except ModelError as exc:
        problem("nlp.model_file", str(exc), "重新运行 liufang learn，或删除该文件改用发布的模型")
