"""Marks a request failed when its message is given up on, so the shopper is told and can retry."""

from __future__ import annotations

import logging

from dramatiq import Middleware

logger = logging.getLogger(__name__)


class FailedRequests(Middleware):
    """Runs after Retries: a message that is `failed` here goes to the dead-letter queue."""

    def after_process_message(self, broker, message, *, result=None, exception=None):  # noqa: ANN001
        if exception is not None and message.failed:
            self._mark_failed(broker, message, f"{type(exception).__name__}: {exception}")

    def after_skip_message(self, broker, message):  # noqa: ANN001 - e.g. too old (max_age)
        self._mark_failed(broker, message, "expired before a worker could take it")

    def _mark_failed(self, broker, message, reason: str) -> None:  # noqa: ANN001
        request_id = message.args[0] if message.args and isinstance(message.args[0], str) else None
        if message.queue_name.split(".")[0] != "recommendations" or request_id is None:
            return
        from actors.recommend import mark_failed_and_reply

        logger.warning("request %s failed for good: %s", request_id, reason)
        try:
            mark_failed_and_reply(request_id, reason)
        except Exception:  # noqa: BLE001 - reporting must never break the worker
            logger.exception("could not mark request %s failed", request_id)
