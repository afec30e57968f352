"""The web and delivery settings' old import path."""

from __future__ import annotations

from bot.config_sections import DeliverySettings as DeliverySettings  # where callers look
from bot.config_web import WebSettings as WebSettings
from bot.config_web import WebUser as WebUser
