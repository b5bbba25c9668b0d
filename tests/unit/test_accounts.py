"""Accounts: registration rules, log-in, throttling of password guessing, and session tokens."""

from __future__ import annotations

import base64
import json
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import jwt
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from shoprec_app.db import session_scope
from shoprec_app.models import LoginThrottle, User
from shoprec_app.services import accounts
from shoprec_app.services.accounts import GENERIC_LOGIN_ERROR, AccountError, Shopper, TooManyAttempts
from shoprec_app.settings import DEVELOPMENT_JWT_SECRET, ConfigurationError, Settings, get_settings

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """New hashes at bcrypt's lowest cost, so the suite stays fast; checks follow each hash's own cost."""
    real_gensalt = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda rounds=12, prefix=b"2b": real_gensalt(4, prefix))
    monkeypatch.setattr(accounts, "_DUMMY_HASH", bcrypt.hashpw(b"not-a-real-password", real_gensalt(4)).decode())


def make_settings(secret: str = "s" * 48, production: bool = False, lifetime_hours: int = 2) -> Settings:
    unused = dict.fromkeys(field.name for field in fields(Settings))  # fields these tests do not read
    return Settings(**{**unused, "jwt_secret": secret, "jwt_lifetime_hours": lifetime_hours, "production": production})


def registered(engine: Engine, email: str = "ada@example.com", password: str = PASSWORD) -> Shopper:
    with session_scope(engine) as session:
        return accounts.register(session, email, password)


def login(engine: Engine, email: str, password: str, now: datetime) -> Shopper:
    """One log-in attempt as the storefront makes it: its own transaction, rolled back when it raises."""
    with session_scope(engine) as session:
        return accounts.authenticate(session, email, password, now=now)


# --- registration ------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["", "ada", "ada@", "@example.com", "ada@example", "ada lovelace@example.com", "a@b@c.com"])
def test_register_refuses_invalid_emails(session: Session, email: str):
    with pytest.raises(AccountError, match="valid email"):
        accounts.register(session, email, PASSWORD)


def test_register_refuses_an_email_longer_than_the_column(session: Session):
    with pytest.raises(AccountError, match="valid email"):
        accounts.register(session, "a" * 320 + "@example.com", PASSWORD)


def test_register_refuses_short_and_too_long_passwords(session: Session):
    with pytest.raises(AccountError, match="at least 8"):
        accounts.register(session, "ada@example.com", "seven77")
    with pytest.raises(AccountError, match="at most 72 bytes"):
        accounts.register(session, "ada@example.com", "x" * 73)
    # 72 bytes counted as bytes, not characters: 25 three-byte characters are 75 bytes.
    with pytest.raises(AccountError, match="at most 72 bytes"):
        accounts.register(session, "ada@example.com", "€" * 25)
    assert session.get(User, 1) is None


def test_register_accepts_the_boundaries(session: Session):
    accounts.register(session, "eight@example.com", "x" * 8)
    accounts.register(session, "long@example.com", "x" * 72)


def test_register_stores_a_bcrypt_hash_never_the_password(session: Session):
    shopper = accounts.register(session, "  Ada@Example.COM ", PASSWORD)

    user = session.get(User, shopper.id)
    assert shopper.email == user.email == "ada@example.com"
    assert PASSWORD not in user.password_hash
    assert bcrypt.checkpw(PASSWORD.encode(), user.password_hash.encode())


def test_register_refuses_a_duplicate_email_whatever_its_case(session: Session):
    accounts.register(session, "ada@example.com", PASSWORD)

    with pytest.raises(AccountError, match="already exists"):
        accounts.register(session, "ADA@example.com", "another password")


