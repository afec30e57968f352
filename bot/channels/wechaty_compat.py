"""Makes wechaty 0.10.7 (the last release, 2022) importable and safe on Python 3.11.

:func:`apply` must run before anything is imported from ``wechaty``; ``bot/channels/wechaty.py``
(the only other module that touches the package) calls it when a channel is made, and imports
wechaty only then, so importing either module changes nothing in the process. What it works
around:

- ``WechatyOptions`` has a dataclass field defaulting to a ``PuppetOptions()`` instance. Python
  3.11 refuses mutable defaults, and it decides "mutable" by ``__hash__ is None`` (a plain
  dataclass sets it to None). Giving ``PuppetOptions`` the identity hash lets the class body
  run; we always pass our own ``PuppetOptions`` so the shared default is never mutated.
- pyee >= 12 removed ``AsyncIOEventEmitter`` and urllib3 2 removed ``get_host``; both are
  pinned below those versions in ``pyproject.toml``, and :func:`check_versions` says so
  clearly instead of an ImportError deep inside wechaty.
- wechaty's loggers print every event at INFO on their own handlers; ``WECHATY_LOG=warn``
  quiets them unless the operator asks for more (``WECHATY_LOG=info``).
- ``wechaty.plugin`` creates its cache folder (``CACHE_DIR``, default ``./.wechaty``) at
  import time; we point it at a temporary folder so the bot never litters its work tree.
- After each QR scan event wechaty logs a harmless "internal error" (its plugin code asserts the
  scan status is a str, while every puppet sends an enum), and at every log-in it warns that no
  plugin registered a web page (we use no plugins): both are quieted.
"""

from __future__ import annotations

import logging
import os
import tempfile
from importlib import metadata

REQUIRED = {"wechaty": "0.10.7", "wechaty-puppet": "0.4.23"}
_applied = False


class WechatyUnavailable(ImportError):
    """wechaty cannot be used with the installed packages; the message says how to fix it."""


def _major(version: str) -> int:
    return int(version.split(".", 1)[0])


def check_versions() -> None:
    """Raise :class:`WechatyUnavailable` when an installed package breaks wechaty 0.10.7."""
    problems = []
    for name, wanted in REQUIRED.items():
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            found = "missing"
        if found != wanted:
            problems.append(f"{name} {found} (need {wanted})")
    for name, below in (("pyee", 12), ("urllib3", 2)):
        found = metadata.version(name)
        if _major(found) >= below:
            problems.append(f"{name} {found} (need <{below})")
    if problems:
        raise WechatyUnavailable(
            "微信通道依赖版本不对 / wrong versions for the WeChat channel: "
            + "; ".join(problems)
            + " — run: .venv/bin/pip install -e '.[test]'"
        )


class _HarmlessScanAssert(logging.Filter):
    """Drop wechaty's 'internal error <>' after each QR scan event (see the module docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        return not (
            record.msg == "internal error <%s>" and isinstance(args, tuple) and not str(args[0])
        )


def apply() -> None:
    """Patch what wechaty needs before its first import; safe to call more than once.

    Called explicitly (by the channel), never on import: the patches are process-wide.
    """
    global _applied
    if _applied:
        return
    check_versions()
    os.environ.setdefault("WECHATY_LOG", "warn")
    os.environ.setdefault("CACHE_DIR", os.path.join(tempfile.gettempdir(), "liufang-wechaty"))
    from wechaty_puppet.schemas.puppet import PuppetOptions

    # The dataclass check in 3.11 treats an unhashable default as mutable; see the docstring.
    PuppetOptions.__hash__ = object.__hash__
    logging.getLogger("Wechaty").addFilter(_HarmlessScanAssert())
    logging.getLogger("wechaty.plugin").setLevel(logging.ERROR)
    _applied = True
