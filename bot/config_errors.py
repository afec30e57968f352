"""Pydantic's validation errors of the config read as 「文件: 字段: 问题 — 改法」.

:func:`problems` turns each error into the Chinese line the hand-written reader produced,
with the same fix; the errors a section raises itself (``bot.config_model.problem``) carry
their own wording, and a table's checks across its items arrive with its other errors.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from datetime import time
from typing import Any, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import BaseModel, ValidationError


def problems(filename: str, model: type[BaseModel], exc: ValidationError) -> list[str]:
    """Each error of ``exc`` (raised validating ``model``) as 'file: field: what — fix', once."""
    lines = []
    for err in _each(exc.errors()):
        loc = tuple(err["loc"])
        ctx = err.get("ctx") or {}
        while err["type"] == "liufang" and ctx.get("list_item") and isinstance(loc[-1], int):
            loc = loc[:-1]
        where = _where(loc)
        what, fix = _wording(err, loc, _field_info(model, loc), _siblings(model, loc))
        lines.append(f"{filename}: {where}: {what} — {fix}")
    return list(dict.fromkeys(lines))


def _each(errors: list[Any], prefix: tuple[Any, ...] = ()) -> Iterator[Any]:
    """The errors, each ``problem_list`` spread into the errors it carries, then its own."""
    for err in errors:
        loc = (*prefix, *err["loc"])
        if err["type"] != "liufang_list":
            yield {**err, "loc": loc}
            continue
        yield from _each(err["ctx"]["errors"], loc)
        for where, what, fix in err["ctx"]["found"]:
            yield {"type": "liufang", "loc": (*loc, *where), "ctx": {"what": what, "fix": fix}}


def _where(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _models(model: type[BaseModel], loc: tuple[Any, ...]) -> Iterator[type[BaseModel] | None]:
    """The model met at each step of ``loc`` (None once the path leaves the models)."""
    current: type[BaseModel] | None = model
    for part in loc:
        yield current
        if current is None or isinstance(part, int):
            continue
        f = current.model_fields.get(part)
        inner = f.annotation if f is not None else None
        if get_origin(inner) in (list, tuple):  # [[tables]]: the model of one item
            inner = get_args(inner)[0]
        current = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _field_info(model: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    owners = list(_models(model, loc))
    if not owners or owners[-1] is None or isinstance(loc[-1], int):
        return None
    return owners[-1].model_fields.get(loc[-1])


def _siblings(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    owners = list(_models(model, loc))
    return list(owners[-1].model_fields) if owners and owners[-1] is not None else []


def _bounds(info: Any) -> tuple[Any, Any]:
    low = next((m.ge for m in getattr(info, "metadata", ()) if isinstance(m, Ge)), None)
    high = next((m.le for m in getattr(info, "metadata", ()) if isinstance(m, Le)), None)
    return low, high


def _wording(err: Any, loc: tuple[Any, ...], info: Any, keys: list[str]) -> tuple[str, str]:
    kind, value, key = err["type"], err.get("input"), str(loc[-1]) if loc else ""
    ctx = err.get("ctx") or {}
    default = getattr(info, "default", None)
    if kind == "liufang":
        return str(ctx["what"]), str(ctx["fix"]).replace("{key}", key)
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(key, keys, n=1)
        hint = f"是不是想写 {close[0]!r}？" if close else f"可用的字段：{', '.join(keys)}"
        return "未知字段", hint
    if kind in ("list_type", "tuple_type") or (
        kind == "model_type" and loc and isinstance(loc[-1], int)
    ):
        table = _where(tuple(p for p in loc if not isinstance(p, int)))
        return "应当是 [[...]] 表数组", f"每一项写成 [[{table}]] 段"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "应当是一个表", f"写成 [{_where(loc)}] 段"
    if kind == "missing":
        return "不能为空", f'填写 {key} = "..."'
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"应当是整数，现在是 {value!r}", f"写成 {key} = {default}"
    if kind in ("greater_than_equal", "less_than_equal"):
        low, high = _bounds(info)
        return f"{value} 超出范围", f"取 {low} 到 {high} 之间的数"
    if kind == "string_type":
        return f"应当是文字，现在是 {type(value).__name__}", f'用引号括起来：{key} = "..."'
    if kind == "string_too_short":
        return "不能为空", f'填写 {key} = "..."'
    if kind == "bool_type":
        return f"{value!r} 不是 true/false", f"写 {key} = true 或 false"
    if kind == "clock_time":
        shown = f"{default:%H:%M}" if isinstance(default, time) else "18:00"
        return f"{value!r} 不是时间", f'写成 {key} = "{shown}"'
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"{value!r} 不是可选的值", "写以下之一：" + "、".join(expected)
    return str(err["msg"]), "按 config.example.toml 的写法改正"