def test_production_hashes_use_a_real_cost(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.undo()  # the real gensalt, for this one hash
    assert accounts.hash_password(PASSWORD).startswith("$2b$12$")


# --- log-in ------------------------------------------------------------------------------------


def test_authenticate_with_the_right_password_any_email_case(sqlite_engine: Engine):
    shopper = registered(sqlite_engine)

    assert login(sqlite_engine, "ADA@example.com ", PASSWORD, T0) == shopper


def test_wrong_password_and_unknown_email_get_the_same_message(sqlite_engine: Engine):
    registered(sqlite_engine)

    with pytest.raises(AccountError) as wrong_password:
        login(sqlite_engine, "ada@example.com", "not the password", T0)
    with pytest.raises(AccountError) as unknown_email:
        login(sqlite_engine, "nobody@example.com", PASSWORD, T0)

    assert str(wrong_password.value) == str(unknown_email.value) == GENERIC_LOGIN_ERROR
    assert type(wrong_password.value) is type(unknown_email.value) is AccountError


def test_a_password_longer_than_bcrypt_reads_is_refused_not_crashing(sqlite_engine: Engine):
    registered(sqlite_engine)

    with pytest.raises(AccountError, match=GENERIC_LOGIN_ERROR):
        login(sqlite_engine, "ada@example.com", PASSWORD + "x" * 200, T0)


# --- throttling --------------------------------------------------------------------------------


def fail(engine: Engine, times: int, start: datetime, email: str = "ada@example.com") -> datetime:
    """`times` wrong passwords a second apart; the moment of the last one."""
    moment = start
    for attempt in range(times):
        moment = start + timedelta(seconds=attempt)
        with pytest.raises(AccountError, match=GENERIC_LOGIN_ERROR):
            login(engine, email, "wrong password", moment)
    return moment


def test_five_failures_lock_the_email_even_for_the_right_password(sqlite_engine: Engine):
    registered(sqlite_engine)
    last = fail(sqlite_engine, 5, T0)

    with pytest.raises(TooManyAttempts, match="Try again in 15 minutes"):
        login(sqlite_engine, "ada@example.com", PASSWORD, last + timedelta(seconds=1))
    # Another email is not affected.
    registered(sqlite_engine, "grace@example.com")
    assert login(sqlite_engine, "grace@example.com", PASSWORD, last).email == "grace@example.com"


def test_four_failures_do_not_lock(sqlite_engine: Engine):
    registered(sqlite_engine)
    last = fail(sqlite_engine, 4, T0)

    assert login(sqlite_engine, "ada@example.com", PASSWORD, last + timedelta(seconds=1)).email == "ada@example.com"


def test_unknown_emails_are_throttled_too(sqlite_engine: Engine):
    last = fail(sqlite_engine, 5, T0, email="nobody@example.com")

    with pytest.raises(TooManyAttempts):
        login(sqlite_engine, "nobody@example.com", PASSWORD, last)


def test_the_lock_expires_after_the_lockout(sqlite_engine: Engine):
    registered(sqlite_engine)
    last = fail(sqlite_engine, 5, T0)

    with pytest.raises(TooManyAttempts):
        login(sqlite_engine, "ada@example.com", PASSWORD, last + accounts.LOCKOUT - timedelta(seconds=1))
    shopper = login(sqlite_engine, "ada@example.com", PASSWORD, last + accounts.LOCKOUT + timedelta(seconds=1))

    assert shopper.email == "ada@example.com"


def test_after_the_lock_expires_one_failure_does_not_lock_again(sqlite_engine: Engine):
    registered(sqlite_engine)
    last = fail(sqlite_engine, 5, T0)
    later = last + accounts.LOCKOUT + timedelta(seconds=1)

    fail(sqlite_engine, 1, later)

    assert login(sqlite_engine, "ada@example.com", PASSWORD, later + timedelta(seconds=2)).email == "ada@example.com"


def test_failures_outside_the_window_start_a_new_count(sqlite_engine: Engine):
    registered(sqlite_engine)
    fail(sqlite_engine, 4, T0)
    later = T0 + accounts.FAILURE_WINDOW + timedelta(minutes=1)
    fail(sqlite_engine, 4, later)

    assert login(sqlite_engine, "ada@example.com", PASSWORD, later + timedelta(seconds=5)).email == "ada@example.com"


def test_a_successful_log_in_resets_the_count(sqlite_engine: Engine):
    registered(sqlite_engine)
    last = fail(sqlite_engine, 4, T0)
    login(sqlite_engine, "ada@example.com", PASSWORD, last + timedelta(seconds=1))
    last = fail(sqlite_engine, 4, last + timedelta(seconds=2))

    assert login(sqlite_engine, "ada@example.com", PASSWORD, last + timedelta(seconds=1)).email == "ada@example.com"
    with Session(sqlite_engine) as session:
        assert session.get(LoginThrottle, "ada@example.com") is None


# --- tokens ------------------------------------------------------------------------------------


def test_token_round_trip(session: Session):
    settings = make_settings()
    shopper = accounts.register(session, "ada@example.com", PASSWORD)

    token = accounts.issue_token(shopper, settings)

    assert accounts.shopper_from_token(session, token, settings) == shopper


def test_expired_token_is_refused(session: Session):
    settings = make_settings(lifetime_hours=2)
    shopper = accounts.register(session, "ada@example.com", PASSWORD)

    stale = accounts.issue_token(shopper, settings, now=datetime.now(UTC) - timedelta(hours=3))
    fresh = accounts.issue_token(shopper, settings, now=datetime.now(UTC) - timedelta(hours=1))

    assert accounts.shopper_from_token(session, stale, settings) is None
    assert accounts.shopper_from_token(session, fresh, settings) == shopper


def test_token_signed_with_another_secret_is_refused(session: Session):
    shopper = accounts.register(session, "ada@example.com", PASSWORD)

    token = accounts.issue_token(shopper, make_settings(secret="a" * 48))

    assert accounts.shopper_from_token(session, token, make_settings(secret="b" * 48)) is None


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_tampered_payload_is_refused(session: Session):
    settings = make_settings()
    ada = accounts.register(session, "ada@example.com", PASSWORD)
    grace = accounts.register(session, "grace@example.com", PASSWORD)
    header, _payload, signature = accounts.issue_token(ada, settings).split(".")
    claims = jwt.decode(accounts.issue_token(ada, settings), settings.jwt_secret, algorithms=["HS256"])

    forged = ".".join([header, _b64({**claims, "sub": str(grace.id), "email": grace.email}), signature])

    assert accounts.shopper_from_token(session, forged, settings) is None


def test_alg_none_token_is_refused(session: Session):
    settings = make_settings()
    shopper = accounts.register(session, "ada@example.com", PASSWORD)
    claims = {"sub": str(shopper.id), "email": shopper.email, "exp": datetime.now(UTC) + timedelta(hours=1)}

    unsigned = jwt.encode(claims, key=None, algorithm="none")

    assert accounts.shopper_from_token(session, unsigned, settings) is None


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_malformed_tokens_are_refused(session: Session, token: str):
    assert accounts.shopper_from_token(session, token, make_settings()) is None


def test_token_without_expiry_or_with_a_non_numeric_subject_is_refused(session: Session):
    settings = make_settings()
    shopper = accounts.register(session, "ada@example.com", PASSWORD)

    no_expiry = jwt.encode({"sub": str(shopper.id), "email": shopper.email}, settings.jwt_secret, algorithm="HS256")
    odd_subject = jwt.encode(
        {"sub": "admin", "email": shopper.email, "exp": datetime.now(UTC) + timedelta(hours=1)},
        settings.jwt_secret,
        algorithm="HS256",
    )

    assert accounts.shopper_from_token(session, no_expiry, settings) is None
    assert accounts.shopper_from_token(session, odd_subject, settings) is None


def test_token_of_a_deleted_user_is_refused(session: Session):
    settings = make_settings()
    ada = accounts.register(session, "ada@example.com", PASSWORD)
    accounts.register(session, "grace@example.com", PASSWORD)
    token = accounts.issue_token(ada, settings)

    session.delete(session.get(User, ada.id))
    session.flush()

    assert accounts.shopper_from_token(session, token, settings) is None


def test_token_of_a_deleted_user_does_not_open_a_new_account_with_the_same_id(session: Session):
    """SQLite hands a deleted row's id to the next row: the old token must not log in as its new owner."""
    settings = make_settings()
    ada = accounts.register(session, "ada@example.com", PASSWORD)
    token = accounts.issue_token(ada, settings)
    session.delete(session.get(User, ada.id))
    session.flush()

    mallory = accounts.register(session, "mallory@example.com", PASSWORD)

    assert mallory.id == ada.id  # the premise: the id came back
    assert accounts.shopper_from_token(session, token, settings) is None
    assert accounts.shopper_from_token(session, accounts.issue_token(mallory, settings), settings) == mallory


# --- production safety -------------------------------------------------------------------------


def test_production_refuses_the_development_secret():
    with pytest.raises(ConfigurationError, match="SHOPREC_JWT_SECRET is not set"):
        make_settings(secret=DEVELOPMENT_JWT_SECRET, production=True).check_production_safety()


def test_production_refuses_a_short_secret():
    with pytest.raises(ConfigurationError, match="too short"):
        make_settings(secret="x" * 31, production=True).check_production_safety()


def test_production_accepts_a_long_secret_and_development_the_default():
    make_settings(secret="x" * 32, production=True).check_production_safety()
    make_settings(secret=DEVELOPMENT_JWT_SECRET, production=False).check_production_safety()


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("SHOPREC_HOME", str(tmp_path))
    monkeypatch.setenv("SHOPREC_ENV", "Production")
    monkeypatch.delenv("SHOPREC_JWT_SECRET", raising=False)
    monkeypatch.delenv("SHOPREC_DATABASE_URL", raising=False)
    monkeypatch.setenv("REFLEX_DB_URL", "postgres://shop:pw@db:5432/shop")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.production
        assert settings.database_url == "postgresql+psycopg2://shop:pw@db:5432/shop"
        assert settings.media_dir == tmp_path / "media"
        with pytest.raises(ConfigurationError):
            settings.check_production_safety()
        replace(settings, jwt_secret="y" * 40).check_production_safety()
    finally:
        get_settings.cache_clear()


def test_a_registration_that_loses_a_race_gets_the_clear_duplicate_message(session, monkeypatch):
    accounts.register(session, "race@example.com", "long enough password")
    # The other registration checked before this one was stored: only the unique index can tell.
    finds_nobody = accounts.select(accounts.User.id).where(accounts.User.id == -1)
    monkeypatch.setattr(accounts, "select", lambda *_: finds_nobody)
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.register(session, "race@example.com", "long enough password")
    # The first account is intact and the session still usable.
    assert len(session.exec(select(User).where(User.email == "race@example.com")).all()) == 1
