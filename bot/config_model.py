"""Declarative config sections (pydantic v2), every problem found in one reading.

A section is a frozen, strict model: TOML types are taken as they are (``"20"`` is not a
number), unknown keys are refused, strings are stripped. Bounds, defaults and environment
overrides are declared once, on the fields; ``bot.config_errors`` turns the validation errors
into the Chinese lines the hand-written reader produced.

Pydantic skips a model's own checks once one of its fields failed. A table's checks across its
fields and items (:meth:`Section.cross`) run here all the same, on the table read as far as it
is valid (:func:`salvage`), so a file's mistakes are all reported at once, as they always were.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import time
from typing import TYPE_CHECKING, Annotated, Any, Self, TypeVar, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Found = tuple[tuple[Any, ...], str, str]  # (where under the checked value, what, fix)
M = TypeVar("M", bound=BaseModel)
V = TypeVar("V")
P = TypeVar("P", bound="DataclassInstance")
_SALVAGE = "salvage"  # in the validation context: reading what is valid, checks are off


class Section(BaseModel):
    """A config table: strict types, no unknown keys, immutable once read."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields[str(info.field_name)]
        marked = isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get(
            "blank_is_default"
        )
        return field.default if marked and isinstance(value, str) and not value.strip() else value

    @classmethod
    def prepared(cls, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` with the defaults that depend on other keys filled in (none here)."""
        return data

    def cross(self, context: Mapping[str, Any]) -> list[Found]:
        """The problems across this table's fields and items (None in a field: unknown)."""
        return []

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        if cls.cross is Section.cross:
            return handler(data)
        return checked(
            data,
            handler,
            info.context,
            lambda value, ctx: salvage(cls, value, ctx),
            lambda table, ctx: table.cross(ctx),
        )


def checked(
    value: Any,
    handler: Callable[[Any], V],
    context: Mapping[str, Any] | None,
    partial: Callable[[Any, Mapping[str, Any]], V | None],
    cross: Callable[[V, Mapping[str, Any]], list[Found]],
) -> V:
    """``handler(value)``, then the ``cross`` checks: on the result, or, when an item or field
    failed, on the ``partial`` reading of ``value``, raised together with that failure."""
    context = context or {}
    if context.get(_SALVAGE):
        return handler(value)
    try:
        result = handler(value)
    except ValidationError as exc:
        rest = partial(value, context)
        raise problem_list(cross(rest, context) if rest is not None else [], exc) from None
    found = cross(result, context)
    if found:
        raise problem_list(found)
    return result


def salvage(model: type[M], data: Any, context: Mapping[str, Any]) -> M:
    """``data`` read as a ``model`` as far as it is valid, unchecked and without raising:
    a value that fails is None (unknown), a table or list of tables is read item by item."""
    if isinstance(data, model):
        return data
    fields = model.model_fields
    if not isinstance(data, dict):  # not a table: nothing of it is known
        return model.model_construct(**dict.fromkeys(fields))
    raw = model.prepared(dict(data)) if issubclass(model, Section) else data
    ctx = {**context, _SALVAGE: True}
    table = model.model_construct(**{k: None for k, f in fields.items() if f.is_required()})
    for key, info in fields.items():
        if key not in raw:
            continue
        try:  # the field as validation reads it, its validators seeing the values read so far
            model.__pydantic_validator__.validate_assignment(table, key, raw[key], context=ctx)
        except ValidationError:
            table.__dict__[key] = _salvage_value(info.annotation, raw[key], ctx)
    return table


def _salvage_value(annotation: Any, value: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return salvage(annotation, value, context)
    if get_origin(annotation) not in (list, tuple) or not isinstance(value, list):
        return None
    item = get_args(annotation)[0]  # a list read item by item, each in its place
    if isinstance(item, type) and issubclass(item, BaseModel):
        return tuple(salvage(item, v, context) for v in value)
    reader = TypeAdapter(item, config=_ITEMS)
    return tuple(_valid_or_none(reader, v) for v in value)


_ITEMS = ConfigDict(strict=True, str_strip_whitespace=True)  # a Section's, for list items


def _valid_or_none(reader: TypeAdapter[Any], value: Any) -> Any:
    try:
        return reader.validate_python(value)
    except ValidationError:
        return None


def env_field(var: str, default: Any, **kwargs: Any) -> Any:
    """A field that the environment variable ``var`` overrides when it is set and not empty."""
    return Field(default, json_schema_extra={"env": var}, **kwargs)


def problem(what: str, fix: str, *, list_item: bool = False) -> PydanticCustomError:
    """A validation error with its own wording: ``list_item`` reports an item under its list;
    ``{key}`` in ``fix`` is the key."""
    return PydanticCustomError(
        "liufang", "{what}", {"what": what, "fix": fix, "list_item": list_item}
    )


def problem_list(found: list[Found], exc: ValidationError | None = None) -> PydanticCustomError:
    """The errors of ``exc`` (if any), then the problems ``found``, as one error."""
    errors = exc.errors() if exc is not None else []
    ctx = {"found": found, "errors": errors, "count": len(found) + len(errors)}
    return PydanticCustomError("liufang_list", "{count} problems", ctx)


def repeats(
    where: tuple[Any, ...], key: str, values: list[Any], what: str, fix: str
) -> list[Found]:
    """A problem at ``(*where, index, key)`` for each value met before in ``values`` (None:
    unknown, never a repeat); ``what`` shows the value at ``{}``."""
    seen: set[Any] = set()
    found: list[Found] = []
    for j, value in enumerate(values):
        if value is not None and value in seen:
            found.append(((*where, j, key), what.format(value), fix))
        seen.add(value)
    return found


def one_of(choices: Iterable[str], what: str, fix: str = "") -> AfterValidator:
    """A check that the text is one of ``choices``: ``what`` shows it at ``{!r}``; the fix
    lists the choices unless it is given."""
    allowed = tuple(choices)
    fix = fix or "写以下之一：" + "、".join(allowed)

    def check(value: str) -> str:
        if value not in allowed:
            raise problem(what.format(value), fix)
        return value

    return AfterValidator(check)


def matching(pattern: str | re.Pattern[str], what: str, fix: str) -> AfterValidator:
    """A check that the text, unless empty, matches ``pattern`` in full (``what`` as above)."""

    def check(value: str) -> str:
        if value and not re.fullmatch(pattern, value):
            raise problem(what.format(value), fix)
        return value

    return AfterValidator(check)


def blank_is_default(default: Any, **kwargs: Any) -> Any:
    """A field whose blank text means its default."""
    return Field(default, json_schema_extra={"blank_is_default": True}, **kwargs)


BlankNone = Annotated[str | None, AfterValidator(lambda value: value or None)]  # "" is None


def plain(section: BaseModel, cls: type[P], **values: Any) -> P:
    """The plain dataclass ``cls`` handed on from ``section``: each of its fields that the
    section has by the same name, the others (or other values) given as ``values``."""
    names = {f.name for f in dataclasses.fields(cls)} - values.keys()
    missing = names - type(section).model_fields.keys()
    if missing:  # a setting that nothing configures would silently keep its default
        raise TypeError(f"{cls.__name__}: {', '.join(sorted(missing))} not in {section!r}")
    return cls(**{name: getattr(section, name) for name in names}, **values)


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
