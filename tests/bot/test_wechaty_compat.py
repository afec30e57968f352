"""wechaty is patched and imported when a WeChat channel is made, once; importing does nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

STATE = """
import json, logging, os, sys
from wechaty_puppet.schemas.puppet import PuppetOptions
def state():
    return {
        "wechaty": "wechaty" in sys.modules,
        "patched": PuppetOptions.__hash__ is not None,
        "env": sorted(k for k in ("CACHE_DIR", "WECHATY_LOG") if k in os.environ),
        "filters": len(logging.getLogger("Wechaty").filters),
    }
"""


def run(code: str) -> dict[str, object]:
    """The process state ``code`` leaves, from a fresh interpreter (nothing patched yet)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_DIR", "WECHATY_LOG")}
    script = STATE + code + "\nprint(json.dumps(state()))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_importing_the_wechat_modules_patches_nothing() -> None:
    state = run("import bot.channels.wechaty, bot.channels.wechaty_compat, bot.cli, bot.run_cli")
    assert state == {"wechaty": False, "patched": False, "env": [], "filters": 0}


def test_making_a_channel_patches_and_imports_wechaty_once() -> None:
    code = """
from bot.channels.wechaty import WechatyChannel
from datetime import datetime
from bot.config import load_settings
settings = load_settings("config.example.toml", env={})
WechatyChannel(settings, datetime.now)
WechatyChannel(settings, datetime.now)
"""
    state = run(code)
    assert state == {
        "wechaty": True,
        "patched": True,
        "env": ["CACHE_DIR", "WECHATY_LOG"],
        "filters": 1,
    }
