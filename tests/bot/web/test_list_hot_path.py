"""The list page's shortcuts give what the slow way gave: links, masked snippets, Core rows."""

from __future__ import annotations

from dataclasses import asdict, replace
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from bot.web.dashboard_query import ListFilters
from bot.web.dashboard_rows import SNIPPET_CHARS, snippet
from handlers.privacy import mask


def _slow_query_string(filters: ListFilters, **changes: object) -> str:
    """The former implementation: asdict of a replaced copy."""
    values = asdict(replace(filters, **changes))  # type: ignore[arg-type]
    values["overdue"] = "1" if values["overdue"] else ""
    if values["page"] == 1:
        values["page"] = ""
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


@pytest.mark.parametrize(
    "filters",
    [
        ListFilters(),
        ListFilters(community="maotang", page=3),
        ListFilters(grid="2网格", klass="urgent", category="facility", state="reported"),
        ListFilters(overdue=True, q="路灯 3栋&x=1", page=2),
    ],
)
@pytest.mark.parametrize("page", [None, 1, 2, 7])
def test_query_string_matches_the_dataclass_copy(filters: ListFilters, page: int | None) -> None:
    changes = {} if page is None else {"page": page}
    assert filters.query_string(**changes) == _slow_query_string(filters, **changes)


def test_query_string_refuses_an_unknown_filter() -> None:
    with pytest.raises(TypeError):
        ListFilters().query_string(colour="red")


def test_remembered_snippets_are_masked_and_cut_per_text() -> None:
    phone = SimpleNamespace(text="业主王小明电话13800138000，3栋路灯坏了")
    other = SimpleNamespace(text="业主李大伟电话13900139000，" + "漏水" * 40)
    for _ in range(2):  # the second time from the cache: the same answer
        first, second = snippet(phone), snippet(other)  # type: ignore[arg-type]
        assert first == mask(phone.text)
        assert "13800138000" not in first and "王小明" not in first
        assert second == mask(other.text)[: SNIPPET_CHARS - 1] + "…"
        assert len(second) == SNIPPET_CHARS and "13900139000" not in second
