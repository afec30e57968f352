"""The urgent alarm, run by the sweep: the ladder's rungs and the gentle reminder after an answer.

``realert`` sends the rung that is due now (``handlers/ladder.py``): after downtime the loudest
escalation among the missed slots, once, never a replay of each. ``nudge`` reminds whoever
answered an urgent ticket without 到场. Tickets alarmed in one sweep share one message per room
(and per person, for private messages), one line each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta

from handlers.commands.parser import ticket_ref
from handlers.events import Reply
from handlers.followups.deadlines import urgent_since
from handlers.followups.engine import SweepContext
from handlers.followups.notify import Notices, brief
from handlers.followups.tickets import still_planned, ticket_ids
from handlers.ladder import REALERT, REPEAT, SECRETARY, STREET, AlarmLadder
from handlers.policy import when
from storage.followups import DueRow, note_touched_ids
from storage.people import community_names
from storage.ticket_rows import TicketView, set_alerts, ticket_rows


def elapsed(minutes: int) -> str:
    """``45 分钟``, ``2 小时``, ``3 小时 20 分钟``: how long the ticket has waited."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} 分钟"
    return f"{hours} 小时" + (f" {rest} 分钟" if rest else "")


class Private:
    """Private messages collected per person: one message each, a line per ticket."""

    def __init__(self) -> None:
        """Start empty."""
        self._lines: dict[str, list[str]] = defaultdict(list)

    def add(self, contact_id: str, text: str) -> None:
        """Queue ``text`` for ``contact_id``."""
        self._lines[contact_id].append(text)

    def replies(self) -> list[Reply]:
        """The queued lines, a message per person; urgent, as they are about an emergency."""
        return [
            Reply("\n".join(lines), to_id=to, followup=True, urgent=True)
            for to, lines in self._lines.items()
        ]


def _rung_text(t: TicketView, rung: str, waited: str, boss: str, ladder: AlarmLadder) -> str:
    arrive = f"到场后回复「到场 {ticket_ref(t.id)}」。"
    if rung == REALERT:
        return (
            f"【急事再提醒】{brief(t)} 已 {waited}"
            f"无人回应。请马上到场并回复「到场 {ticket_ref(t.id)}」；"
            f"已在处理的请回复「认领 {ticket_ref(t.id)}」。"
        )
    if rung == SECRETARY:
        return f"【急事升级】{brief(t)} 已 {waited}无人回应！请{boss}协调，{arrive}"
    if rung == STREET:
        told = (
            f"已报告{ladder.street_contact_name}。请{boss}协调"
            if ladder.street_contact_id
            else f"请{boss}报告街道并协调"
        )
        return f"【急事上报街道】{brief(t)} 已 {waited}无人回应，{told}，{arrive}"
    return f"【急事仍无人回应】{brief(t)} 已 {waited}。请{boss}协调，{arrive}"


def realert(ctx: SweepContext, rows: Sequence[DueRow]) -> list[Reply]:
    """The alarm ladder's rung that is due now, for each urgent ticket nobody has answered."""
    tickets = ticket_rows(ctx.session, ticket_ids(rows))
    people = ctx.people({t.community_code for t in tickets.values()})
    policy, tz = ctx.services.policy, ctx.now.tzinfo
    ladder = policy.ladder
    notices, private = Notices(), Private()
    names: dict[str, str] | None = None
    touched: list[int] = []
    alerts: dict[int, int] = {}
    for _row, t in still_planned(ctx, rows, tickets):
        since = urgent_since(t, policy.deadlines)
        waiting = ctx.now_utc - since
        last = ladder.latest(waiting)
        touched.append(t.id)  # so the planner queues the next rung
        if last is None or last < t.alerts:
            continue  # not due after all (the ticket changed since the row was planned)
        rung = ladder.rung(t.alerts, last)
        alerts[t.id] = last + 1  # the slots missed while the bot was down are used up too
        boss, boss_ids = people.secretaries(t.community_code)
        waited = elapsed(int(waiting.total_seconds() // 60))
        text = _rung_text(t, rung, waited, boss, ladder)
        if ladder.last_of_its_day(last):
            upcoming = since + timedelta(minutes=ladder.minute(last + 1))
            text += f"（今天的提醒已到上限，下次 {when(upcoming, tz)}）"
        mentions = people.responders(t)
        if rung != REALERT and (more := [i for i in boss_ids if i not in mentions]):
            mentions = (*mentions, *more)
        six = people.six_party(t.community_code)
        # The reporters' group hears the three escalations; later reminders go to the six
        # parties alone (or, with no six-party group, where it was reported).
        rooms = (six, t.room_id) if rung != REPEAT else (six or t.room_id,)
        for room in dict.fromkeys(rooms):
            notices.add(room, text, mentions, urgent=True)
        if rung == STREET and ladder.street_contact_id:
            if names is None:
                names = _community_names(ctx, tickets.values())
            private.add(
                ladder.street_contact_id,
                f"【急事上报】{names.get(t.community_code, '')}{brief(t)} 已 {waited}无人到场，"
                f"社区书记：{boss}。请督促处置。",
            )
    # One UPDATE per count written, for every ticket alarmed (a TicketRow is read only).
    set_alerts(ctx.session, alerts)
    note_touched_ids(ctx.session, touched)
    return notices.replies() + private.replies()


def nudge(ctx: SweepContext, rows: Sequence[DueRow]) -> list[Reply]:
    """Remind whoever answered an urgent ticket without 到场 to confirm it: privately, or with
    an @ in the six-party group."""
    tickets = ticket_rows(ctx.session, ticket_ids(rows))
    people = ctx.people({t.community_code for t in tickets.values()})
    ladder = ctx.services.policy.ladder
    notices, private = Notices(), Private()
    for _row, t in still_planned(ctx, rows, tickets):
        ask = (
            f"到了现场请回复「到场 {ticket_ref(t.id)}」；"
            f"办好了请回复「办结 {ticket_ref(t.id)} 结果」。"
        )
        if ladder.claimed_remind_private and t.assignee_id:
            text = f"【到场提醒】您接手的急事 {brief(t)} 还没有回复到场。{ask}"
            private.add(t.assignee_id, text)
            continue
        who = t.assignee_name or "负责人"
        room = people.six_party(t.community_code) or t.room_id
        text = f"【到场提醒】{brief(t)} 由{who}接手，还没有回复到场。{ask}"
        notices.add(room, text, people.responsible(t), urgent=True)
    return notices.replies() + private.replies()


def _community_names(ctx: SweepContext, tickets: Iterable[TicketView]) -> dict[str, str]:
    codes = {t.community_code for t in tickets}
    return community_names(ctx.session, codes)
