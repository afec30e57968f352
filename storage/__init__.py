"""Persistence: sqlmodel tables, engine and sessions, schema migrations, outbox."""
