"""Meetings of the deliberation hall: the next one per community, its agenda and its notices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from handlers.context import Services
from handlers.policy import Policy, when
from handlers.vocabulary import OPEN_STATES
from handlers.workdays import is_public_holiday
from storage import followups, meetings
from storage.checks import saved_id
from storage.db import Database
from storage.models import Meeting, Ticket
from storage.tickets import add_event, set_fields

# Notice kinds and how long before the meeting each one goes out; the last is the one that is
# still sent (at once) when a meeting is called at such short notice that its time has passed.
NOTICES: tuple[tuple[str, timedelta], ...] = (
    ("meeting_notice_3d", timedelta(days=3)),
    ("meeting_notice_1d", timedelta(days=1)),
    ("meeting_notice_1h", timedelta(hours=1)),
)
NOTICE_KINDS = tuple(kind for kind, _ in NOTICES)
# A meeting still not adjourned this long after it began is closed by plan_meetings (no
# meeting runs longer), so its open items move on to the next agenda the same evening.
STALE_AFTER = timedelta(hours=6)
# 休会 may close a meeting that is about to start (people sometimes begin early).
EARLY_START = timedelta(hours=1)
BOT = ("liufang", "议事厅")  # actor id and name of the events the bot records itself
BACK_LOOK = 31  # days a notice may move back off a holiday (the longest holiday is 8)


def schedule_notices(
    session: Session, meeting: Meeting, now: datetime, have: Iterable[str] = ()
) -> None:
    """Schedule the meeting's notices that are still ahead (and that it does not ``have``)."""
    meeting_id = saved_id(meeting)
    last = NOTICE_KINDS[-1]
    for kind, before in NOTICES:
        if kind in have:
            continue
        due = before_holiday(meeting.starts_at - before, now.tzinfo)
        if due <= now:
            if kind != last or meeting.starts_at <= now:
                continue  # a notice whose time has passed is not sent late
            due = now
        followups.schedule(
            session,
            kind=kind,
            community_code=meeting.community_code,
            due_at=due,
            now=now,
            meeting_id=meeting_id,
        )


def before_holiday(due: datetime, tz: tzinfo | None) -> datetime:
    """``due``, or the same time on the last day before it that is not a public holiday:
    a notice that would fall in the National Day week goes out before the week begins."""
    local = due.astimezone(tz)
    for _ in range(BACK_LOOK):
        if not is_public_holiday(local.date()):
            break
        local -= timedelta(days=1)
    return local


def ensure_meeting(
    session: Session, code: str, at: datetime, place: str, now: datetime, kind: str = "regular"
) -> tuple[Meeting, bool]:
    """The meeting of ``code`` at ``at``, created with its notices when missing; and if new."""
    if (found := meetings.meeting_at(session, code, at)) is not None:
        return found, False
    meeting = Meeting(
        community_code=code,
        starts_at=at,
        place=place,
        kind=kind,
        state="scheduled",
        created_at=now,
    )
    try:
        with session.begin_nested():  # another worker may create the same meeting at once
            session.add(meeting)
            session.flush()
    except IntegrityError:
        raced = meetings.meeting_at(session, code, at)
        if raced is None:  # the clash was about something else: not ours to hide
            raise
        return raced, False
    schedule_notices(session, meeting, now)
    return meeting, True


def upcoming(session: Session, code: str, now: datetime, policy: Policy) -> Meeting:
    """The community's earliest scheduled meeting after ``now``; the regular one is ensured."""
    hall = policy.hall(code)
    at = hall.next_meeting(now)
    regular, _ = ensure_meeting(session, code, at, hall.place, now)
    for _ in range(52):  # the regular slot was adjourned early: take the week after
        if regular.state == "scheduled":
            break
        at = hall.next_meeting(at)
        regular, _ = ensure_meeting(session, code, at, hall.place, now)
    return meetings.first_scheduled_after(session, code, now) or regular


def current(session: Session, code: str, now: datetime) -> Meeting | None:
    """The meeting under way (or the last one nobody adjourned), if any."""
    return meetings.last_scheduled_by(session, code, now + EARLY_START)


