"""Configuration: the demo config loads; every mistake names file, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from handlers.vocabulary import ROLES
from tests.support.harness import EXAMPLE_CONFIG, edited_config


def test_example_config_has_two_communities_with_every_role() -> None:
    settings = load_settings(EXAMPLE_CONFIG, env={})
    assert len(settings.communities) == 2
    for c in settings.communities:
        kinds = [g.kind for g in c.groups]
        assert kinds.count("six_party") == 1
        assert 2 <= kinds.count("grid") <= 3
    roles = {m.role for c in settings.communities for m in c.members}
    assert roles == set(ROLES)


def test_every_field_of_example_is_commented_in_chinese_and_english() -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    head = text.split("[[communities]]")[0]
    for key in (
        "name",
        "timezone",
        "max_text_chars",
        "url",
        "puppet_service_token",
        "admin_token",
        "lexicon_files",
        "user_words",
    ):
        before = head.split(f"\n{key} =")[0].rsplit("\n\n", 1)[-1]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in before), key
        assert any(ch.isascii() and ch.isalpha() for ch in before.replace(key, "")), key


def test_environment_overrides_secrets() -> None:
    env = {
        "LIUFANG_DATABASE_URL": "postgresql+psycopg://u@db:5432/x",
        "WECHATY_PUPPET_SERVICE_TOKEN": "tok",
        "WECHATY_PUPPET_SERVICE_ENDPOINT": "127.0.0.1:8788",
        "LIUFANG_WEB_ADMIN_TOKEN": "admin",
    }
    s = load_settings(EXAMPLE_CONFIG, env=env)
    assert s.database_url.endswith("/x")
    assert s.puppet_service_token == "tok" and s.uses_wechat
    assert s.puppet_service_endpoint == "127.0.0.1:8788"
    assert s.web_admin_token == "admin"


@pytest.mark.parametrize(
    ("old", "new", "field", "fix"),
    [
        ('kind = "grid"', 'kind = "grd"', "communities[0].groups[1].kind", "six_party"),
        ('role = "property"', 'role = "wuye"', "communities[0].members[4].role", "property"),
        ('timezone = "Asia/Shanghai"', 'timezone = "Mars/Base"', "bot.timezone", "Asia/Shanghai"),
        ("max_text_chars = 2000", 'max_text_chars = "many"', "bot.max_text_chars", "2000"),
        (
            'room_id = "room-guihua-6p"',
            'room_id = "room-maotang-6p"',
            "communities[1].groups[0].room_id",
            "不同",
        ),
        ("[storage]\n", '[storage]\nurll = "x"\n', "storage.urll", "'url'"),
        ('code = "guihua"', 'code = "maotang"', "communities[1].code", "不同"),
        (
            'grid = "2网格"\n\n[[communities.groups]]\nroom_id = "room-maotang-g3"',
            '\n[[communities.groups]]\nroom_id = "room-maotang-g3"',
            "communities[0].groups[2].grid",
            "grid",
        ),
        ('url = "sqlite:///data/liufang.db"', 'url = "mysql://x"', "storage.url", "sqlite"),
        (
            "urgent_reserve_per_room = 1",
            "urgent_reserve_per_room = 6",  # routine traffic would never go out
            "delivery.urgent_reserve_per_room",
            "0 到 5",
        ),
        (
            "per_sender_per_minute = 3",
            "per_sender_per_minute = -1",
            "delivery.per_sender_per_minute",
            "0 到 60",
        ),
        ('public_url = ""', 'public_url = "evil.example/x"', "web.public_url", "https://"),
        ('public_url = ""', 'public_url = "https://a@evil.example"', "web.public_url", "网址"),
    ],
)
def test_each_mistake_names_file_field_and_fix(
    tmp_path: Path, old: str, new: str, field: str, fix: str
) -> None:
    path = edited_config(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    matching = [p for p in info.value.problems if f": {field}: " in p]
    assert matching, info.value.problems
    assert matching[0].startswith(str(path)) and fix in matching[0]


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[bot\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML"):
        load_settings(bad, env={})
    with pytest.raises(ConfigError, match="不存在"):
        load_settings(tmp_path / "nope.toml", env={})


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(EXAMPLE_CONFIG)]) == 0
    assert "2 个社区" in capsys.readouterr().out
    path = edited_config(tmp_path, 'role = "property"', 'role = "boss"')
    assert main(["check-config", str(path)]) == 1
    out = capsys.readouterr().out
    assert "communities[0].members[4].role" in out and "1 problem" in out


def test_nlp_files_are_checked(tmp_path: Path) -> None:
    """A broken model file or frames file stops start-up with what to do; missing model is fine."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    (tmp_path / "frames.toml").write_text('[[frames]]\nname = "x"\n', encoding="utf-8")
    broken = text.replace('model_file = "data/model.npz"', 'model_file = "bad.npz"').replace(
        "frame_files = []", 'frame_files = ["frames.toml"]'
    )
    path = tmp_path / "config.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(path)
    problems = "\n".join(exc.value.problems)
    assert "nlp.model_file" in problems and "liufang learn" in problems
    assert "nlp.frame_files" in problems and "states" in problems
    path.write_text(text.replace('model_file = "data/model.npz"', 'model_file = "none.npz"'))
    assert load_settings(path).model_file == tmp_path / "none.npz"


def test_public_url_is_read(tmp_path: Path) -> None:
    path = edited_config(
        tmp_path, 'public_url = ""', 'public_url = "https://bot.example.org/liufang"'
    )
    assert load_settings(path, env={}).web.public_url == "https://bot.example.org/liufang"
