"""The web features, in the order their routes are added (each module's ``setup``)."""

from __future__ import annotations

from bot.web.server import Setup


def default_features() -> list[Setup]:
    """Every web feature of the bot; each developer adds their module's ``setup`` here."""
    features: list[Setup] = []
    return features
