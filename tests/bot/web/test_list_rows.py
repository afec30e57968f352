"""The list lines made in Python are, byte for byte, the markup the template used to make."""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest

from bot.web.dashboard_query import is_overdue
from bot.web.dashboard_rows import list_line, list_lines, local_minute, snippet
from handlers.policy import Policy
from handlers.vocabulary import CATEGORY_LABELS, CLASS_LABELS, STATE_LABELS
from tests.support.db import SHANGHAI

# The row loop of list.html before the lines moved to Python, with the same settings as the
# dashboard's environment (bot.web.dashboard_render.setup_templates).
_TEMPLATE = """\
  {% for r in rows %}
    <tr class="{{ 'overdue ' if r.overdue }}k-{{ r.klass }}">
      <td class="id"><a href="/tickets/{{ r.id }}">T{{ r.id }}</a></td>
      <td class="text"><a href="/tickets/{{ r.id }}">{{ r.text }}</a>{% if r.plus_ones %} \
<span class="badge">+{{ r.plus_ones }}</span>{% endif %}</td>
      {% if many %}<td data-label="社区">{{ r.community }}</td>{% endif %}
      <td data-label="网格">{{ r.grid }}</td>
      <td data-label="类型"><span class="pill k-{{ r.klass }}">{{ r.klass_label }}</span></td>
      <td data-label="类别">{{ r.category }}</td>
      <td data-label="状态">{{ r.state }}</td>
      <td data-label="报事">{{ r.created }}</td>
      <td data-label="期限">{{ r.due }}{% if r.overdue %} \
<strong class="late">超期</strong>{% endif %}</td>
    </tr>
  {% endfor %}
"""
_ENV = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
NAMES = {"maotang": "毛塘<路>社区", "guihua": "桂花&社区"}
POLICY = Policy()


def _ticket(**overrides: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "id": 12,
        "klass": "small",
        "text": "3栋路灯坏了",
        "plus_ones": 0,
        "community_code": "maotang",
        "grid": "1网格",
        "category": "facility",
        "state": "reported",
        "created_at": datetime(2026, 11, 20, 1, 5, tzinfo=UTC),
        "due_at": datetime(2026, 11, 23, 16, 30, tzinfo=UTC),
        "assignee_id": None,
        "acknowledged_at": None,
    }
    return SimpleNamespace(**(fields | overrides))


def _template_line(t: SimpleNamespace, many: bool) -> str:
    """The line as the template made it, from the cells the former Row held."""
    row = {
        "id": t.id,
        "klass": t.klass,
        "text": snippet(t),  # type: ignore[arg-type]
        "plus_ones": t.plus_ones,
        "community": NAMES.get(t.community_code, t.community_code),
        "grid": t.grid or "—",
        "klass_label": CLASS_LABELS.get(t.klass, t.klass),
        "category": CATEGORY_LABELS.get(t.category, t.category),
        "state": STATE_LABELS.get(t.state, t.state),
        "created": t.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        "due": t.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if t.due_at else "—",
        "overdue": is_overdue(t, NOW, POLICY),  # type: ignore[arg-type]
    }
    return _ENV.from_string(_TEMPLATE).render(rows=[row], many=many)


