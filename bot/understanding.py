"""Loading message understanding as a deployment configures it (lexicons, frames, model)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from handlers.understanding import Understanding
from handlers.understanding.model import SHIPPED_MODEL

if TYPE_CHECKING:
    from bot.config import Settings


def model_path(settings: Settings | None) -> Path:
    """The deployment's learned model once ``liufang learn`` wrote it, else the shipped one."""
    if settings is not None and settings.model_file.is_file():
        return settings.model_file
    return SHIPPED_MODEL


def load_understanding(settings: Settings | None, *, model: bool = True) -> Understanding:
    """Understanding with the config's lexicons, words, frames and model (defaults: shipped).

    ``model=False`` leaves the learned model out: the rules alone, as training needs them.
    """
    chosen = model_path(settings) if model else None
    if settings is None:
        return Understanding.load(model_file=chosen)
    return Understanding.load(
        settings.lexicon_files, settings.user_words, settings.frame_files, chosen
    )
