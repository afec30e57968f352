"""What a handler is given: the message, its group and sender, a session and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from handlers.events import Inbound
from handlers.policy import Policy
from handlers.understanding.frames import Emergency
from handlers.understanding.types import Classification
from storage.models import Group, Member, Ticket
from storage.tickets import add_event


class Classifier(Protocol):
    """The part of message understanding that handlers use."""

    def classify(self, text: str) -> Classification:
        """Understand one message."""
        ...

    def tokenize(self, text: str) -> list[str]:
        """Search tokens of a text."""
        ...

    def emergency(self, text: str) -> Emergency | None:
        """The emergency number and safety line a report calls for, if any."""
        ...


@dataclass(frozen=True, slots=True)
class Services:
    """Injected collaborators shared by every handler."""

    clock: Callable[[], datetime]
    nlp: Classifier
    bot_name: str = "社区小助手"
    max_text_chars: int = 2000
    policy: Policy = field(default_factory=Policy)


@dataclass(slots=True)
class Context:
    """One message being handled: the event, where it came from, who sent it, and the session.

    ``text`` is the normalised, possibly truncated text; ``truncated`` says whether it was cut.
    """

    event: Inbound
    session: Session
    services: Services
    now: datetime
    text: str
    truncated: bool
    group: Group | None
    member: Member | None
    # Set when the message concerns an urgent ticket: its replies then jump the queues.
    urgent: bool = False

    @property
    def community_code(self) -> str | None:
        """The community this message belongs to: the group's, or the sender's in private."""
        if self.group is not None:
            return self.group.community_code
        return self.member.community_code if self.member else None

    def record(
        self, ticket: Ticket, kind: str, to_state: str | None = None, note: str = ""
    ) -> None:
        """Add an event by the sender to the ticket's history (moving it to ``to_state``)."""
        add_event(
            self.session,
            ticket,
            at=self.now,
            actor_id=self.event.sender_id,
            actor_name=self.event.sender_name,
            kind=kind,
            to_state=to_state,
            note=note,
        )

    def concerns(self, ticket: Ticket) -> None:
        """Note the ticket this message is about: an urgent one makes every reply urgent.

        So does a 可能是急事 one until it is settled: possible danger waits for nobody.
        """
        if ticket.klass == "urgent" or ticket.maybe_urgent:
            self.urgent = True

    @property
    def role(self) -> str:
        """The sender's role in this group's community (``resident`` when unknown)."""
        return self.member.role if self.member else "resident"
