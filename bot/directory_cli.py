"""``liufang import-config`` and ``export-config``: the directory between the file and database.

Import shows every difference and asks before writing (``--yes`` skips the question,
``--dry-run`` only shows). Export writes the configuration file again with the directory as
stored (communities' names, groups, members, ``[[web.users]]``); everything else is copied
from the file, so exporting and importing the result shows no difference.
"""

from __future__ import annotations

import logging
import sys
import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy.exc import SQLAlchemyError

from bot.cli_settings import settings_or_report
from bot.config import ConfigError, Settings, load_settings
from bot.directory import (
    config_state,
    describe,
    differs_hint,
    kept_communities,
)
from storage.db import Database
from storage.directory_state import (
    DirectoryState,
    apply_changes,
    diff_states,
    is_seeded,
    read_state,
    record_import,
)
from storage.leader import startup_lock

log = logging.getLogger(__name__)


def _upgraded(settings: Settings) -> Database:
    """The configured database with its schema brought up to date (never seeded here: the
    import compares with the file itself, the export writes what is stored)."""
    db = Database(settings.database_url)
    with startup_lock(db):
        db.upgrade()
    return db


def run_import(
    config: Path,
    *,
    yes: bool,
    dry_run: bool,
    ask: Callable[[str], str] = input,
    interactive: bool | None = None,
) -> int:
    """Show how the file differs from the database; apply it when confirmed."""
    settings = settings_or_report(config)
    if settings is None:
        return 1
    db = _upgraded(settings)
    with db.session() as session:
        current, wanted = read_state(session), config_state(settings)
        changes = diff_states(current, wanted)
        for name in kept_communities(current, wanted):
            print(f"  社区 {name} 不在配置文件里：保留（社区不删除，它的群和成员也不动）")
        if not changes:
            print(f"{config} 与数据库一致，没有要导入的 / nothing to import")
            return 0
        print(f"按 {config} 修改数据库，共 {len(changes)} 处（+ 新增  ~ 修改  - 删除）：")
        for line in describe(changes, current, wanted):
            print(f"  {line}")
        if dry_run:
            print("只是列出（--dry-run），没有修改 / dry run: nothing written")
            return 0
        if not yes:
            if not (sys.stdin.isatty() if interactive is None else interactive):
                print("要应用请加 --yes / add --yes to apply", file=sys.stderr)
                return 1
            if ask("应用这些修改？输入 yes 确认 / apply? [yes/N] ").strip().lower() != "yes":
                print("没有修改 / nothing written")
                return 1
        apply_changes(session, changes)
        record_import(session, "import", str(config), len(changes), datetime.now(settings.tz))
        session.commit()
    print(f"已导入 {len(changes)} 处。机器人正在运行的话，请重启它以读到新的名单。")
    return 0


def run_export(config: Path, out: Path | None) -> int:
    """Write the file ``config`` with its directory replaced by the database's, to ``out``."""
    settings = settings_or_report(config)
    if settings is None:
        return 1
    db = _upgraded(settings)
    with db.session() as session:
        state = read_state(session)
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    if out is not None:
        raw = rebase_paths(raw, config.resolve().parent, out.resolve().parent)
    text = tomli_w.dumps(export_raw(raw, state))
    header = f"# liufang export-config：{config} 的设置，名单来自数据库（注释没有保留）\n"
    if out is None:
        sys.stdout.write(header + text)
        return 0
    out.write_text(header + text, encoding="utf-8")
    try:
        load_settings(out)
    except ConfigError as exc:
        print(f"已写入 {out}，但它还不能直接使用：", file=sys.stderr)
        for line in exc.problems:
            print(f"  - {line}", file=sys.stderr)
        return 1
    print(f"已写入 {out}（{len(state.members)} 名成员，{len(state.users)} 个看板账号）")
    return 0


def export_raw(raw: dict[str, Any], state: DirectoryState) -> dict[str, Any]:
    """The configuration ``raw`` with the directory of ``state`` in place of its own."""
    result = dict(raw)
    old = {c.get("code"): c for c in raw.get("communities", []) if isinstance(c, dict)}
    order = [c for c in old if c in {s.code for s in state.communities}]
    order += [c.code for c in state.communities if c.code not in old]
    names = {c.code: c.name for c in state.communities}
    communities = []
    for code in order:
        item = dict(old.get(code, {}))
        item["code"], item["name"] = code, names[code]
        item["groups"] = [
            {"room_id": g.room_id, "topic": g.topic, "kind": g.kind}
            | ({"grid": g.grid} if g.grid else {})
            for g in state.groups
            if g.community == code
        ]
        item["members"] = [
            {"id": m.contact_id, "name": m.name, "role": m.role}
            | ({"grid": m.grid} if m.grid else {})
            | ({"phone": m.phone} if m.phone else {})
            | ({"on_duty": True} if m.on_duty else {})
            for m in state.members
            if m.community == code
        ]
        communities.append(item)
    result["communities"] = communities
    districts = {c.district for c in state.communities}
    if len(districts) == 1 and (district := districts.pop()):
        result["district"] = {**raw.get("district", {}), "name": district}
    result["web"] = dict(raw.get("web", {}))
    listed = [u.get("username") for u in result["web"].get("users", []) if isinstance(u, dict)]
    users = sorted(
        state.users,
        key=lambda u: (listed.index(u.username) if u.username in listed else len(listed), u.key),
    )
    result["web"]["users"] = [
        {
            "username": u.username,
            "name": u.name,
            "role": u.role,
            "community": u.community,
            "password_hash": u.password_hash,
        }
        | ({"disabled": True} if u.disabled else {})
        for u in users
    ]
    return result


def rebase_paths(raw: dict[str, Any], old: Path, new: Path) -> dict[str, Any]:
    """Paths the loader reads relative to the file, made absolute when the file moves."""
    if old == new:
        return raw
    result = dict(raw)

    def moved(p: str) -> str:
        return p if not p or Path(p).is_absolute() else str(old / p)

    if isinstance(nlp := raw.get("nlp"), dict):
        result["nlp"] = dict(nlp)
        for key in ("lexicon_files", "frame_files"):
            if isinstance(nlp.get(key), list):
                result["nlp"][key] = [moved(p) if isinstance(p, str) else p for p in nlp[key]]
        if isinstance(nlp.get("model_file"), str):
            result["nlp"]["model_file"] = moved(nlp["model_file"])
    if isinstance(logs := raw.get("logging"), dict) and isinstance(logs.get("file"), str):
        result["logging"] = {**logs, "file": moved(logs["file"])}
    return result


def stored_differs(settings: Settings) -> str | None:
    """For ``check-config``: the hint when the file's directory differs from a seeded database.

    Nothing is created: a SQLite file that does not exist yet, or a database not yet
    migrated or seeded, will be seeded from the file at the next start.
    """
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    db = Database(url)
    try:
        if db.revision() != Database.head_revision():
            return None
        with db.session() as session:
            if not is_seeded(session):
                return None
            changes = diff_states(read_state(session), config_state(settings))
    except SQLAlchemyError as exc:
        log.info("check-config: database not compared (%s)", exc.__class__.__name__)
        return None
    finally:
        db.dispose()
    return differs_hint(settings.path, len(changes)) if changes else None
