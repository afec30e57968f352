"""One WeChat connection, and telling a failed send from one that went out.

Duck-typed over the ``Wechaty``, puppet and scheduler objects that ``bot/channels/wechaty.py``
creates, so this module needs no wechaty import of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any

log = logging.getLogger(__name__)

# Set while a send runs: collects the ids the puppet returned, so a failure *after* the text
# went out (wechaty loading the sent message back) is not taken for a failed send and resent.
_ACCEPTED: ContextVar[list[str] | None] = ContextVar("wechat_accepted", default=None)
STOP_TIMEOUT = 5.0


class Session:
    """One connection: a Wechaty, its puppet, and the task running the puppet's event stream."""

    def __init__(self, bot: Any, puppet: Any, scheduler: Any) -> None:
        self.bot, self.puppet, self.scheduler = bot, puppet, scheduler
        self.task: asyncio.Task[None] | None = None

    async def probe(self) -> None:
        """Ask the gateway for a ``dong``; a live stream answers, a dead one stays silent."""
        await self.puppet.ding("liufang-watchdog")

    async def close(self) -> None:
        """Stop the puppet, then make sure the stream task and the scheduler are gone."""
        try:
            await asyncio.wait_for(self.bot.stop(), STOP_TIMEOUT)
        except Exception as exc:  # a dead gateway may not answer the stop: drop it anyway
            log.info("WeChat: stopping the old connection failed: %s", exc)
        finally:
            if self.task is not None and not self.task.done():
                self.task.cancel()
                # wait() never raises, so a cancellation of close() itself still propagates.
                await asyncio.wait([self.task], timeout=STOP_TIMEOUT)
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)


def track_sends(puppet: Any) -> None:
    """Record each id the puppet's ``message_send_text`` returns, for :func:`sent_once`."""
    if getattr(puppet, "_liufang_tracked", False):
        return  # the same puppet object may serve several connections (tests reuse one)
    original = puppet.message_send_text

    async def send_text(
        conversation_id: str, message: str, mention_ids: list[str] | None = None
    ) -> str:
        msg_id = await original(conversation_id, message, mention_ids)
        accepted = _ACCEPTED.get()
        if accepted is not None:
            accepted.append(msg_id or "?")
        return msg_id

    puppet.message_send_text = send_text
    puppet._liufang_tracked = True


async def sent_once(sending: Awaitable[Any]) -> None:
    """Await a ``say``; re-raise its failure only when nothing reached the gateway."""
    accepted: list[str] = []
    token = _ACCEPTED.set(accepted)
    try:
        await sending
    except Exception:
        if not accepted:
            raise
        log.warning("WeChat: sent %s but could not load it back", accepted, exc_info=True)
    finally:
        _ACCEPTED.reset(token)
