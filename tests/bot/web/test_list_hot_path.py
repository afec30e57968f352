"""The list page's shortcuts give what the slow way gave: links, masked snippets, Core rows."""

from __future__ import annotations

from dataclasses import asdict, replace
from types import SimpleNamespace
from urllib.parse import urlencode

import jinja2
import pytest

from bot.config_web import WebUser
from bot.web.dashboard_filters import SELECTS, ListFilters
from bot.web.dashboard_render import TEMPLATES, fixed_options
from bot.web.dashboard_rows import SNIPPET_CHARS, snippet
from handlers.privacy import mask
from handlers.vocabulary import CATEGORY_LABELS, CLASS_LABELS, STATE_LABELS, STATES


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


@pytest.mark.parametrize(
    "filters",
    [
        ListFilters(),
        ListFilters(page=2),
        ListFilters(community="maotang", page=3),
        ListFilters(grid="2网格", klass="urgent", category="facility", state="reported"),
        ListFilters(overdue=True, q="路灯 3栋&x=1", page=2),
        ListFilters(q="page=2&", page=1000),
    ],
)
def test_page_links_are_the_three_query_strings(filters: ListFilters) -> None:
    assert filters.page_links() == (
        _slow_query_string(filters, page=filters.page - 1),
        _slow_query_string(filters, page=filters.page + 1),
        _slow_query_string(filters, page=1),
    )


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


# The option loops of list.html before the tables, with the dashboard's settings.
_LOOPS = {
    "klass": """\
      {% for code in ("small", "urgent", "difficult") %}
      <option value="{{ code }}"{% if selected == code %} selected{% endif %}>\
{{ CLASS_LABELS[code] }}</option>
      {% endfor %}
""",
    "category": """\
      {% for code, label in CATEGORY_LABELS.items() if code != "none" %}
      <option value="{{ code }}"{% if selected == code %} selected{% endif %}>{{ label }}</option>
      {% endfor %}
""",
    "state": """\
      {% for code, label in STATE_LABELS.items() %}
      <option value="{{ code }}"{% if selected == code %} selected{% endif %}>{{ label }}</option>
      {% endfor %}
""",
}


@pytest.mark.parametrize("name", list(SELECTS))
def test_option_tables_are_what_the_loops_made(name: str) -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    loop = env.from_string(_LOOPS[name] + "{{ '' }}")
    labels = {"CLASS_LABELS": CLASS_LABELS, "CATEGORY_LABELS": CATEGORY_LABELS}
    table = fixed_options(env, SELECTS[name])
    assert set(table) == {"", *(code for code, _ in SELECTS[name])}
    for selected, lines in table.items():
        made = loop.render(selected=selected, STATE_LABELS=STATE_LABELS, **labels)
        assert str(lines) + "\n" == made
        assert made.count(" selected") == (1 if selected else 0)


def test_the_selects_take_the_values_they_always_took() -> None:
    user = WebUser("u", "x", "u", "secretary", "c1")
    for klass in [*CLASS_LABELS, "x", ""]:
        expected = klass if klass in CLASS_LABELS and klass != "none" else ""
        assert ListFilters.parse({"klass": klass}, user, ["c1"]).klass == expected
    for category in [*CATEGORY_LABELS, "x"]:
        expected = category if category != "none" and category != "x" else ""
        assert ListFilters.parse({"category": category}, user, ["c1"]).category == expected
    for state in [*STATES, "x"]:
        assert ListFilters.parse({"state": state}, user, ["c1"]).state == (
            state if state in STATES else ""
        )
