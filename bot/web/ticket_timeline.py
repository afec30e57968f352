"""The timeline of a ticket page: what people did (its events) and what the bot did by itself
(the follow-ups that were sent: reminders, overdue notices, re-alerts), in time order, and the
next follow-up planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.models import FollowUp, TicketEvent

EVENT_LABELS = {
    "reported": "报事",
    "claim": "认领",
    "arrive": "到场",
    "progress": "进展",
    "resolve": "办结",
    "reject": "驳回",
    "reopen": "重办",
    "rate": "评价",
    "plus_one": "+1 反映",
    "merge": "合并",
    "transfer": "转交",
    "reclass": "改类",
    "reclass_request": "改类申请",
    "answer": "回应急事",
    "evidence": "照片/视频",
    "agenda": "列入议程",
    "resolution": "议事决议",
    "visit": "回访",
    "autoclose": "自动结案",
    "service": "服务单",
}
# What the bot did by itself (follow-ups that were sent), for the timeline.
FOLLOWUP_LABELS = {
    "remind": "提醒负责方",
    "overdue": "超期提醒",
    "late": "超期督办",
    "realert": "急事再提醒",
    "nudge": "催促到场",
    "visit": "回访",
    "autoclose": "自动结案",
}
HAS_EVENT = frozenset({"visit", "autoclose"})  # these record their own event when they run


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the timeline: a person's action (an event) or a follow-up the bot sent."""

    at: datetime
    label: str
    actor_name: str
    kind: str = ""  # the event's kind; "" for the bot's follow-ups
    from_state: str | None = None
    to_state: str | None = None
    note: str = ""


def timeline(
    events: list[TicketEvent], runs: list[FollowUp], bot: str
) -> tuple[list[Step], Step | None]:
    """Events and sent follow-ups in time order, and the next follow-up still to come."""
    steps = [
        Step(
            e.at,
            EVENT_LABELS.get(e.kind, e.kind),
            e.actor_name,
            e.kind,
            e.from_state,
            e.to_state,
            e.note,
        )
        for e in events
    ]
    for f in runs:
        shown = f.kind in FOLLOWUP_LABELS and f.kind not in HAS_EVENT and f.outcome == "sent"
        if shown and f.done_at is not None:
            steps.append(Step(f.done_at, FOLLOWUP_LABELS[f.kind], bot))
    steps.sort(key=lambda step: step.at)  # stable: events keep their order at equal times
    pending = [f for f in runs if f.kind in FOLLOWUP_LABELS and f.done_at is None]
    nxt = min(pending, key=lambda f: f.due_at, default=None)
    coming = Step(nxt.due_at, FOLLOWUP_LABELS[nxt.kind], bot) if nxt is not None else None
    return steps, coming
