"""The filters of the ticket list (``/`` and ``/tickets.csv``), from and to its query string."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlencode

from bot.config_web import WebUser
from handlers.vocabulary import CATEGORY_LABELS, CLASS_LABELS, STATE_LABELS

MAX_PAGE = 1000  # deeper than anyone pages by hand; keeps OFFSET bounded
MAX_QUERY_CHARS = 50

# The fixed selects of the list: (code, label) in the order shown. A filter takes only these
# codes; anything else in the URL is ignored.
SELECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "klass": tuple((c, CLASS_LABELS[c]) for c in ("small", "urgent", "difficult")),
    "category": tuple((c, label) for c, label in CATEGORY_LABELS.items() if c != "none"),
    "state": tuple(STATE_LABELS.items()),
}
_CHOICES = {name: frozenset(code for code, _ in items) for name, items in SELECTS.items()}


@dataclass(frozen=True, slots=True)
class ListFilters:
    """What the list shows; empty strings mean "any"."""

    community: str = ""
    grid: str = ""
    klass: str = ""
    category: str = ""
    state: str = ""
    overdue: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def parse(cls, query: Mapping[str, str], user: WebUser, codes: Sequence[str]) -> ListFilters:
        """Filters from a query string; unknown values are ignored rather than refused."""

        def pick(key: str, allowed: Collection[str]) -> str:
            value = query.get(key, "")
            return value if value in allowed else ""

        # A community member always sees their own community, whatever the URL says.
        community = user.community if user.community != "*" else pick("community", codes)
        try:
            page = min(max(int(query.get("page", "1")), 1), MAX_PAGE)
        except ValueError:
            page = 1
        return cls(
            community=community,
            grid=query.get("grid", "")[:100],
            klass=pick("klass", _CHOICES["klass"]),
            category=pick("category", _CHOICES["category"]),
            state=pick("state", _CHOICES["state"]),
            overdue=query.get("overdue", "") in ("1", "on", "true"),
            q=query.get("q", "").strip()[:MAX_QUERY_CHARS],
            page=page,
        )

    def query_string(self, **changes: Any) -> str:
        """The URL query for these filters (with ``changes``), without empty values."""
        # Three per page: a plain dict of the fields, not asdict(replace(…)), which deep-copies.
        unknown = changes.keys() - _FILTER_FIELDS
        if unknown:
            raise TypeError(f"unknown filters: {sorted(unknown)}")
        values = {name: changes.get(name, getattr(self, name)) for name in _FILTER_FIELDS}
        values["overdue"] = "1" if values["overdue"] else ""
        if values["page"] == 1:
            values["page"] = ""
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})

    def page_links(self) -> tuple[str, str, str]:
        """The query strings of the previous page, of the next one and of the whole list
        (page 1: the CSV link), from one encoding of the filters."""
        first = self.query_string(page=1)

        def at(page: int) -> str:
            # The page is the last field: what query_string(page=page) makes.
            if page == 1:
                return first
            return f"{first}&page={page}" if first else f"page={page}"

        return at(self.page - 1), at(self.page + 1), first


_FILTER_FIELDS = tuple(f.name for f in fields(ListFilters))
