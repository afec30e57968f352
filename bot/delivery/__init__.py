"""Outbox delivery: the one place that sends (rate limits, splitting, merging, retries)."""

from bot.delivery.sender import OutboxSender, backoff

__all__ = ["OutboxSender", "backoff"]
