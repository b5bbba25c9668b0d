"""Configuration from the environment, with embedded defaults for a fresh machine.

Nothing here imports Reflex, so the CLI, the importer and the workers share it.
With no variables set, ShopRec keeps its data in ~/.local/share/shoprec: a SQLite
database and the product photos. Deployments set the URLs of PostgreSQL, RabbitMQ
and Redis instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# The secret a development checkout signs tokens with. Production refuses to start with it.
DEVELOPMENT_JWT_SECRET = "shoprec-development-secret-change-me"


class ConfigurationError(RuntimeError):
    """The environment asks for something ShopRec cannot safely do."""


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    jwt_secret: str
    jwt_lifetime_hours: int
    production: bool
    dataset: str | None
    dataset_format: str | None
    broker_url: str | None
    redis_url: str | None
    artifacts_dir: Path

    @property
    def media_dir(self) -> Path:
        return self.home / "media"

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_production_safety(self) -> None:
        """Refuse to serve real shoppers with a secret anyone can read in our source."""
        if self.production and self.jwt_secret == DEVELOPMENT_JWT_SECRET:
            raise ConfigurationError(
                "SHOPREC_JWT_SECRET is not set: production mode needs a secret of its own "
                '(for example: export SHOPREC_JWT_SECRET="$(python -c "import secrets; print(secrets.token_urlsafe(48))")")'
            )
        if self.production and len(self.jwt_secret) < 32:
            raise ConfigurationError("SHOPREC_JWT_SECRET is too short: use at least 32 characters")


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "shoprec"


def normalise_database_url(url: str) -> str:
    """Use psycopg2 for plain PostgreSQL URLs (SQLAlchemy 2.1 would pick psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    home = Path(os.environ.get("SHOPREC_HOME") or _default_home()).expanduser().resolve()
    database_url = (
        os.environ.get("SHOPREC_DATABASE_URL")
        or os.environ.get("REFLEX_DB_URL")
        or f"sqlite:///{home / 'shoprec.db'}"
    )
    return Settings(
        home=home,
        database_url=normalise_database_url(database_url),
        jwt_secret=os.environ.get("SHOPREC_JWT_SECRET") or DEVELOPMENT_JWT_SECRET,
        jwt_lifetime_hours=int(os.environ.get("SHOPREC_JWT_LIFETIME_HOURS", "168")),
        production=os.environ.get("SHOPREC_ENV", "development").lower() in {"prod", "production"},
        dataset=os.environ.get("SHOPREC_DATASET") or None,
        dataset_format=os.environ.get("SHOPREC_DATASET_FORMAT") or None,
        broker_url=os.environ.get("SHOPREC_BROKER_URL") or None,
        redis_url=os.environ.get("SHOPREC_REDIS_URL") or None,
        artifacts_dir=Path(os.environ.get("SHOPREC_ARTIFACTS") or home / "artifacts").expanduser().resolve(),
    )
