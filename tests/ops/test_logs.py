"""Logs: stderr always, a rotating file when configured, stamped in Asia/Shanghai."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import ZonedFormatter, setup_logging
from tests.support.db import SHANGHAI

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+08:00 ")


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_times_are_in_shanghai_whatever_the_host_zone() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.created = 1_780_000_000.5  # 2026-05-28 20:26:40.5 UTC
    line = ZonedFormatter(SHANGHAI).format(record)
    assert line.startswith("2026-05-29 04:26:40.500+08:00 INFO x: hello")


def test_the_file_rotates_and_keeps_its_backups(tmp_path: Path, restore_root: None) -> None:
    log_file = tmp_path / "logs" / "liufang.log"
    handlers = setup_logging(
        logging.WARNING, "Asia/Shanghai", file=log_file, max_bytes=2000, backups=2
    )
    assert len(handlers) == 2
    log = logging.getLogger("liufang.test")
    for i in range(100):
        log.info("第 %03d 条：一条足够长的日志，用来让文件轮换", i)
    for handler in handlers:
        handler.flush()
    files = sorted(p.name for p in log_file.parent.iterdir())
    assert files == ["liufang.log", "liufang.log.1", "liufang.log.2"]
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert lines and all(STAMP.match(line) for line in lines)
    assert "第 099 条" in lines[-1]


def test_stderr_keeps_its_own_level(
    tmp_path: Path, restore_root: None, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "liufang.log"
    setup_logging(logging.WARNING, "Asia/Shanghai", file=log_file, file_level=logging.INFO)
    log = logging.getLogger("liufang.test")
    log.info("只写进文件")
    log.warning("两处都有")
    err = capsys.readouterr().err
    assert "两处都有" in err and "只写进文件" not in err
    text = log_file.read_text(encoding="utf-8")
    assert "只写进文件" in text and "两处都有" in text


def test_a_second_setup_replaces_the_first(tmp_path: Path, restore_root: None) -> None:
    setup_logging(logging.WARNING, file=tmp_path / "a.log")
    setup_logging(logging.WARNING, file=tmp_path / "b.log")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_liufang_handler", False)]
    assert len(ours) == 2
    assert any(getattr(h, "baseFilename", "").endswith("b.log") for h in ours)


def test_phone_numbers_are_masked_in_the_file_too(tmp_path: Path, restore_root: None) -> None:
    log_file = tmp_path / "liufang.log"
    handlers = setup_logging(logging.WARNING, file=log_file)
    logging.getLogger("liufang.test").warning("居民说：我的电话 13812345678，快来")
    for handler in handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "13812345678" not in text and "138****5678" in text
