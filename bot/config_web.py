"""The [web] section, declared: where the server listens, who may log in, the Open311 key.

Log-in accounts (``[[web.users]]``) seed the database's dashboard users at the first start
(``bot.directory``); a user's community must be one the file names, or ``"*"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator

from bot.config_model import Section, blank_is_default, env_field, matching, one_of, plain, problem
from handlers.vocabulary import SIX_PARTIES


@dataclass(frozen=True, slots=True)
class WebUser:
    """A person who may log in to the dashboard."""

    username: str
    password_hash: str  # scrypt$… from `liufang hash-password`
    name: str
    role: str  # secretary | committee | … (the six parties)
    community: str  # community code; "*" for the district (every community)
    disabled: bool = False  # kept on record, may not log in


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The web server: where it listens, who may log in, the Open311 key."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    session_minutes: int = 120
    open311_api_key: str = ""
    users: tuple[WebUser, ...] = ()
    # How the public reaches the server (https://bot.example.org); Open311 discovery names it.
    public_url: str = ""


_WEB = WebSettings()
_ROLES = f"写以下之一：{', '.join(sorted(SIX_PARTIES))}"
_URL = r"https?://[^\s/?#@]+(?:/[^\s?#]*)?"
_URL_FIX = '写居民访问本服务的地址，例如 "https://bot.example.org"'


class WebUserEntry(Section):
    """One ``[[web.users]]`` table."""

    username: str = Field(min_length=1)
    password_hash: str = Field(min_length=1)
    name: str = ""
    role: Annotated[str, one_of(sorted(SIX_PARTIES), "{!r} 不能登录后台", _ROLES)] = "committee"
    community: str = Field(min_length=1)
    disabled: bool = False

    @field_validator("password_hash")
    @classmethod
    def _hashed(cls, value: str) -> str:
        if not value.startswith("scrypt$"):
            raise problem("不是密码哈希（不要写明文密码）", "用 liufang hash-password 生成后粘贴")
        return value

    @field_validator("community")
    @classmethod
    def _named(cls, community: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("communities")
        if community != "*" and known is not None and community not in known:
            raise problem(f"没有代码为 {community!r} 的社区", '写社区的 code，或 "*"（全街道）')
        return community

    def user(self) -> WebUser:
        """The account (its name defaults to the username)."""
        return WebUser(
            self.username,
            self.password_hash,
            self.name or self.username,
            self.role,
            self.community,
            self.disabled,
        )


class WebSection(Section):
    """[web]: the server, the admin and Open311 secrets, the log-in accounts."""

    enabled: bool = _WEB.enabled
    host: str = blank_is_default(_WEB.host)
    port: int = Field(_WEB.port, ge=0, le=65535)
    public_url: Annotated[str, matching(_URL, "{!r} 不是网址", _URL_FIX)] = _WEB.public_url
    session_minutes: int = Field(_WEB.session_minutes, ge=5, le=24 * 60)
    open311_api_key: str = env_field("LIUFANG_OPEN311_API_KEY", _WEB.open311_api_key)
    admin_token: str = env_field("LIUFANG_WEB_ADMIN_TOKEN", "")
    users: list[WebUserEntry] = Field(default_factory=list)

    def settings(self) -> WebSettings:
        """The web server's settings."""
        return plain(self, WebSettings, users=tuple(u.user() for u in self.users))


def community_codes(raw: dict[str, Any]) -> set[str]:
    """The codes the file's [[communities]] give (for checking the users' communities)."""
    items = raw.get("communities", [])
    if not isinstance(items, list):
        return set()
    return {c.get("code", "") for c in items if isinstance(c, dict)}
