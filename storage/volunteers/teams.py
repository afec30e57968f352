"""Teams, their members, building duties and the catalogue: seeded from the configuration.

As with the directory, syncing inserts and updates what the configuration names and never
deletes: a catalogue item's stock is set by the configuration only when the item is new, so a
restart does not give back what was redeemed.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam
from sqlmodel import Session, col, select

from storage import core, driver
from storage.checks import saved_id
from storage.volunteers.models import (
    BuildingDuty,
    CatalogueItem,
    ServiceOrder,
    Team,
    TeamMember,
)


@dataclass(frozen=True, slots=True)
class TeamSeed:
    """A team as the configuration gives it."""

    community_code: str
    field: str
    name: str
    colour: str
    leader: tuple[str, str] | None  # (contact id, name)
    members: tuple[tuple[str, str], ...]
    words: tuple[str, ...] = ()


def sync_teams(session: Session, seeds: Sequence[TeamSeed]) -> None:
    """Upsert the configured teams and their members (flushes; the caller commits)."""
    for seed in seeds:
        team = team_of_field(session, seed.community_code, seed.field)
        if team is None:
            team = Team(
                community_code=seed.community_code,
                field=seed.field,
                name=seed.name,
                colour=seed.colour,
            )
        team.name, team.colour = seed.name, seed.colour
        team.leader_id, team.leader_name = seed.leader if seed.leader else (None, "")
        team.words = "|".join(seed.words)
        session.add(team)
        session.flush()
        team_id = saved_id(team)
        people = [seed.leader] if seed.leader else []
        for contact_id, name in [*people, *seed.members]:
            join_team(session, team_id, contact_id, name)
    session.flush()


def join_team(session: Session, team_id: int, contact_id: str, name: str) -> TeamMember:
    """Add a person to a team (or update their name); idempotent."""
    found = session.exec(
        select(TeamMember).where(
            TeamMember.team_id == team_id, TeamMember.contact_id == contact_id
        )
    ).first()
    if found is None:
        found = TeamMember(team_id=team_id, contact_id=contact_id, name=name)
    found.name = name
    session.add(found)
    session.flush()
    return found


def sync_buildings(session: Session, duties: Sequence[BuildingDuty]) -> None:
    """Upsert who is responsible for which building (包保楼栋)."""
    for duty in duties:
        found = session.exec(
            select(BuildingDuty).where(
                BuildingDuty.community_code == duty.community_code,
                BuildingDuty.building == duty.building,
            )
        ).first()
        if found is None:
            found = BuildingDuty(
                community_code=duty.community_code,
                building=duty.building,
                contact_id=duty.contact_id,
                name=duty.name,
            )
        found.contact_id, found.name = duty.contact_id, duty.name
        session.add(found)
        session.flush()


def sync_catalogue(session: Session, items: Sequence[CatalogueItem]) -> None:
    """Upsert catalogue items; the configured stock is the starting stock of a new item only."""
    for item in items:
        found = session.exec(
            select(CatalogueItem).where(
                CatalogueItem.community_code == item.community_code,
                CatalogueItem.name == item.name,
            )
        ).first()
        if found is None:
            found = CatalogueItem(
                community_code=item.community_code,
                name=item.name,
                stock=item.stock,
                halves=item.halves,
            )
        found.kind, found.halves, found.provider = item.kind, item.halves, item.provider
        session.add(found)
        session.flush()


def teams_of(session: Session, community: str) -> list[Team]:
    """The community's teams, in a stable order."""
    return core.load(session, Team, _teams_statement(), {"community": community})


@functools.cache
def _teams_statement() -> Select[Any]:
    """The teams of ``:community``, built once and read on the driver (``core.load``); a new
    ticket's 服务单 offer reads the same teams as plain values (:func:`team_choices`)."""
    return (
        core.select_rows(Team)
        .where(col(Team.community_code) == bindparam("community"))
        .order_by(col(Team.id))
    )


class TeamChoice(NamedTuple):
    """What offering a report to a team reads of the team: plain values, not a table row."""

    id: int
    field: str
    name: str
    words: str


def team_choices(session: Session, community: str) -> list[TeamChoice]:
    """:func:`teams_of` as plain values, in the same order: every new ticket asks, and each
    attribute read of a table row goes through the ORM's instrumentation."""
    rows = driver.of(session).rows(_choices_statement(), {"community": community})
    return [TeamChoice(*row) for row in rows]


@functools.cache
def _choices_statement() -> Select[int | None, str, str, str]:
    """The columns of :class:`TeamChoice` of ``:community``'s teams, built once."""
    return (
        select(col(Team.id), col(Team.field), col(Team.name), col(Team.words))
        .where(col(Team.community_code) == bindparam("community"))
        .order_by(col(Team.id))
    )


def member_contacts(session: Session, team_id: int) -> list[str]:
    """The contact ids of :func:`members_of`, in the same order, as plain values."""
    rows = driver.of(session).rows(_contacts_statement(), {"team": team_id})
    return [contact_id for (contact_id,) in rows]


@functools.cache
def _contacts_statement() -> Select[Any]:
    """The contact ids of team ``:team``'s members, built once."""
    return (
        select(col(TeamMember.contact_id))
        .where(col(TeamMember.team_id) == bindparam("team"))
        .order_by(col(TeamMember.id))
    )


def team_of_field(session: Session, community: str, field: str) -> Team | None:
    """The community's team for one field."""
    return session.exec(
        select(Team).where(Team.community_code == community, Team.field == field)
    ).first()


def members_of(session: Session, team_id: int) -> list[TeamMember]:
    """A team's members, in the order they joined."""
    return core.load(session, TeamMember, _members_statement(), {"team": team_id})


@functools.cache
def _members_statement() -> Select[Any]:
    """The members of team ``:team``, built once and read on the driver (``core.load``):
    every ticket offered to a team asks."""
    return (
        core.select_rows(TeamMember)
        .where(col(TeamMember.team_id) == bindparam("team"))
        .order_by(col(TeamMember.id))
    )


def is_member(session: Session, team_id: int, contact_id: str) -> bool:
    """Whether the person is in the team."""
    return (
        session.exec(
            select(TeamMember.id).where(
                TeamMember.team_id == team_id, TeamMember.contact_id == contact_id
            )
        ).first()
        is not None
    )


def leave_team(session: Session, team_id: int, contact_id: str) -> bool:
    """Take the person off the team; whether they were on it."""
    row = session.exec(
        select(TeamMember).where(
            TeamMember.team_id == team_id, TeamMember.contact_id == contact_id
        )
    ).first()
    if row is None:
        return False
    session.delete(row)
    return True


def duty_contact(session: Session, community: str, building: str) -> str | None:
    """The contact id of whoever is responsible for this building (包保楼栋), if anyone: a
    plain value read on the driver, since every new ticket that names a building asks."""
    params = {"community": community, "building": building}
    found = driver.of(session).first(_duty_contact_statement(), params)
    return found[0] if found else None


@functools.cache
def _duty_contact_statement() -> Select[Any]:
    """The contact id of ``:building``'s duty in ``:community``, built once."""
    return select(col(BuildingDuty.contact_id)).where(
        col(BuildingDuty.community_code) == bindparam("community"),
        col(BuildingDuty.building) == bindparam("building"),
    )


def order_for_update(session: Session, ticket_id: int | None) -> ServiceOrder | None:
    """The ticket's 服务单 (offered to a team), if it is one, locked until the commit."""
    return session.exec(
        select(ServiceOrder).where(ServiceOrder.ticket_id == ticket_id).with_for_update()
    ).first()
