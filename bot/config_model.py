"""Declarative config sections (pydantic v2), their errors as 「文件: 字段: 问题 — 改法」.

A section is a frozen, strict model: TOML types are taken as they are (``"20"`` is not a
number), unknown keys are refused, strings are stripped. Bounds, defaults and environment
overrides are declared once, on the fields; :func:`problems` turns pydantic's validation
errors into the Chinese lines the hand-written reader produced, with the same fixes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from datetime import time
from typing import Annotated, Any, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError


class Section(BaseModel):
    """A config table: strict types, no unknown keys, immutable once read."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, str_strip_whitespace=True)


def env_field(var: str, default: Any, **kwargs: Any) -> Any:
    """A field that the environment variable ``var`` overrides when it is set and not empty."""
    return Field(default, json_schema_extra={"env": var}, **kwargs)


def problem(
    what: str, fix: str, field: str = "", *, list_item: bool = False
) -> PydanticCustomError:
    """A validation error with its own wording: ``field`` names a key of the section the error
    is raised on, ``list_item`` reports an item under its list; ``{key}`` in ``fix`` is the key."""
    ctx = {"what": what, "fix": fix, "field": field, "list_item": list_item}
    return PydanticCustomError("liufang", "{what}", ctx)


def problem_list(found: list[tuple[tuple[Any, ...], str, str]]) -> PydanticCustomError:
    """Several problems at once, each ``(where under the raising value, what, fix)``."""
    return PydanticCustomError("liufang_list", "{found}", {"found": found})


def _clock(value: Any) -> Any:
    # Only "HH:MM" text: a TOML time literal (18:00:00) is refused, as it always was.
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", value) if isinstance(value, str) else None
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise PydanticCustomError("clock_time", "{value!r} 不是时间", {"value": value})
    return time(int(m[1]), int(m[2]))


ClockTime = Annotated[time, BeforeValidator(_clock)]  # written "HH:MM"


def _strings(value: Any) -> Any:
    if isinstance(value, tuple):
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise problem("应当是文字列表", '写成 {key} = ["...", "..."]')
    return tuple(v.strip() for v in value if v.strip())


Strings = Annotated[tuple[str, ...], BeforeValidator(_strings)]  # blank items dropped


def apply_env(model: type[BaseModel], raw: dict[str, Any], env: Mapping[str, str]) -> None:
    """Write the set environment overrides declared on ``model``'s section fields into ``raw``."""
    for name, section in model.model_fields.items():
        inner = section.annotation
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            continue
        for key, f in inner.model_fields.items():
            extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
            var = extra.get("env")
            if isinstance(var, str) and env.get(var):
                table = raw.setdefault(name, {})
                if isinstance(table, dict):
                    table[key] = env[var]


def problems(filename: str, model: type[BaseModel], exc: ValidationError) -> list[str]:
    """Each error of ``exc`` (raised validating ``model``) as 'file: field: what — fix'."""
    lines = []
    for err in _each(exc.errors()):
        loc = tuple(err["loc"])
        ctx = err.get("ctx") or {}
        if err["type"] == "liufang" and ctx.get("field"):
            loc = (*loc, ctx["field"])
        while err["type"] == "liufang" and ctx.get("list_item") and isinstance(loc[-1], int):
            loc = loc[:-1]
        where = _where(loc)
        what, fix = _wording(err, loc, _field_info(model, loc), _siblings(model, loc))
        lines.append(f"{filename}: {where}: {what} — {fix}")
    return lines


def _each(errors: list[Any]) -> Iterator[Any]:
    """The errors, each of a :func:`problem_list` spread into its problems."""
    for err in errors:
        found = err["ctx"]["found"] if err["type"] == "liufang_list" else [((), "", "")]
        for where, what, fix in found:
            ctx = {"what": what, "fix": fix}
            yield {"type": "liufang", "loc": (*err["loc"], *where), "ctx": ctx} if what else err


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