def is_live(meeting: Meeting | None, now: datetime) -> bool:
    """True for a scheduled meeting that is ahead or under way (not yet stale)."""
    return (
        meeting is not None
        and meeting.state == "scheduled"
        and meeting.starts_at > now - STALE_AFTER
    )


def place_on_agenda(session: Session, ticket: Ticket, now: datetime, policy: Policy) -> Meeting:
    """The meeting a difficult ticket is discussed at, putting it on the next one if need be."""
    if ticket.meeting_id is not None:
        meeting = session.get(Meeting, ticket.meeting_id)
        if meeting is not None and is_live(meeting, now):
            return meeting
    meeting = upcoming(session, ticket.community_code, now, policy)
    set_fields(session, ticket, {"meeting_id": meeting.id})
    return meeting


def agenda(session: Session, meeting_ids: Sequence[int]) -> dict[int, list[Ticket]]:
    """The unfinished items of each meeting, by ticket number (one query)."""
    found: dict[int, list[Ticket]] = {m: [] for m in meeting_ids}
    if not meeting_ids:
        return found
    for ticket in meetings.agenda_items(session, meeting_ids, OPEN_STATES):
        found[ticket.meeting_id or 0].append(ticket)
    return found


def move_items(
    session: Session, tickets: Iterable[Ticket], to: Meeting, now: datetime, note: str
) -> list[Ticket]:
    """Put ``tickets`` on meeting ``to``, each with an "agenda" event; returns those moved."""
    moved = []
    for ticket in tickets:
        if ticket.meeting_id == to.id:
            continue
        ticket.meeting_id = to.id
        actor_id, actor_name = BOT
        add_event(
            session,
            ticket,
            at=now,
            actor_id=actor_id,
            actor_name=actor_name,
            kind="agenda",
            note=note,
        )
        moved.append(ticket)
    return moved


def plan_meetings(session: Session, now: datetime, services: Services) -> None:
    """Every community's next regular meeting and its notices; stale meetings closed; every
    open difficult ticket placed on a live meeting. Idempotent; never commits."""
    policy = services.policy
    for meeting in meetings.scheduled_starting_by(session, now - STALE_AFTER):
        meeting.state = "adjourned"  # nobody typed 休会: its open items roll over below
        session.add(meeting)
    for meeting in meetings.scheduled_after(session, now, kind="regular"):
        # Planned before a holiday was known (or by an older version): its items move on to
        # the meeting the rule puts in its place, and no notice goes out for it.
        local = meeting.starts_at.astimezone(now.tzinfo)
        if not policy.hall(meeting.community_code).keeps(local):
            meeting.state = "cancelled"
            session.add(meeting)
    codes = meetings.community_codes(session)
    nexts = {code: upcoming(session, code, now, policy) for code in codes}
    ahead = meetings.scheduled_after(session, now)
    have = meetings.notice_kinds_of(session, [m.id for m in ahead], NOTICE_KINDS)
    for meeting in ahead:
        if len(have.get(meeting.id or 0, ())) < len(NOTICES):
            schedule_notices(session, meeting, now, have.get(meeting.id or 0, set()))
    adrift = meetings.adrift_items(session, now - STALE_AFTER, OPEN_STATES)
    for ticket in adrift:
        target = nexts.get(ticket.community_code)
        if target is not None:
            move_items(session, [ticket], target, now, agenda_note(target, now))
    session.flush()


def plan_all(db: Database, services: Services) -> int:
    """A scheduler step: :func:`plan_meetings` in a transaction of its own.

    It runs before the follow-up sweep, so a notice it schedules for right now goes out in the
    same run. Planning sends nothing itself, hence the count of 0.
    """
    with db.session() as session:
        plan_meetings(session, services.clock(), services)
        session.commit()
    return 0


def agenda_note(meeting: Meeting, now: datetime) -> str:
    """The event note of a ticket put on ``meeting``'s agenda."""
    return f"列入 {when(meeting.starts_at, now.tzinfo)} 议事厅会议议程"
