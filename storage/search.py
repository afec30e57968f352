"""Full-text search of tickets over their jieba search tokens (``tickets.search_text``).

The index is built by migration 0003: an FTS5 table on SQLite, a GIN expression index on
PostgreSQL. Tokens come from people (``查询 路灯``), so they never reach a query language
unquoted: on SQLite each becomes an FTS5 string (a phrase, in which ``OR``, ``NEAR``, ``*``,
``-`` and parentheses are plain text); on PostgreSQL each is a bound parameter turned into a
tsquery by ``phraseto_tsquery``, which has no operators at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Executable,
    Integer,
    Select,
    String,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    table,
    text,
)
from sqlmodel import Session, col, select

from storage.models import Ticket

FTS_TABLE = "tickets_fts"  # SQLite, with the shadow tables FTS5 makes: tickets_fts_*
PG_INDEX = "ix_tickets_search_text"
# A query of more words than this is a pasted message, not a search; the first ones still
# narrow it down, and the query stays small whatever arrives.
MAX_QUERY_TERMS = 16

# search_text is space-separated, so whitespace inside a user token separates words too. NUL
# is a separator as well: PostgreSQL refuses it in text and FTS5 would cut the query at it.
_SEPARATORS = re.compile(r"[\s\x00]+")

# Both the column and the expression of the GIN index: the planner uses an expression index
# only for the identical expression, so the configuration is a literal, never a parameter.
_PG_CONFIG: ColumnClause[Any] = literal_column("'simple'::regconfig")

# CROSS JOIN fixes the FTS table as the outer loop: FTS5 walks its doclist newest first and
# the join stops at the LIMIT. A cost-based choice could start from the community index instead
# and test every ticket of the community against the index.
_SQLITE_SEARCH = text(
    f"SELECT tickets.* FROM {FTS_TABLE} CROSS JOIN tickets ON tickets.id = {FTS_TABLE}.rowid "
    f"WHERE {FTS_TABLE} MATCH :query AND tickets.community_code = :community "
    f"ORDER BY {FTS_TABLE}.rowid DESC LIMIT :limit"
)


# search_text is "<the message's words> | <their parts>": the parts (each character of a
# Chinese word, the character pairs of a longer one) let 查询 灯 find 路灯 and 查询 电梯 find
# 电梯困人. "|" is no word to FTS5 or to PostgreSQL's parser; the duplicate check reads only
# the words before it.
PARTS_MARK = " | "
_HAN_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def search_text_of(tokens: Sequence[str]) -> str:
    """The indexed text of a ticket: its words, then the parts of its Chinese words."""
    words = [w for token in tokens for w in _SEPARATORS.split(token) if w]
    parts: dict[str, None] = {}
    for word in words:
        if _HAN_WORD.fullmatch(word):
            parts.update(dict.fromkeys(word))
            if len(word) > 2:
                parts.update(dict.fromkeys(word[i : i + 2] for i in range(len(word) - 1)))
    extra = [p for p in parts if p not in words]
    return " ".join(words) + (PARTS_MARK + " ".join(extra) if extra else "")


def words_of(search_text: str) -> list[str]:
    """The message's own words of a search_text (without the indexed parts)."""
    return search_text.split(PARTS_MARK, 1)[0].split()


def query_terms(tokens: Sequence[str]) -> list[str]:
    """The distinct searchable words of user tokens, in order, at most ``MAX_QUERY_TERMS``.

    A word with no letter or digit (punctuation, emoji, ``%``) is dropped: the tokenizer that
    fills search_text drops such tokens too, so it could never match, and on both backends it
    would turn into an empty query term with backend-specific meaning.
    """
    terms: list[str] = []
    for token in tokens:
        if not isinstance(token, str):
            continue
        # A lone surrogate (from broken JSON) cannot be encoded for either driver.
        token = token.encode("utf-8", "ignore").decode("utf-8")
        for word in _SEPARATORS.split(token):
            if word and word not in terms and any(ch.isalnum() for ch in word):
                terms.append(word)
                if len(terms) == MAX_QUERY_TERMS:
                    return terms
    return terms


