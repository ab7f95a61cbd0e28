"""Alembic environment, self-contained: the server passes its open connection in
``config.attributes["connection"]`` (see sync.server.storage.migrate)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
