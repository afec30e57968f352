"""Every command line tool reports a broken config the same way, and exits 1."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli_settings import settings_or_report
from tests.support.harness import EXAMPLE_CONFIG, edited_config


def test_a_good_config_loads_and_prints_nothing() -> None:
    out = io.StringIO()
    settings = settings_or_report(EXAMPLE_CONFIG, out)
    assert settings is not None and settings.communities and out.getvalue() == ""


def test_problems_are_counted_and_listed_one_a_line(tmp_path: Path) -> None:
    broken = edited_config(tmp_path, 'role = "secretary"', 'role = "boss"')
    out = io.StringIO()
    assert settings_or_report(broken, out) is None
    head, *lines = out.getvalue().splitlines()
    assert head == "配置有 1 处问题，请先改正 / configuration problems:"
    assert len(lines) == 1 and lines[0].startswith("  - ") and "role: 'boss'" in lines[0]


@pytest.mark.parametrize(
    "command",
    [["backup"], ["retry-failed"], ["import-config", "--yes"], ["export-config"], ["run"]],
)
def test_each_tool_exits_1_on_a_broken_config(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    broken = edited_config(tmp_path, 'role = "secretary"', 'role = "boss"')
    assert main([*command, "--config", str(broken)]) == 1
    assert "配置有 1 处问题" in capsys.readouterr().err
