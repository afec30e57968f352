"""Directory reads the chat handlers need: members of a community, its groups, names.

:mod:`storage.directory` holds the writes and the generic look-ups; these are the questions
particular commands ask (who is secretary here, which six-party room, which grid groups).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import Session, col, select

from storage.models import Community, Group, Member


def is_secretary(session: Session, contact_id: str, community: str) -> bool:
    """Whether this contact is a secretary of the community."""
    stmt = select(Member).where(
        Member.contact_id == contact_id,
        Member.community_code == community,
        Member.role == "secretary",
    )
    return session.exec(stmt).first() is not None


def communities_by_name_desc(session: Session) -> list[Community]:
    """Every community, by name descending (a longer name before its own prefix)."""
    return list(session.exec(select(Community).order_by(col(Community.name).desc())))


def community_names(session: Session, codes: Collection[str]) -> dict[str, str]:
    """Code → name of these communities (unknown codes are left out)."""
    stmt = select(Community.code, Community.name).where(col(Community.code).in_(codes))
    return dict(session.exec(stmt).all())


def members_of(session: Session, community: str) -> list[Member]:
    """The community's members, oldest first."""
    stmt = select(Member).where(Member.community_code == community).order_by(col(Member.id))
    return list(session.exec(stmt).all())


def members_named(session: Session, community: str, name: str) -> list[Member]:
    """The community's members whose display name is exactly ``name`` (names repeat)."""
    stmt = select(Member).where(Member.community_code == community, Member.name == name)
    return list(session.exec(stmt).all())


def member_by_contact_or_name(
    session: Session, community: str, contact_id: str | None, name: str
) -> Member | None:
    """The community's member with this contact id, or (no id given) this name."""
    stmt = select(Member).where(
        Member.community_code == community,
        (Member.contact_id == contact_id) if contact_id else (Member.name == name),
    )
    return session.exec(stmt).first()


def six_party_group(session: Session, community: str) -> Group | None:
    """The community's bound six-party group, if any."""
    stmt = select(Group).where(Group.community_code == community, Group.kind == "six_party")
    return session.exec(stmt).first()


def six_party_room(session: Session, community: str) -> str | None:
    """The room id of the community's six-party group, if one is bound."""
    stmt = select(Group.room_id).where(
        Group.community_code == community, Group.kind == "six_party"
    )
    return session.exec(stmt).first()


def grid_groups(session: Session, community: str | None) -> list[Group]:
    """Grid groups by name: the community's, or every community's when ``None``."""
    stmt = select(Group).where(Group.kind == "grid").order_by(col(Group.topic))
    if community:
        stmt = stmt.where(Group.community_code == community)
    return list(session.exec(stmt))
