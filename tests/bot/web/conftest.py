"""Fixtures of the web tests; ``dashboard`` is a seeded live site (see tests/support/web.py)."""

from tests.support.web import dashboard

__all__ = ["dashboard"]
