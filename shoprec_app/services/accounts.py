"""Accounts: registration, password checks, signed session tokens, log-in throttling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import bcrypt
import jwt
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from shoprec_app.models import LoginThrottle, User, utcnow
from shoprec_app.settings import Settings, get_settings

MIN_PASSWORD_LENGTH = 8
# bcrypt only reads the first 72 bytes of a password; longer ones are refused rather than cut silently.
MAX_PASSWORD_BYTES = 72
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
JWT_ALGORITHM = "HS256"

# After this many failed log-ins for one email inside the window, that email is locked for a while.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)

GENERIC_LOGIN_ERROR = "Wrong email or password."
DUPLICATE_EMAIL = "An account with this email already exists. Log in instead."


class AccountError(ValueError):
    """A request the shopper can fix; the message is safe to show them."""


class TooManyAttempts(AccountError):
    pass


@dataclass(frozen=True)
class Shopper:
    id: int
    email: str


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_registration(email: str, password: str) -> str:
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email) or len(email) > 320:
        raise AccountError("Enter a valid email address.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise AccountError(f"Use a password of at most {MAX_PASSWORD_BYTES} bytes.")
    return email


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


# A real hash to compare against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = hash_password("not-a-real-password")


def register(session: Session, email: str, password: str) -> Shopper:
    email = validate_registration(email, password)
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise AccountError(DUPLICATE_EMAIL)
    user = User(email=email, password_hash=hash_password(password))
    try:
        with session.begin_nested():  # the unique index decides a race between two registrations
            session.add(user)
    except IntegrityError:
        raise AccountError(DUPLICATE_EMAIL) from None
    return Shopper(user.id, user.email)


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> Shopper:
    """The shopper for these credentials; one generic error for a wrong email or password."""
    now = now or utcnow()
    email = normalise_email(email)
    throttle = session.get(LoginThrottle, email)
    if throttle and throttle.locked_until and _aware(throttle.locked_until) > now:
        minutes = max(1, int((_aware(throttle.locked_until) - now).total_seconds() // 60) + 1)
        raise TooManyAttempts(f"Too many failed log-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.")
    user = session.exec(select(User).where(User.email == email)).first()
    password_bytes = (password or "").encode()[:MAX_PASSWORD_BYTES]
    stored = user.password_hash.encode() if user else _DUMMY_HASH.encode()
    if bcrypt.checkpw(password_bytes, stored) and user is not None:
        if throttle:
            session.delete(throttle)
        return Shopper(user.id, user.email)
    _record_failure(session, throttle, email, now)
    # Committed here: the caller's transaction rolls back on the error we raise, and a failure
    # that is rolled back never counts towards the lock.
    session.commit()
    raise AccountError(GENERIC_LOGIN_ERROR)


def _record_failure(session: Session, throttle: LoginThrottle | None, email: str, now: datetime) -> None:
    if throttle is None:
        throttle = LoginThrottle(email=email, failures=0, window_started_at=now)
    if now - _aware(throttle.window_started_at) > FAILURE_WINDOW:
        throttle.failures, throttle.window_started_at, throttle.locked_until = 0, now, None
    throttle.failures += 1
    if throttle.failures >= MAX_FAILURES:
        throttle.locked_until = now + LOCKOUT
    session.add(throttle)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def issue_token(shopper: Shopper, settings: Settings | None = None, now: datetime | None = None) -> str:
    settings = settings or get_settings()
    now = now or utcnow()
    claims = {
        "sub": str(shopper.id),
        "email": shopper.email,
        "iat": now,
        "exp": now + timedelta(hours=settings.jwt_lifetime_hours),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=JWT_ALGORITHM)


def shopper_from_token(session: Session, token: str, settings: Settings | None = None) -> Shopper | None:
    """The shopper a signed, unexpired token names, if that account still exists."""
    if not token:
        return None
    settings = settings or get_settings()
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]})
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, ValueError, KeyError):
        return None
    user = session.get(User, user_id)
    # SQLite gives a deleted user's id to the next account: the email tells them apart.
    if user is None or claims.get("email") != user.email:
        return None
    return Shopper(user.id, user.email)
