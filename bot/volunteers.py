"""Seeds the teams, building duties and catalogue of the configuration into the database."""

from __future__ import annotations

from sqlmodel import Session

from bot.config import Settings
from handlers.teams.fields import FIELDS
from storage.volunteers.models import BuildingDuty, CatalogueItem
from storage.volunteers.teams import TeamSeed, sync_buildings, sync_catalogue, sync_teams


def seed_volunteers(session: Session, settings: Settings) -> None:
    """Upsert every community's teams, 包保楼栋 and catalogue (flushes; the caller commits)."""
    seeds: list[TeamSeed] = []
    duties: list[BuildingDuty] = []
    items: list[CatalogueItem] = []
    for c in settings.communities:
        names = {m.id: m.name for m in c.members}
        for t in c.teams:
            field = FIELDS[t.field]
            seeds.append(
                TeamSeed(
                    community_code=c.code,
                    field=t.field,
                    name=t.name or field.name,
                    colour=t.colour or field.colour,
                    leader=(t.leader, names.get(t.leader, t.leader)) if t.leader else None,
                    members=tuple((m, names.get(m, m)) for m in t.members),
                    words=t.words,
                )
            )
        duties.extend(
            BuildingDuty(
                community_code=c.code, building=b.building, contact_id=b.id, name=names[b.id]
            )
            for b in c.buildings
        )
        items.extend(
            CatalogueItem(
                community_code=c.code,
                name=i.name,
                kind=i.kind,
                halves=round(i.hours * 2),
                stock=i.stock,
                provider=i.provider,
            )
            for i in c.catalogue
        )
    sync_teams(session, seeds)
    sync_buildings(session, duties)
    sync_catalogue(session, items)
