"""The database owns the directory: the config seeds it once, a restart never undoes chat."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from bot.config import load_settings
from bot.web.auth import stored_user
from storage.directory import dashboard_users
from storage.models import DirectoryImport, Member
from tests.support.harness import EXAMPLE_CONFIG, TestBot, edited_config

SIX = "[毛塘路社区六方议事群]"
HINT = "与数据库有"


def _bot(tmp_path: Path, config: Path = EXAMPLE_CONFIG) -> TestBot:
    """The bot on ``config`` with the database every start in this test shares."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    return TestBot(load_settings(config, env={"LIUFANG_DATABASE_URL": url}))


def _member(bot: TestBot, contact_id: str) -> Member:
    with bot.db.session() as s:
        return s.exec(select(Member).where(Member.contact_id == contact_id)).one()


def _imports(bot: TestBot) -> list[str]:
    with bot.db.session() as s:
        return [i.kind for i in s.exec(select(DirectoryImport).order_by(DirectoryImport.id))]


def test_first_start_seeds_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bot = _bot(tmp_path)
    assert _imports(bot) == ["seed"]
    assert _member(bot, "wx-mt-liu").role == "resident"
    with bot.db.session() as s:
        assert [u.username for u in dashboard_users(s)] == ["linshuji", "wangshuji"]
    bot.close()
    with caplog.at_level(logging.WARNING):
        again = _bot(tmp_path)
    assert _imports(again) == ["seed"]
    assert HINT not in caplog.text  # the file and the database agree
    again.close()


async def test_role_set_in_chat_survives_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot = _bot(tmp_path)
    [done] = await bot.say(f"{SIX} 王书记: 设置角色 @刘阿姨 物业")
    assert "刘阿姨现在是物业" in done
    await bot.say("[毛塘路1网格] 李网格长: 3栋2单元门口的路灯坏了")
    bot.close()
    with caplog.at_level(logging.WARNING):
        restarted = _bot(tmp_path)
    assert _member(restarted, "wx-mt-liu").role == "property"
    [claimed, *_] = await restarted.say(f"{SIX} 刘阿姨: 认领 T1")
    assert "T1 由您负责" in claimed
    # The config still says resident: start-up says so in one line, and changes nothing.
    [hint] = [r.getMessage() for r in caplog.records if HINT in r.getMessage()]
    assert "1 处不同" in hint and "liufang import-config --config" in hint
    restarted.close()


def test_config_change_after_first_start_only_hints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _bot(tmp_path).close()
    edited = edited_config(tmp_path, 'name = "赵主任"', 'name = "赵副主任"')
    bot = _bot(tmp_path, edited)
    assert _member(bot, "wx-mt-zhao").name == "赵主任"
    bot.close()
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    assert main(["check-config", str(edited)]) == 0
    out = capsys.readouterr().out
    assert "配置正确" in out and "1 处不同" in out and f"--config {edited}" in out
    assert main(["check-config", str(EXAMPLE_CONFIG)]) == 0
    assert HINT not in capsys.readouterr().out


def test_check_config_creates_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    assert main(["check-config", str(EXAMPLE_CONFIG)]) == 0
    assert HINT not in capsys.readouterr().out
    assert not (tmp_path / "none.db").exists()


