"""Photos and videos for web tests: a real small PNG, and media messages as the channel
reports them (the saved file's path as the text, the kind ``image`` or ``video``)."""

from __future__ import annotations

import dataclasses
import struct
import zlib
from pathlib import Path

from sqlmodel import select

from storage.models import TicketEvidence
from tests.support.web import G1, DashboardSite


def png(width: int = 160, height: int = 120) -> bytes:
    """A small gradient PNG (a real picture a browser can draw)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(
        b"\x00"
        + b"".join(
            bytes((200, 40 + 160 * x // width, 60 + 150 * y // height)) for x in range(width)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


async def send_media(site: DashboardSite, line: str, kind: str) -> None:
    """Say ``[group] name: <saved path>`` as a photo or video message, as the channel does."""
    event = dataclasses.replace(site.bot.event(line), kind=kind)
    await site.bot.send(event)


async def attach(site: DashboardSite, tmp_path: Path) -> tuple[int, list[int]]:
    """A fresh report in 1网格 with a photo, a video and a photo the channel could not save."""
    await site.seed([("wall", f"{G1} 李网格长: 6栋外墙瓷砖掉下来了")])
    folder = tmp_path / "media" / "2026-11-26"
    folder.mkdir(parents=True)
    (folder / "a.png").write_bytes(png())
    (folder / "b.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    await send_media(site, f"{G1} 李网格长: {folder / 'a.png'}", "image")
    await send_media(site, f"{G1} 李网格长: {folder / 'b.mp4'}", "video")
    await send_media(site, f"{G1} 李网格长: ", "image")  # not fetched: only the message id
    with site.bot.db.session() as s:
        ids = [e.id for e in s.exec(select(TicketEvidence).order_by(TicketEvidence.id))]
    return site.tickets["wall"], [i for i in ids if i is not None]
