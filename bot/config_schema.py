"""A small typed reader over parsed TOML that collects every problem instead of stopping."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import time
from typing import Any


class SchemaReader:
    """Reads typed values out of TOML tables and records 'file: field: problem — fix' lines."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[str] = []

    def problem(self, where: str, what: str, fix: str) -> None:
        """Record one problem at field ``where`` with the fix to apply."""
        self.problems.append(f"{self.filename}: {where}: {what} — {fix}")

    def known_keys(self, where: str, table: dict[str, Any], allowed: Sequence[str]) -> None:
        """Flag keys that are not part of the schema, suggesting the closest known key."""
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                fix = (
                    f"是不是想写 {close[0]!r}？" if close else f"可用的字段：{', '.join(allowed)}"
                )
                self.problem(f"{where}.{key}" if where else key, "未知字段", fix)

    def table(
        self, name: str, raw: dict[str, Any], allowed: Sequence[str], where: str | None = None
    ) -> dict[str, Any]:
        """Return sub-table ``name`` (empty when absent), checking its keys."""
        where = where or name
        value = raw.get(name, {})
        if not isinstance(value, dict):
            self.problem(where, "应当是一个表", f"写成 [{where}] 段")
            return {}
        self.known_keys(where, value, allowed)
        return value

    def table_list(
        self, where: str, raw: dict[str, Any], key: str | None = None
    ) -> list[dict[str, Any]]:
        """Return an array of tables (``[[where]]``), dropping entries of the wrong type."""
        value = raw.get(key or where, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(
                where, "应当是 [[...]] 表数组", f"每一项写成 [[{where.split('[')[0]}]] 段"
            )
            return []
        return value

    def string(
        self, where: str, table: dict[str, Any], key: str, default: str, *, required: bool = False
    ) -> str:
        """Return a string field; record a problem when mistyped or required and empty."""
        value = table.get(key, default)
        if not isinstance(value, str):
            self.problem(
                where, f"应当是文字，现在是 {type(value).__name__}", f'用引号括起来：{key} = "..."'
            )
            return default
        value = value.strip()
        if required and not value:
            self.problem(where, "不能为空", f'填写 {key} = "..."')
        return value

    def integer(
        self, where: str, table: dict[str, Any], key: str, default: int, low: int, high: int
    ) -> int:
        """Return an integer field within [low, high]."""
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, f"应当是整数，现在是 {value!r}", f"写成 {key} = {default}")
            return default
        if not low <= value <= high:
            self.problem(where, f"{value} 超出范围", f"取 {low} 到 {high} 之间的数")
            return default
        return value

    def string_list(self, where: str, table: dict[str, Any], key: str) -> list[str]:
        """Return a list of strings."""
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(where, "应当是文字列表", f'写成 {key} = ["...", "..."]')
            return []
        return [v.strip() for v in value if v.strip()]

    def clock_time(self, where: str, table: dict[str, Any], key: str, default: time) -> time:
        """Return a time of day written as ``"HH:MM"``."""
        value = table.get(key)
        if value is None:
            return default
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", value) if isinstance(value, str) else None
        if not m or int(m[1]) > 23 or int(m[2]) > 59:
            self.problem(where, f"{value!r} 不是时间", f'写成 {key} = "{default:%H:%M}"')
            return default
        return time(int(m[1]), int(m[2]))