CASES = {
    "plain": _ticket(),
    "overdue": _ticket(due_at=NOW - timedelta(hours=1)),
    "answered, not due": _ticket(due_at=NOW + timedelta(days=1), assignee_id="w1"),
    "closed long ago": _ticket(state="closed", due_at=NOW - timedelta(days=30)),
    "no deadline, no grid": _ticket(klass="difficult", due_at=None, grid=None),
    "plus ones": _ticket(plus_ones=3, klass="urgent", state="in_progress"),
    "markup in every text": _ticket(
        text="<script>alert(\"x\")</script> & 业主王小明 13800138000 'q'",
        grid="<b>2网格</b>",
        community_code="guihua",
    ),
    "unknown codes": _ticket(klass="<k>", category="odd&", state='"s"', community_code="x<"),
    "long text": _ticket(text="漏水" * 50, id=100000),
    "midnight in Shanghai": _ticket(created_at=datetime(2026, 11, 19, 16, 0, tzinfo=UTC)),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("many", [False, True])
def test_a_line_is_the_markup_the_template_made(case: str, many: bool) -> None:
    t = CASES[case]
    line = list_line(t, NOW, NAMES if many else None, POLICY)  # type: ignore[arg-type]
    assert str(line) == _template_line(t, many)


def test_every_value_is_escaped_and_personal_data_masked() -> None:
    line = str(list_line(CASES["markup in every text"], NOW, NAMES, POLICY))  # type: ignore[arg-type]
    assert "<script>" not in line and "<b>" not in line and "桂花&amp;社区" in line
    assert "13800138000" not in line and "王小明" not in line


def test_local_minute_is_strftime() -> None:
    for hours in range(0, 24 * 400, 7):
        moment = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=hours, minutes=hours % 60)
        expected = moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        assert local_minute(moment, SHANGHAI) == expected


# A Core row as list_page returns it: attributes, hashed and compared by value.
_Row = namedtuple("_Row", list(vars(_ticket())))  # type: ignore[misc]


def _row(t: SimpleNamespace) -> Any:
    return _Row(**vars(t))


@pytest.mark.parametrize("many", [False, True])
def test_remembered_lines_are_the_lines(many: bool) -> None:
    rows = [_row(t) for t in CASES.values()]
    names = NAMES if many else None
    expected = [list_line(t, NOW, names, POLICY).encode() for t in CASES.values()]  # type: ignore[arg-type]
    for _ in range(2):  # the second time from the cache: the same lines, UTF-8 encoded
        assert list_lines(rows, NOW, names, POLICY) == expected


def _lines(rows: list[Any], now: datetime, names: dict[str, str] | None) -> list[str]:
    return [line.decode() for line in list_lines(rows, now, names, POLICY)]


def test_a_changed_ticket_is_never_shown_as_remembered() -> None:
    """Everything a line shows is in its key: a new value or a deadline passing is a new line."""
    t = _ticket(created_at=NOW - timedelta(hours=1), due_at=NOW + timedelta(hours=1))
    (before,) = _lines([_row(t)], NOW, None)
    assert "超期" not in before and "已登记" in before
    changed = {
        "state": "in_progress",
        "text": "3栋路灯又坏了",
        "klass": "urgent",
        "plus_ones": 2,
        "grid": "2网格",
        "due_at": NOW + timedelta(days=2),
    }
    for field, value in changed.items():
        (line,) = _lines([_row(_ticket(**{**vars(t), field: value}))], NOW, None)
        assert line != before, field
        assert line == list_line(_ticket(**{**vars(t), field: value}), NOW, None, POLICY)  # type: ignore[arg-type]
    # The same row two hours later: its deadline has passed.
    (late,) = _lines([_row(t)], NOW + timedelta(hours=2), None)
    assert "超期" in late
    # The same row on a list with a community column, and after a community was renamed.
    (named,) = _lines([_row(t)], NOW, NAMES)
    (renamed,) = _lines([_row(t)], NOW, {"maotang": "新毛塘"})
    assert "毛塘&lt;路&gt;社区" in named and "新毛塘" in renamed


def test_lines_judge_overdue_as_the_definition_does() -> None:
    """list_lines compares due dates with the moment in UTC: the same 超期 for every ticket."""
    created = NOW - timedelta(days=2)
    for klass in ("small", "urgent", "difficult"):
        for state in ("reported", "in_progress", "resolved", "closed"):
            for due in (None, created + timedelta(hours=3), created + timedelta(days=3)):
                for assignee in (None, "wx-li"):
                    t = _ticket(
                        klass=klass,
                        state=state,
                        created_at=created,
                        due_at=due,
                        assignee_id=assignee,
                    )
                    for hours in (-40, 0, 1, 30, 24 * 5):
                        now = NOW + timedelta(hours=hours)
                        (line,) = _lines([_row(t)], now, None)
                        assert ('class="overdue ' in line) == is_overdue(t, now, POLICY)  # type: ignore[arg-type]
