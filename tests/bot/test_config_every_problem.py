"""One reading reports every mistake of a config: each table's own and those across items."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.support.harness import EXAMPLE_CONFIG, config_problems

# name: (text in the example, what replaces it, the field its problem names)
MISTAKES = {
    "type": ("max_text_chars = 2000", 'max_text_chars = "many"', "bot.max_text_chars"),
    "unknown key": ("[storage]\n", '[storage]\nurll = "x"\n', "storage.urll"),
    "bound": ("per_sender_per_minute = 3", "per_sender_per_minute = -1", "delivery.per_sender"),
    "reserve": ("urgent_reserve_global = 3", "urgent_reserve_global = 20", "delivery.urgent_res"),
    "rungs": ("secretary_minutes = 30", "secretary_minutes = 15", "alarm_ladder.secretary"),
    "contact": ('contact_name = "示范街道应急值班室"', 'contact_name = ""', "alarm_ladder.street"),
    "calendar": (
        "holidays = []\nworkdays = []",
        'holidays = ["2027-02-05"]\nworkdays = ["2027-02-05"]',
        "calendar",
    ),
    "mail": ('smtp_host = ""', 'smtp_host = "mail.example"', "alerts.email_to"),
    "lease": ("check_seconds = 3", "check_seconds = 10", "ha.check_seconds"),
    "role": ('role = "property"', 'role = "wuye"', "communities[0].members[4].role"),
    "catalogue": ('kind = "goods"', 'kind = "thing"', "communities[0].catalogue[2].kind"),
    "leader": ('leader = "wx-mt-li"', 'leader = "wx-nobody"', "communities[0].teams[4].leader"),
    "member id": ('id = "wx-gh-ma"', 'id = "wx-gh-lin"', "communities[1].members[1].id"),
    "name": ('name = "桂花巷社区"', 'name = "毛塘路社区"', "communities[1].name"),
    "room": ('"room-guihua-g2"', '"room-maotang-g3"', "communities[1].groups[2].room_id"),
    "model": ('model_file = "data/model.npz"', 'model_file = "bad.npz"', "nlp.model_file"),
}


def _config(tmp_path: Path, names: list[str]) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for name in names:
        old, new, _ = MISTAKES[name]
        assert text.count(old) >= 1, name
        text = text.replace(old, new, 1)
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    """The problems, without the file's name (and folder: the model's problem names it)."""
    problems = config_problems(path)
    prefix = f"{path}: "
    assert all(line.startswith(prefix) for line in problems)
    return [line.removeprefix(prefix).replace(str(path.parent), "…") for line in problems]


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each mistake's problems when it is the only one."""
    found = {}
    for name in MISTAKES:
        tmp = tmp_path_factory.mktemp("alone")
        found[name] = _problems(_config(tmp, [name]))
    return found


def test_each_mistake_alone_names_its_field(alone: dict[str, list[str]]) -> None:
    for name, lines in alone.items():
        assert len(lines) == 1 and lines[0].startswith(MISTAKES[name][2]), (name, lines)


def test_one_reading_reports_every_mistake_once(
    tmp_path: Path, alone: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, list(MISTAKES))
    lines = _problems(path)
    assert sorted(lines) == sorted(line for found in alone.values() for line in found)
    assert main(["check-config", str(path)]) == 1
    assert f"{len(lines)} problem(s)" in capsys.readouterr().out


@pytest.mark.parametrize("fixed", list(MISTAKES))
def test_fixing_one_mistake_leaves_exactly_the_others_in_the_same_order(
    tmp_path: Path, alone: dict[str, list[str]], fixed: str
) -> None:
    every = _problems(_config(tmp_path / "every", list(MISTAKES)))
    rest = _problems(_config(tmp_path / "rest", [name for name in MISTAKES if name != fixed]))
    assert rest == [line for line in every if line not in alone[fixed]]


def test_a_member_wrong_in_itself_and_across_the_community(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace(
        'id = "wx-gh-ma"\nname = "马主任"\nrole = "committee"',
        'id = "wx-gh-lin"\nname = "马主任"\nrole = "boss"',
    )
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    lines = [line.split(" — ")[0] for line in _problems(path)]
    assert lines == [
        "communities[1].members[1].role: 'boss' 不是角色",
        "communities[1].members[1].id: 成员 id 'wx-gh-lin' 在本社区重复",
    ]


def test_a_list_with_a_wrong_item_still_has_its_other_items_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    days = 'holidays = ["2027-13-01", "2027-02-05"]\nworkdays = ["2027-02-05"]'
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    path.write_text(text.replace("holidays = []\nworkdays = []", days), encoding="utf-8")
    assert [line.split(" — ")[0] for line in _problems(path)] == [
        "calendar.holidays: '2027-13-01' 不是日期",
        "calendar: 2027-02-05 同时写在 holidays 和 workdays 里",
    ]