def fts5_query(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression requiring every term, each as a quoted string (a phrase)."""
    # Inside an FTS5 string only '"' is special, escaped by doubling it; juxtaposed phrases
    # are implicitly ANDed.
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _pg_phrases(terms: Sequence[ColumnElement[str]]) -> list[ColumnElement[Any]]:
    """``phraseto_tsquery`` of each term (a bound parameter)."""
    return [func.phraseto_tsquery(_PG_CONFIG, term) for term in terms]


def _pg_tsquery(terms: Sequence[str]) -> ColumnElement[str]:
    """``phraseto_tsquery`` of each term (a bound parameter), ANDed together with ``&&``."""
    parts = _pg_phrases([literal(term) for term in terms])
    return reduce(lambda left, right: left.op("&&")(right), parts)


def search_statement(
    dialect: str, community_code: str, terms: Sequence[str], limit: int
) -> Executable:
    """The ORM query behind :func:`search_tickets` for ``terms`` from :func:`query_terms`."""
    if not terms:
        raise ValueError("no search terms: search_tickets answers [] without asking the database")
    if dialect == "sqlite":
        return select(Ticket).from_statement(
            _SQLITE_SEARCH.bindparams(
                query=fts5_query(terms), community=community_code, limit=limit
            )
        )
    vector = func.to_tsvector(_PG_CONFIG, col(Ticket.search_text))
    return (
        select(Ticket)
        .where(Ticket.community_code == community_code, vector.op("@@")(_pg_tsquery(terms)))
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )


# The names of the bound parameters of :func:`newest_matching`, filled by :func:`match_params`.
_MATCH = "search_match"
_TERM = "search_term_{}"


def newest_matching(statement: Select[Any], dialect: str, n_terms: int) -> Select[Any]:
    """``statement`` (a SELECT of ticket columns, unordered) narrowed to the tickets whose
    search tokens include every one of ``n_terms`` terms, newest first; its other filters,
    OFFSET and LIMIT apply. The terms are bound parameters (:func:`match_params` gives their
    values), so one statement serves every search of that many words and is built once.

    For lists that combine the search with other filters and paging (the dashboard). On
    SQLite the FTS table is joined as the outer loop, ordered by its rowid (which FTS5 walks
    newest first itself), so a page stops at its LIMIT however common the word; an
    ``IN (SELECT rowid …)`` would collect every match first.
    """
    if n_terms < 1:
        raise ValueError("no search terms")
    if dialect == "sqlite":
        fts = table(FTS_TABLE, column("rowid", Integer))
        match = bindparam(_MATCH, type_=String)
        return (
            statement.join_from(fts, Ticket, col(Ticket.id) == fts.c.rowid)
            .where(literal_column(FTS_TABLE).op("MATCH")(match))
            .order_by(fts.c.rowid.desc())
        )
    vector = func.to_tsvector(_PG_CONFIG, col(Ticket.search_text))
    terms = [bindparam(_TERM.format(i), type_=String) for i in range(n_terms)]
    query = reduce(lambda left, right: left.op("&&")(right), _pg_phrases(terms))
    return statement.where(vector.op("@@")(query)).order_by(col(Ticket.id).desc())


def match_params(dialect: str, terms: Sequence[str]) -> dict[str, str]:
    """The values of :func:`newest_matching`'s parameters for ``terms`` (from
    :func:`query_terms`, not empty)."""
    if dialect == "sqlite":
        return {_MATCH: fts5_query(terms)}
    return {_TERM.format(i): term for i, term in enumerate(terms)}


def search_tickets(
    session: Session, community_code: str, tokens: Sequence[str], limit: int = 5
) -> list[Ticket]:
    """Tickets of the community whose search tokens include all ``tokens``, newest first."""
    terms = query_terms(tokens)
    if not terms or limit <= 0:
        return []
    statement = search_statement(session.get_bind().dialect.name, community_code, terms, limit)
    return list(session.scalars(statement).all())


def like_scan(session: Session, community_code: str, keyword: str, limit: int = 5) -> list[Ticket]:
    """Tickets of the community whose text contains ``keyword`` (plain LIKE), newest first.

    The baseline the search benchmark compares against: no index can serve ``LIKE '%…%'``.
    """
    if not keyword or limit <= 0:
        return []
    statement = (
        select(Ticket)
        # autoescape makes % and _ (and the escape character itself) literal.
        .where(
            Ticket.community_code == community_code,
            col(Ticket.text).contains(keyword, autoescape=True),
        )
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement).all())


def is_search_index_table(name: str | None) -> bool:
    """True for the SQLite FTS table and its shadow tables (``tickets_fts_*``)."""
    return name is not None and (name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_"))


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic ``include_name`` hook: leave the search index out of schema comparisons.

    No model describes the FTS tables or the GIN expression index, so a comparison (the
    migration tests, ``alembic revision --autogenerate``) would otherwise propose dropping them.
    """
    if type_ == "table":
        return not is_search_index_table(name)
    return not (type_ == "index" and name == PG_INDEX)
