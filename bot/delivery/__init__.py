"""Outbox delivery: the one place that sends.

Every message the bot sends is an outbox row first (written in the same transaction as what
caused it); :class:`OutboxSender` delivers them through the channel:

- **Order**: urgent rows first, in every room; then per recipient (room, or person for
  private messages) in row order. A recipient whose send failed is held until that row's
  retry, so later rows do not overtake it.
- **Rate limits**: sliding one-minute windows per recipient and over all recipients
  (``[delivery]`` in the config); every part of a split text counts. A share of each window
  (``urgent_reserve_*``) is only for urgent rows, so an alarm never waits behind routine
  traffic. A row that cannot go now stays pending. Channels that cannot be flooded (the
  console) opt out.
- **Long texts** are split at ``max_message_chars`` (or the channel's own ``max_text_chars``,
  whichever is smaller), at line breaks where possible; mentions go with the first part.
  Progress is saved after each part (``outbox.sent_chars``), so a retry or a restart resumes
  at the first part not yet delivered.
- **Merging**: a run of consecutive ``followup`` rows of one priority for one recipient is sent
  as one message (joined by a blank line, mentions unioned) while it fits the length limit and
  calls at most ``MENTIONS_PER_MESSAGE`` people; ``reply`` rows are never merged. After
  downtime this coalesces what fell due into one message per room.
- **Quiet hours**: a non-urgent ``followup`` is deferred (``not_before``) to the end of the
  quiet hours; urgent follow-ups and replies always go.
- **Retries**: exponential backoff from 2 s, capped at ``retry_max_minutes``. A recipient that
  refuses every attempt while the channel is up becomes a dead letter after ``MAX_FAILURES``
  failures in a row (:mod:`bot.delivery.deadletter`); nothing is dropped unseen.
- **Exactly once**: see :mod:`bot.delivery.sender` for the one window where it is not.
"""

from bot.delivery.rows import backoff
from bot.delivery.sender import OutboxSender

__all__ = ["OutboxSender", "backoff"]