async def test_import_config_shows_the_diff_then_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = _bot(tmp_path)
    await bot.say(f"{SIX} 王书记: 设置角色 @刘阿姨 物业")
    await bot.say(f"{SIX} 王书记: 设置角色 @新保安 物业")
    bot.close()
    edited = edited_config(tmp_path, 'name = "赵主任"', 'name = "赵副主任"')
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    assert main(["import-config", "--config", str(edited), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "共 3 处" in out
    assert "~ 成员 刘阿姨（wx-mt-liu，毛塘路社区）：角色 物业 → 居民" in out
    assert "~ 成员 赵副主任（wx-mt-zhao，毛塘路社区）：名称 赵主任 → 赵副主任" in out
    assert "- 成员 新保安（console-user:新保安，毛塘路社区）" in out
    assert "没有修改" in out
    # Without --yes and without a terminal to ask on, nothing is written.
    assert main(["import-config", "--config", str(edited)]) == 1
    bot = _bot(tmp_path, edited)
    assert _member(bot, "wx-mt-liu").role == "property"
    bot.close()
    assert main(["import-config", "--config", str(edited), "--yes"]) == 0
    assert "已导入 3 处" in capsys.readouterr().out
    bot = _bot(tmp_path, edited)
    assert _member(bot, "wx-mt-liu").role == "resident"
    assert _member(bot, "wx-mt-zhao").name == "赵副主任"
    assert _imports(bot) == ["seed", "import"]
    bot.close()
    assert main(["import-config", "--config", str(edited), "--dry-run"]) == 0
    assert "没有要导入" in capsys.readouterr().out


def test_import_asks_and_users_follow_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.directory_cli import run_import

    _bot(tmp_path).close()
    guihua = 'community = "guihua"'
    edited = edited_config(tmp_path, guihua, f"{guihua}\ndisabled = true")
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    no = run_import(edited, yes=False, dry_run=False, ask=lambda _: "n", interactive=True)
    assert no == 1
    out = capsys.readouterr().out
    assert "~ 看板账号 linshuji：停用 否 → 是" in out
    bot = _bot(tmp_path)
    assert stored_user(bot.db, "linshuji") is not None
    ok = run_import(edited, yes=False, dry_run=False, ask=lambda _: "yes", interactive=True)
    assert ok == 0
    assert stored_user(bot.db, "linshuji") is None  # disabled: may not log in
    assert stored_user(bot.db, "wangshuji") is not None
    bot.close()


async def test_export_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = _bot(tmp_path)
    await bot.say(f"{SIX} 王书记: 设置角色 @刘阿姨 物业")
    await bot.say(f"{SIX} 王书记: 设置角色 @新保安 网格长 2网格")
    with bot.db.session() as s:  # as the people page keeps them: a phone and the roster
        liu = s.exec(select(Member).where(Member.name == "刘阿姨")).one()
        liu.phone, liu.on_duty = "13812345678", True
        s.add(liu)
        s.commit()
    bot.close()
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    out = tmp_path / "export" / "config.toml"
    out.parent.mkdir()
    assert main(["export-config", "--config", str(EXAMPLE_CONFIG), "--out", str(out)]) == 0
    capsys.readouterr()
    exported = load_settings(out)
    original = load_settings(EXAMPLE_CONFIG)
    [maotang] = [c for c in exported.communities if c.code == "maotang"]
    assert {(m.name, m.role, m.grid, m.phone, m.on_duty) for m in maotang.members} >= {
        ("刘阿姨", "property", None, "13812345678", True),
        ("新保安", "grid_leader", "2网格", "", False),
    }
    # Everything that is not the directory is the file's, unchanged.
    assert exported.followups == original.followups and exported.ladder == original.ladder
    assert exported.model_file == original.model_file
    assert [c.hall for c in exported.communities] == [c.hall for c in original.communities]
    assert exported.web.users == original.web.users
    assert main(["import-config", "--config", str(out), "--dry-run"]) == 0
    assert "没有要导入" in capsys.readouterr().out


def test_import_shows_a_phone_change_masked_and_applies_the_roster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _bot(tmp_path).close()
    edited = edited_config(
        tmp_path,
        'id = "wx-mt-liu"\n',
        'id = "wx-mt-liu"\nphone = "13987654321"\non_duty = true\n',
    )
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    assert main(["import-config", "--config", str(edited), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "电话 无 → 139****4321" in out and "值班 否 → 是" in out
    assert "13987654321" not in out
    bot = _bot(tmp_path)
    liu = _member(bot, "wx-mt-liu")
    bot.close()
    assert (liu.phone, liu.on_duty) == ("13987654321", True)


def test_a_phone_that_is_not_a_number_is_refused_in_the_config(tmp_path: Path) -> None:
    from bot.config import ConfigError

    edited = edited_config(tmp_path, 'id = "wx-mt-liu"\n', 'id = "wx-mt-liu"\nphone = "找我"\n')
    with pytest.raises(ConfigError, match="不是电话号码"):
        load_settings(edited)


def test_upgraded_database_is_seeded_without_removals(tmp_path: Path) -> None:
    from storage.db import Database
    from storage.directory import save_community, save_member

    # A database of a version that synced the file at every start: no seed recorded yet.
    db = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    db.upgrade()
    with db.session() as s:
        save_community(s, "maotang", "毛塘路社区")
        save_member(s, "wx-mt-liu", "maotang", "刘阿姨", "property")
        save_member(s, "wx-chat", "maotang", "新保安", "property")  # added in chat
        s.commit()
    db.dispose()
    bot = _bot(tmp_path)
    assert _imports(bot) == ["seed"]
    assert _member(bot, "wx-chat").role == "property"  # kept
    assert _member(bot, "wx-mt-liu").role == "resident"  # the file, as that version did
    bot.close()
