"""Loading the settings for a command line tool: the settings, or the problems printed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.config import ConfigError, Settings, load_settings


def settings_or_report(config: Path, out: TextIO | None = None) -> Settings | None:
    """The settings of ``config``; None after printing its problems, one a line, to ``out``
    (stderr by default), so the command can exit 1 with the operator told what to fix."""
    try:
        return load_settings(config)
    except ConfigError as exc:
        out = out or sys.stderr
        print(f"配置有 {len(exc.problems)} 处问题，请先改正 / configuration problems:", file=out)
        for line in exc.problems:
            print(f"  - {line}", file=out)
        return None
