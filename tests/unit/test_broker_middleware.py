"""A request whose message is given up on must be marked failed, so its shopper is told."""

from __future__ import annotations

from dramatiq.middleware import Retries

from actors.broker import make_broker
from actors.middleware import FailedRequests


def test_failed_requests_runs_after_retries_has_decided():
    # Dramatiq calls after_* hooks in reverse list order. Listed after Retries, FailedRequests
    # ran first, always saw `message.failed` still False, and no request was ever marked failed.
    order = [type(middleware) for middleware in make_broker(None).middleware]

    assert order.index(FailedRequests) < order.index(Retries)
