"""Keyword search over products: PostgreSQL full-text search, or SQLite FTS5.

Each dialect gets its own engine's index, maintained by the database itself, so every
writer (the importer, an admin, a future API) keeps search current without app code.
Title weighs most, then details and category, then description.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES_VECTOR = """
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(details, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(category, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(description, '')), 'C')
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({POSTGRES_VECTOR}) STORED")
        op.execute("CREATE INDEX ix_products_search_vector ON products USING gin (search_vector)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE products_fts USING fts5("
        "title, details, category, description, content='products', content_rowid='id', tokenize='porter unicode61')"
    )
    op.execute(
        "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "
        "INSERT INTO products_fts(rowid, title, details, category, description) "
        "VALUES (new.id, new.title, new.details, new.category, new.description); END"
    )
    op.execute(
        "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "
        "INSERT INTO products_fts(products_fts, rowid, title, details, category, description) "
        "VALUES ('delete', old.id, old.title, old.details, old.category, old.description); END"
    )
    op.execute(
        "CREATE TRIGGER products_fts_update AFTER UPDATE OF title, details, category, description ON products BEGIN "
        "INSERT INTO products_fts(products_fts, rowid, title, details, category, description) "
        "VALUES ('delete', old.id, old.title, old.details, old.category, old.description); "
        "INSERT INTO products_fts(rowid, title, details, category, description) "
        "VALUES (new.id, new.title, new.details, new.category, new.description); END"
    )
    # Index the products that already exist.
    op.execute("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_products_search_vector")
        op.execute("ALTER TABLE products DROP COLUMN IF EXISTS search_vector")
        return
    for trigger in ("products_fts_insert", "products_fts_delete", "products_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS products_fts")
