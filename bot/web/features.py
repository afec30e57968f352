"""The web features, in the order their routes are added (each module's ``setup``)."""

from __future__ import annotations

from bot.web import (
    accounts,
    audit,
    auth,
    dashboard,
    failures,
    health,
    open311,
    people,
    public,
    simulator,
    volunteers,
)
from bot.web.server import Setup


def default_features() -> list[Setup]:
    """Every web feature of the bot; each developer adds their module's ``setup`` here."""
    # auth first: its middleware guards every route the later features add.
    features: list[Setup] = [
        auth.setup,
        dashboard.setup,
        volunteers.setup,
        people.setup,
        accounts.setup,
        audit.setup,
        failures.setup,
        public.setup,
        open311.setup,
        simulator.setup,
        health.setup,
    ]
    return features
