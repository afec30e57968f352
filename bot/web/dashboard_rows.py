"""The lines of the ticket list (``/``): each ticket's ``<tr>``, made in Python.

The list is the busiest page, and its thirty lines were most of its cost: in the template each
line ran fifteen escaped outputs and as many generator steps. Here a line is one f-string of
values escaped once; the template writes the lines as they are (``list.html``). The markup is
the same the template made (``tests/bot/web/test_list_rows.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from functools import lru_cache

from markupsafe import Markup, escape

from bot.web.dashboard_query import ListItem, ListRow, is_overdue
from handlers.followups import overdue
from handlers.policy import Policy
from handlers.privacy import mask
from handlers.vocabulary import CATEGORY_LABELS, CLASS_LABELS, STATE_LABELS
from storage.checks import saved_id, zone_of

SNIPPET_CHARS = 60
SNIPPETS_CACHED = 16_384  # texts of ~100 characters: ~10 MB at most
LINES_CACHED = 4096

# The labels of known codes, escaped once; an unknown code (an old or hand-edited row) is
# escaped on the way out like any other text.
_CLASSES = {code: (escape(code), escape(label)) for code, label in CLASS_LABELS.items()}
_CATEGORIES = {code: escape(label) for code, label in CATEGORY_LABELS.items()}
_STATES = {code: escape(label) for code, label in STATE_LABELS.items()}
_LATE = ' <strong class="late">超期</strong>'


def snippet(ticket: ListItem) -> str:
    """The ticket's text for a list: personal data masked, cut short."""
    return _snippet_of(ticket.text)


# Masking runs a dozen regular expressions at least twice over the whole text: it is most of
# the cost of a list line. It depends on the text alone (the process's one privacy policy, no
# per-ticket names), so the snippet of a text seen before is remembered (~500 pages' worth).
@lru_cache(maxsize=SNIPPETS_CACHED)
def _snippet_of(text: str) -> str:
    masked = mask(text)
    return masked if len(masked) <= SNIPPET_CHARS else masked[: SNIPPET_CHARS - 1] + "…"


def local_minute(moment: datetime, tz: tzinfo) -> str:
    """``moment`` in ``tz`` as ``YYYY-MM-DD HH:MM``, what ``strftime`` gives."""
    d = moment.astimezone(tz)
    # Sixty times a page: ``%`` formats the fields itself, where strftime and isoformat go
    # through C's printf and an f-string calls each int's __format__ (a third slower).
    return "%04d-%02d-%02d %02d:%02d" % (d.year, d.month, d.day, d.hour, d.minute)  # noqa: UP031


def list_line(t: ListItem, now: datetime, names: dict[str, str] | None, policy: Policy) -> Markup:
    """The ``<tr>`` of ticket ``t``, every value escaped; times in ``now``'s zone. ``names``
    maps community codes to names when the list has a community column, else None."""
    return _markup(t, is_overdue(t, now, policy), _community(t, names), zone_of(now))


def list_lines(
    rows: Sequence[ListRow], now: datetime, names: dict[str, str] | None, policy: Policy
) -> list[bytes]:
    """The lines of :func:`list_line`, UTF-8 encoded (``render``'s ``parts``), for a page of
    Core rows (hashable: their values).

    A line is a function of the row's values, of whether it is 超期 now, of the community's
    name and of the zone, and all of them are its key: a changed ticket is a new key, so a
    remembered line is never stale. The newest tickets are on every page that people open
    first, for every user of the community, until newer ones push them down.
    """
    tz, now_utc = zone_of(now), now.astimezone(UTC)
    return [
        _remembered(t, overdue.is_overdue(t, now, policy, tz, now_utc), _community(t, names), tz)
        for t in rows
    ]


def _community(t: ListItem, names: dict[str, str] | None) -> str | None:
    return None if names is None else names.get(t.community_code, t.community_code)


def _markup(t: ListItem, overdue: bool, community_name: str | None, tz: tzinfo) -> Markup:
    """The line of ``t``; ``community_name`` is None when the list has no community column."""
    t_id, due_at, plus_ones = saved_id(t), t.due_at, t.plus_ones
    klass, klass_label = _CLASSES.get(t.klass) or (escape(t.klass), escape(t.klass))
    category = _CATEGORIES.get(t.category) or escape(t.category)
    state = _STATES.get(t.state) or escape(t.state)
    badge = f' <span class="badge">+{plus_ones}</span>' if plus_ones else ""
    community = ""
    if community_name is not None:
        community = f'<td data-label="社区">{escape(community_name)}</td>'
    # One f-string, the markup list.html had for a line (its whitespace included).
    return Markup(
        f'    <tr class="{"overdue " if overdue else ""}k-{klass}">\n'
        f'      <td class="id"><a href="/tickets/{t_id}">T{t_id}</a></td>\n'
        f'      <td class="text"><a href="/tickets/{t_id}">{escape(snippet(t))}</a>'
        f"{badge}</td>\n"
        f'{community}      <td data-label="网格">{escape(t.grid or "—")}</td>\n'
        f'      <td data-label="类型"><span class="pill k-{klass}">{klass_label}</span></td>\n'
        f'      <td data-label="类别">{category}</td>\n'
        f'      <td data-label="状态">{state}</td>\n'
        f'      <td data-label="报事">{local_minute(t.created_at, tz)}</td>\n'
        f'      <td data-label="期限">{local_minute(due_at, tz) if due_at else "—"}'
        f"{_LATE if overdue else ''}</td>\n"
        "    </tr>\n"
    )


# ~1.5 kB a line with its row: a few MB, the newest pages of every community many times over.
@lru_cache(maxsize=LINES_CACHED)
def _remembered(t: ListRow, overdue: bool, community_name: str | None, tz: tzinfo) -> bytes:
    return _markup(t, overdue, community_name, tz).encode()
