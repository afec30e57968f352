"""The WeChat channel's plain helpers: mentions, message kinds, media files, operator notes.

Nothing here imports wechaty, so it is cheap to import and to test on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

AT_SEPARATOR = "\u2005"  # WeChat puts a four-per-em space after an @name

# wechaty_puppet.MessageType values (from the puppet-service protocol) → ``Inbound.kind``.
# Absent: 0 unspecified (system notices such as "X joined"), 13 recalled — both are ignored.
KIND_BY_TYPE: dict[int, str] = {
    1: "file",
    2: "voice",
    3: "other",  # contact card
    4: "emoticon",
    5: "image",
    6: "text",
    7: "video",
    8: "other",  # forwarded chat history
    9: "other",  # location
    10: "other",  # mini program
    11: "other",  # transfer
    12: "other",  # red envelope
    14: "other",  # link
}
MEDIA_SUFFIX = {"image": ".jpg", "video": ".mp4"}
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")

QR_PAGE = "https://wechaty.js.org/qrcode/"
OFFLINE_NOTICE = (
    "【微信连接】{bot}掉线约 {minutes} 分钟，{now:%H:%M} 已重新连上。"
    "掉线期间群里的消息可能没有收到，请提醒大家把没有得到回复的报事再发一次。"
)


def strip_bot_mention(text: str, names: Iterable[str]) -> tuple[str, bool]:
    """Remove ``@name`` of the bot (any of its names) from ``text``; say whether it was there."""
    found = False
    for name in {n for n in names if n}:
        pattern = re.compile(f"@{re.escape(name)}(?:{AT_SEPARATOR}|\\s|$)")
        text, count = pattern.subn(" ", text)
        found = found or count > 0
    return (text.strip() if found else text), found


def media_path(media_dir: Path, msg_id: str, kind: str, name: str | None, day: datetime) -> Path:
    """Where a received photo or video is saved: one folder per day, named by message id."""
    suffix = _SAFE.sub("", Path(name or "").suffix)[:8].lower() or MEDIA_SUFFIX.get(kind, ".bin")
    stem = _SAFE.sub("_", msg_id)[:100] or "message"
    return media_dir / f"{day:%Y-%m-%d}" / f"{stem}{suffix}"


def qr_link(qrcode: str) -> str:
    """A web page that shows the login QR code, for an operator without a terminal QR."""
    return QR_PAGE + quote(qrcode, safe="")


def offline_notice(bot: str, seconds: float, now: datetime) -> str:
    """The private note to the secretaries after a long disconnection."""
    return OFFLINE_NOTICE.format(bot=bot, minutes=max(1, round(seconds / 60)), now=now)
